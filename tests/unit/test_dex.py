"""The dex reference-table reader: class and member together, and refusals of broken files."""

from __future__ import annotations

import struct
import zipfile

import pytest
from tests.conftest import APK_FIXTURES

from lendguard.probes.dex import DexFormatError, read_dex_tables


@pytest.fixture(scope="module")
def a2dp_dex() -> bytes:
    with zipfile.ZipFile(APK_FIXTURES / "a2dp.Vol_137.apk") as archive:
        return archive.read("classes.dex")


def test_reads_referenced_fields_methods_and_classes(a2dp_dex: bytes) -> None:
    tables = read_dex_tables(a2dp_dex)
    assert "Landroid/provider/ContactsContract$PhoneLookup;->CONTENT_FILTER_URI" in tables.fields
    assert "Landroid/content/pm/PackageManager;->getInstalledApplications" in tables.methods
    assert "La2dp/Vol/service;" in tables.classes
    assert len(tables.methods) > 10_000


def test_bad_magic_is_refused() -> None:
    with pytest.raises(DexFormatError, match="magic"):
        read_dex_tables(b"PK\x03\x04" + b"\0" * 200)


def test_truncated_dex_is_refused(a2dp_dex: bytes) -> None:
    with pytest.raises(DexFormatError, match="past the end"):
        read_dex_tables(a2dp_dex[:5000])


def test_forged_index_is_refused(a2dp_dex: bytes) -> None:
    forged = bytearray(a2dp_dex)
    method_ids_off = struct.unpack_from("<I", forged, 0x5C)[0]
    struct.pack_into("<I", forged, method_ids_off + 4, 0xFFFFFF)  # name_idx of method 0 out of range
    with pytest.raises(DexFormatError, match="corrupt"):
        read_dex_tables(bytes(forged))
