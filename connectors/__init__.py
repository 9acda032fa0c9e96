"""Ruche connectors: plain-Python extractors, one module per platform.

No module here imports Airflow or DuckDB: a connector takes credentials, an account, a date
window and a base URL, and yields what the platform returned, which `connectors.landing` writes
to the landing zone unchanged.
"""

__version__ = "0.1.0"
