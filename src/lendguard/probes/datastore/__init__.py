"""The data-store probe: databases (SQLAlchemy URLs), CSV/JSONL/Parquet files, text and logs."""

from lendguard.probes.datastore.probe import ScanOptions, probe_datastore

__all__ = ["ScanOptions", "probe_datastore"]
