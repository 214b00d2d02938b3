import sys

from matchkit.bench.cli import main

sys.exit(main())
