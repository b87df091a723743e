"""Open an APK safely: one clear ProbeError for every way the file can be unusable.

androguard (through apkInspector) reads tampered archives the way Android does, so an app that
installs is still audited; this module adds the refusals an auditing tool needs on top: empty
files, directories, non-archives, archives without a readable manifest and zip bombs.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lendguard.probes.errors import ProbeError

if TYPE_CHECKING:  # androguard loads when an APK is opened, not with the CLI
    from androguard.core.apk import APK

MAX_TOTAL_UNCOMPRESSED = 4 * 1024**3
MAX_ENTRY_UNCOMPRESSED = 1024**3
BOMB_RATIO = 100
BOMB_MIN_SIZE = 100 * 1024**2
DEX_NAME = re.compile(r"^classes\d*\.dex$")
RESOURCE_ID = re.compile(r"^@([0-9A-Fa-f]{8})$")


class ApkArchive:
    """An opened, validated APK: androguard's view plus size-guarded entry reads."""

    def __init__(self, path: Path, apk: APK, raw: bytes) -> None:
        self.path = path
        self.apk = apk
        self.size = len(raw)
        self.sha256 = hashlib.sha256(raw).hexdigest()
        self._sizes = {name: entry.uncompressed_size for name, entry in apk.zip.infolist().items()}

    def names(self) -> list[str]:
        return list(self._sizes)

    def dex_names(self) -> list[str]:
        # classes.dex first, then classes2.dex, classes3.dex … (multidex).
        return sorted((n for n in self._sizes if DEX_NAME.match(n)), key=lambda n: (len(n), n))

    def read(self, name: str, limit: int = MAX_ENTRY_UNCOMPRESSED) -> bytes:
        if self._sizes.get(name, 0) > limit:
            raise ProbeError(
                self.path, f"entry {name} expands to {self._sizes[name]:,} bytes, over the {limit:,}-byte limit"
            )
        data: bytes = self.apk.get_file(name)
        return data[:limit]

    def resource_strings(self) -> Iterator[str]:
        """Every string of resources.arsc (URLs and texts the app shows), empty when there is none."""
        try:
            resources = self.apk.get_android_resources()
        except Exception:  # noqa: BLE001 - a broken resource table only loses this evidence
            return
        pool = getattr(resources, "stringpool_main", None)
        if pool is not None:
            yield from (str(s) for s in pool)

    def app_name(self) -> str | None:
        try:
            name = self.apk.get_app_name()
        except Exception:  # noqa: BLE001 - the label is cosmetic; a broken table must not stop the audit
            return None
        return str(name) if name else None

    def xml_resource(self, reference: str) -> tuple[str | None, Any]:
        """Resolve a manifest reference such as @7F150001 to (entry name, parsed XML element)."""
        match = RESOURCE_ID.match(reference)
        try:
            resources = self.apk.get_android_resources()
            if match is None or resources is None:
                return None, None
            configs = resources.get_resolved_res_configs(int(match.group(1), 16))
            entry = next((str(value) for _, value in configs if str(value).endswith(".xml")), None)
            if entry is None:
                return None, None
            from androguard.core.axml import AXMLPrinter

            return entry, AXMLPrinter(self.read(entry)).get_xml_obj()
        except ProbeError:
            raise
        except Exception:  # noqa: BLE001 - an unresolvable config is reported as unknown
            return None, None


def _check_sizes(path: Path, apk: APK) -> None:
    entries = apk.zip.infolist().values()
    total = sum(entry.uncompressed_size for entry in entries)
    if total > MAX_TOTAL_UNCOMPRESSED:
        raise ProbeError(path, f"archive expands to {total:,} bytes: refusing a likely zip bomb")
    for entry in entries:
        size, packed = entry.uncompressed_size, max(entry.compressed_size, 1)
        if size > MAX_ENTRY_UNCOMPRESSED or (size >= BOMB_MIN_SIZE and size / packed > BOMB_RATIO):
            raise ProbeError(
                path,
                f"entry {entry.filename} expands {size / packed:,.0f}x to {size:,} bytes: refusing a likely zip bomb",
            )


def open_apk(path: Path) -> ApkArchive:
    if path.is_dir():
        raise ProbeError(path, "is a directory, not an APK file")
    if not path.exists():
        raise ProbeError(path, "no such file")
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ProbeError(path, f"cannot be read ({error.strerror})") from error
    if not raw:
        raise ProbeError(path, "empty file (0 bytes), not an APK")
    from androguard.core.apk import APK
    from loguru import logger

    # androguard logs every parsing step at DEBUG through loguru; LendGuard reports problems itself.
    logger.disable("androguard")
    try:
        apk = APK(raw, raw=True, skip_analysis=True)
    except Exception as error:
        raise ProbeError(path, "not an APK: no readable ZIP central directory (truncated or not an archive)") from error
    _check_sizes(path, apk)
    if "AndroidManifest.xml" not in apk.zip.infolist():
        raise ProbeError(path, "not an APK: the archive has no AndroidManifest.xml")
    try:
        apk._apk_analysis()
    except Exception as error:
        raise ProbeError(
            path, f"AndroidManifest.xml cannot be parsed ({type(error).__name__}): tampered or not a binary manifest"
        ) from error
    if not apk.is_valid_APK() or not apk.get_package():
        raise ProbeError(path, "AndroidManifest.xml cannot be parsed: tampered or not a binary manifest")
    return ApkArchive(path, apk, raw)
