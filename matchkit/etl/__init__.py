"""ETL: select matches, process them in parallel batches, and store their plots."""

from matchkit.etl.params import BACKENDS, EtlConfig
from matchkit.etl.runner import EtlSummary, run_etl

__all__ = ["BACKENDS", "EtlConfig", "EtlSummary", "run_etl"]
