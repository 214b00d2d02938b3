"""Benchmark and tuning: the ETL timed against the original way and against reading its input.

Modules: ``runner`` and ``benchmark`` (measurements and their record), ``measure`` (one
measurement in a fresh process), ``baseline`` (the original way), ``floor`` (read and
parse only), ``http`` (a local open-data server), ``tuning`` (choose ETL parameters),
``charts`` (tables and figures for the notebooks). Nothing is imported here, so that
worker processes that unpickle the floor's function stay light.
"""
