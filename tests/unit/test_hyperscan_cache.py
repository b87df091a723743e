"""Compiled hyperscan databases kept on disk: loaded instead of compiled, never trusted blindly;
with either engine (the C extension or the `hyperscan` package), each keeping its own files."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.fixtures.pii_corpus import corpus

from lendguard import diskcache
from lendguard.detect import hyperscan_cache
from lendguard.detect.scanner import Scanner, hyperscan_available

pytestmark = pytest.mark.skipif(not hyperscan_available(), reason="hyperscan is an optional extra")
TEXT = "\n".join(line.text for line in corpus(seed=21, lines=300))


@pytest.fixture(autouse=True, params=["hsbulk", "python"])
def engine(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each test runs with each engine that is installed."""
    monkeypatch.setenv("LENDGUARD_HYPERSCAN", request.param)
    hyperscan_cache.engine.cache_clear()
    request.addfinalizer(hyperscan_cache.engine.cache_clear)
    if hyperscan_cache.engine() != request.param:
        pytest.skip(f"the {request.param} engine is not installed")
    return str(request.param)


def _stored(folder: Path) -> list[Path]:
    return sorted(folder.glob("hyperscan-*.db"))


def test_a_second_scanner_loads_the_database_instead_of_compiling_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LENDGUARD_CACHE_DIR", str(tmp_path))
    first = Scanner(backend="hyperscan").scan_records(TEXT)
    assert len(_stored(tmp_path)) >= 1

    def refused(*args: object) -> None:
        raise AssertionError("compiled although the database was on disk")

    monkeypatch.setattr(hyperscan_cache, "_compile", refused)
    assert Scanner(backend="hyperscan").scan_records(TEXT) == first
    assert first == Scanner(backend="re").scan_records(TEXT)


def test_a_damaged_or_foreign_file_is_compiled_again_and_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LENDGUARD_CACHE_DIR", str(tmp_path))
    expected = Scanner(backend="hyperscan").scan_records(TEXT)
    stored = _stored(tmp_path)
    good = {path: path.read_bytes() for path in stored}
    for damage in (lambda b: b[: len(b) // 2], lambda b: b[:40] + bytes([b[40] ^ 1]) + b[41:], lambda b: b"\0" * 64):
        for path, body in good.items():
            path.write_bytes(damage(body))
        assert Scanner(backend="hyperscan").scan_records(TEXT) == expected
        assert {path: path.read_bytes() for path in _stored(tmp_path)} == good  # written anew, whole


def test_a_folder_that_cannot_be_written_or_caching_off_still_scans(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder", encoding="utf-8")
    expected = Scanner(backend="re").scan_records(TEXT)
    for setting in (str(blocked / "cache"), "off"):
        monkeypatch.setenv("LENDGUARD_CACHE_DIR", setting)
        assert Scanner(backend="hyperscan").scan_records(TEXT) == expected
    assert diskcache.folder() is None
    assert blocked.read_text(encoding="utf-8") == "not a folder"


def test_a_database_another_user_owns_is_not_loaded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    monkeypatch.setenv("LENDGUARD_CACHE_DIR", str(tmp_path))
    expected = Scanner(backend="hyperscan").scan_records(TEXT)
    assert _stored(tmp_path)
    loaded: list[Path] = []
    real_read = Path.read_bytes

    def read(path: Path) -> bytes:
        loaded.append(path)
        return real_read(path)

    monkeypatch.setattr(Path, "read_bytes", read)
    stranger = tmp_path.stat().st_uid + 1
    monkeypatch.setattr(os, "getuid", lambda: stranger)
    assert Scanner(backend="hyperscan").scan_records(TEXT) == expected
    assert not [path for path in loaded if path.parent == tmp_path]  # compiled, never read


def test_one_engine_never_loads_the_other_engines_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LENDGUARD_CACHE_DIR", str(tmp_path))
    Scanner(backend="hyperscan")
    own = set(_stored(tmp_path))
    other = "python" if hyperscan_cache.engine() == "hsbulk" else "hsbulk"
    monkeypatch.setenv("LENDGUARD_HYPERSCAN", other)
    hyperscan_cache.engine.cache_clear()
    if hyperscan_cache.engine() != other:
        pytest.skip(f"the {other} engine is not installed")
    assert Scanner(backend="hyperscan").scan_records(TEXT) == Scanner(backend="re").scan_records(TEXT)
    assert own < set(_stored(tmp_path))  # stored under keys of its own


def test_flat_reports_hold_each_patterns_reports_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LENDGUARD_CACHE_DIR", str(tmp_path))
    expressions = [b"\\d{3}", b"1[3-9]\\d{9}", b"@", b"never-there"]
    database = hyperscan_cache.compiled(expressions, [hyperscan_cache.FLAG_SOM_LEFTMOST] * len(expressions))
    data = TEXT.encode("utf-8")
    import hyperscan  # the reference: the hyperscan package's callback, one list per pattern

    reference = hyperscan.Database()
    flags = [hyperscan_cache.FLAG_SOM_LEFTMOST] * len(expressions)
    reference.compile(
        expressions=expressions, ids=list(range(len(expressions))), elements=len(expressions), flags=flags
    )
    starts: list[list[int]] = [[] for _ in expressions]
    ends: list[list[int]] = [[] for _ in expressions]

    def on_match(pattern: int, start: int, end: int, *_: object) -> None:  # None: the scan goes on
        starts[pattern].append(start)
        ends[pattern].append(end)

    reference.scan(data, match_event_handler=on_match)
    ids, flat_starts, flat_ends = database.flat(data)
    assert len(ids) == sum(map(len, ends)) > 0
    for pattern in range(len(expressions)):
        mine = ids == pattern
        assert flat_starts[mine].tolist() == list(starts[pattern])
        assert flat_ends[mine].tolist() == list(ends[pattern])
    again_starts, again_ends = hyperscan_cache.split((ids, flat_starts, flat_ends), len(expressions))
    assert [list(one) for one in again_ends] == [list(one) for one in ends]
    assert [list(one) for one in again_starts] == [list(one) for one in starts]
