"""The data-store probe: databases (SQLAlchemy URLs), CSV/JSONL/Parquet files, text and logs."""

from lendguard.probes.datastore.probe import ScanOptions, probe_datastore
from lendguard.probes.datastore.profile import TableSample, combine, scan_batch

__all__ = ["ScanOptions", "TableSample", "combine", "probe_datastore", "scan_batch"]
