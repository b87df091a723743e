"""Reports: the canonical JSON document (the source of truth) and the renderers that read it."""

from lendguard.reports.document import ReportDocument, build_document, report_schema

__all__ = ["ReportDocument", "build_document", "report_schema"]
