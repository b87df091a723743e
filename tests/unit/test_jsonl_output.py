"""The JSON Lines of a text scan are built in bulk (the scanner's columns, masked and encoded with
pyarrow, one write per chunk), byte for byte what formatting each value on its own gives: the
evidence's ValueFound of every value (made one by one, masked by mask_value) through value_record."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from unittest import mock

import numpy as np
import orjson
import pytest
from click.testing import CliRunner
from tests.fixtures.pii_corpus import corpus
from tests.fixtures.streamed import fields

from lendguard.detect import Scanner, arrow, columns
from lendguard.detect.columns import Columns
from lendguard.probes.datastore import ScanOptions, files, probe, probe_datastore
from lendguard.reports.datastore import ESCAPED, escapes, value_lines, value_record

LINES = [line.text for line in corpus(seed=29, lines=1500)]


def _stdout(*args: str) -> bytes:
    """What `lendguard ARGS` writes to stdout, as bytes (in this process)."""
    from lendguard.cli import main

    with CliRunner().isolation() as (stdout, _, _), mock.patch.object(sys, "argv", ["lendguard", *args]):
        with pytest.raises(SystemExit):
            main()
        return stdout.getvalue()


@pytest.mark.parametrize(("show_values", "jobs"), [(False, 1), (True, 1), (False, 2)])
def test_streamed_json_lines_are_the_per_value_records(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, show_values: bool, jobs: int
) -> None:
    path = tmp_path / 'loans "2026" 借款.log'  # a path that JSON escapes
    path.write_text("\n".join(LINES) + "\n", encoding="utf-8")
    monkeypatch.setattr(files, "TEXT_CHUNK", 16384)  # many chunks
    monkeypatch.setattr(probe, "PART_BYTES", 60_000)  # and, with --jobs, several parts
    monkeypatch.setattr(probe, "VALUES_KEPT", 10**9)  # the evidence keeps every value
    evidence = probe_datastore(str(path), ScanOptions(show_values=show_values))
    expected = "".join(value_record(value) + "\n" for value in evidence.values).encode()
    shown = ["--show-values"] if show_values else []
    out = _stdout("scan", str(path), "--format", "jsonl", "--fail-on", "none", "--jobs", str(jobs), *shown)
    assert out == expected and len(evidence.values) > 2000


def test_values_and_paths_that_json_escapes_are_encoded_as_orjson_does() -> None:
    values = ['a"b', "back\\slash", "tab\tnew\nline\x00\x1f", "张三", "😀", "plain", "\x7f\u2028", ""]
    count = len(values)
    found = Columns(
        names=("PERSON", "CN_MOBILE"),
        lines=np.arange(1, count + 1) * 1000,
        kinds=np.arange(count) % 2,
        starts=np.arange(count),
        ends=np.arange(count) + 11,
        scores=np.array([0.7, 1.0, 0.95, 0.5, 0.7, 0.85, 1.0, 0.6]),
        values=arrow.strings(values),
    )
    path = 'd"ir\\中/x.log'
    assert found.values.to_pylist() == values
    expected = "".join(value_record(record) + "\n" for record in fields(path, found))
    assert bytes(value_lines(path, found)) == expected.encode()
    plain = replace(found, values=arrow.strings(["x"] * count))  # nothing to escape: the short way
    assert bytes(value_lines(path, plain)).count(b'"value":"x"}\n') == count


def test_the_escaped_bytes_are_the_characters_orjson_escapes() -> None:
    every = [chr(code) for code in range(0x110000) if not 0xD800 <= code <= 0xDFFF]
    escaped = {ord(c) for c in every if orjson.dumps(c) != b'"' + c.encode() + b'"'}
    assert escaped == ESCAPED
    every_byte = np.arange(256, dtype=np.uint8)
    assert set(every_byte[escapes(every_byte)].tolist()) == ESCAPED


@pytest.mark.parametrize("window", [columns.WINDOW, 7, 64])  # windows that cut characters
def test_values_cut_from_the_utf8_buffer_are_the_scanned_strings(monkeypatch: pytest.MonkeyPatch, window: int) -> None:
    monkeypatch.setattr(columns, "WINDOW", window)
    text = "\n".join(LINES[:300]) + "\n借款人😀张三，身份证３５０２０１１９８６０８１０２２０２\nplain 13812345678\n"
    spans = Scanner().scan_columns(text)
    assert len(spans) > 300
    assert spans.values().to_pylist() == spans.strings()
    # a buffer that is not the text's UTF-8, or overlapping values, are cut from the text instead
    assert replace(spans, data=b"\xef\xbb\xbf" + spans.data).values().to_pylist() == spans.strings()
    overlapping = replace(spans, to=spans.to + 5)
    assert overlapping.values().to_pylist() == overlapping.strings()
