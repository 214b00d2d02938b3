import sys

from matchkit.cli import main

# The guard matters: Dask and multiprocessing workers import the main module again.
if __name__ == "__main__":
    sys.exit(main())
