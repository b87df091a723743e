"""The C extension that collects hyperscan's matches (detect/_hsbulk.c): the same matches, in the
same order, as the `hyperscan` package's per-match callback; the same scan results."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from tests.fixtures.pii_corpus import corpus

from lendguard.detect import hyperscan_cache

_hsbulk = pytest.importorskip("lendguard.detect._hsbulk", reason="built only where libhyperscan-dev is installed")
hyperscan = pytest.importorskip("hyperscan")

TEXT = ("\n".join(line.text for line in corpus(seed=5, lines=400)) + "\n").encode("utf-8")
EXPRESSIONS = [rb"\d{6}(?:19|20)\d{9}[\dXx]", rb"1[3-9]\d{9}", "手机|电话".encode(), rb"[A-Za-z]+@[a-z]+\.com"]
FLAGS = [
    hyperscan_cache.FLAG_UTF8 | hyperscan_cache.FLAG_SOM_LEFTMOST,
    hyperscan_cache.FLAG_UTF8,
    hyperscan_cache.FLAG_UTF8 | hyperscan_cache.FLAG_CASELESS,
    hyperscan_cache.FLAG_UTF8 | hyperscan_cache.FLAG_SOM_LEFTMOST,
]


def _by_callback(data: bytes) -> list[tuple[int, int, int]]:
    database = hyperscan.Database()
    database.compile(expressions=EXPRESSIONS, ids=list(range(len(EXPRESSIONS))), elements=len(EXPRESSIONS), flags=FLAGS)
    found: list[tuple[int, int, int]] = []
    database.scan(data, match_event_handler=lambda i, s, e, *_: found.append((i, s, e)))
    return found


def _by_bulk(database: _hsbulk.Database, data: bytes) -> list[tuple[int, int, int]]:
    ids, starts, ends = database.scan(data)
    columns = (np.frombuffer(ids, np.uint32), np.frombuffer(starts, np.int64), np.frombuffer(ends, np.int64))
    return list(zip(*(column.tolist() for column in columns), strict=True))


def test_the_matches_and_their_order_are_the_callbacks() -> None:
    expected = _by_callback(TEXT)
    assert len(expected) > 300
    assert _by_bulk(_hsbulk.compile(EXPRESSIONS, FLAGS), TEXT) == expected


def test_a_serialised_database_scans_as_the_compiled_one() -> None:
    database = _hsbulk.compile(EXPRESSIONS, FLAGS)
    assert _by_bulk(_hsbulk.deserialize(database.serialize()), TEXT) == _by_bulk(database, TEXT)


def test_the_flags_are_libhs_own() -> None:
    assert (_hsbulk.HS_FLAG_UTF8, _hsbulk.HS_FLAG_CASELESS) == (hyperscan.HS_FLAG_UTF8, hyperscan.HS_FLAG_CASELESS)
    assert (hyperscan_cache.FLAG_UTF8, hyperscan_cache.FLAG_CASELESS) == (
        _hsbulk.HS_FLAG_UTF8,
        _hsbulk.HS_FLAG_CASELESS,
    )
    assert hyperscan_cache.FLAG_SOM_LEFTMOST == _hsbulk.HS_FLAG_SOM_LEFTMOST
    assert hyperscan_cache.FLAG_ALLOWEMPTY == _hsbulk.HS_FLAG_ALLOWEMPTY


def test_errors_name_the_problem() -> None:
    with pytest.raises(_hsbulk.Error) as raised:
        _hsbulk.compile([rb"\d+", rb"(?<=a)b"], [0, hyperscan_cache.FLAG_SOM_LEFTMOST])
    assert raised.value.args[1] == 1  # the expression that failed
    with pytest.raises(_hsbulk.Error):
        _hsbulk.deserialize(b"not a database")
    with pytest.raises(ValueError):
        _hsbulk.compile([rb"a"], [0, 0])
    with pytest.raises(TypeError):
        _hsbulk.compile(["a"], [0])  # type: ignore[list-item]


def test_an_empty_buffer_and_no_match_give_empty_arrays() -> None:
    database = _hsbulk.compile(EXPRESSIONS, FLAGS)
    assert database.scan(b"") == (b"", b"", b"")
    assert database.scan(b"nothing here") == (b"", b"", b"")


def test_threads_share_one_database_safely() -> None:
    database = _hsbulk.compile(EXPRESSIONS, FLAGS)
    expected = _by_bulk(database, TEXT)
    results: list[list[tuple[int, int, int]]] = []
    threads = [threading.Thread(target=lambda: results.append(_by_bulk(database, TEXT))) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [expected] * 4


def test_the_cache_splits_the_reports_per_pattern_in_report_order() -> None:
    database = hyperscan_cache._BulkDatabase(_hsbulk.compile(EXPRESSIONS, FLAGS))
    starts, ends = hyperscan_cache.split(database.flat(TEXT), len(EXPRESSIONS))
    expected = _by_callback(TEXT)
    for pattern in range(len(EXPRESSIONS)):
        mine = [(s, e) for i, s, e in expected if i == pattern]
        assert list(zip(starts[pattern].tolist(), ends[pattern].tolist(), strict=True)) == mine
