"""How reports name the place of a finding: a short human form, and a SARIF artifact URI."""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from urllib.parse import quote

from lendguard.findings import Location
from lendguard.reports.i18n import word
from lendguard.rulebase import Language


def where(location: Location, lang: Language) -> str:
    """The coarse place; the quote beside it carries the detail."""
    if location.loan:
        rows = location.rows or ([location.row] if location.row else [])
        shown = ", ".join(map(str, rows[:6])) + (" …" if len(rows) > 6 else "")
        return f"{location.loan} · {word('rows_at', lang, rows=shown)}"
    if location.host:
        return f"#{location.request} {location.method} {location.host}{location.path or ''}"
    if location.start is not None:
        return f"{location.section or Path(location.file).name} @{location.start}"
    if location.table:
        return f"{location.table}.{location.column}" if location.column else location.table
    if location.path:
        return f"{location.path}:{location.line}" if location.line else location.path
    return location.sdk or location.entry or location.dex or location.url or Path(location.file).name


def _uri(path_text: str) -> str:
    path = Path(path_text)
    return path.as_uri() if path.is_absolute() else quote(PurePosixPath(*path.parts).as_posix())


def artifact_uri(location: Location, archive_entry: str | None = None) -> str:
    """The file a SARIF result points at: a database's URL as the report holds it (password hidden)
    with `#table.column`, a relative path as a relative URI, an absolute one as file://, the file
    inside a scanned folder; a policy read from inside an APK as `app.apk!/assets/policy.html`, the
    text its offsets count in."""
    if "://" in location.file:  # a database: its masked URL, then the table and column as the fragment
        place = ".".join(part for part in (location.table, location.column) if part)
        return f"{location.file}#{quote(place)}" if place else location.file
    inside_folder = location.path is not None and location.host is None
    uri = _uri(location.path if inside_folder and location.path else location.file)
    entry = location.entry or archive_entry
    if entry and location.start is not None:
        uri += f"!/{quote(entry)}"
    return uri
