"""Text files are scanned in chunks: values across a chunk border are found once, with the line
numbers and offsets a whole-file scan gives; memory does not depend on the file's size."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.fixtures.pii_corpus import corpus
from tests.fixtures.streamed import fields

from lendguard.detect import Scanner
from lendguard.probes.datastore import ScanOptions, files, probe_datastore
from lendguard.probes.errors import ProbeError

LINES = [line.text for line in corpus(seed=53, lines=400)]


def _whole(text: str) -> list[tuple[int, str, int, int, str]]:
    return [(n, m.entity, m.start, m.end, m.value) for n, m in Scanner().scan_lines(text)]


def _streamed(path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int, max_line: int | None = None):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(files, "TEXT_CHUNK", chunk)
    if max_line is not None:
        monkeypatch.setattr(files, "MAX_LINE", max_line)
    streamed: list[dict[str, object]] = []
    evidence = probe_datastore(
        str(path), ScanOptions(show_values=True, on_values=lambda shown, c: streamed.extend(fields(shown, c)))
    )
    return evidence, [(v["line"], v["entity"], v["start"], v["end"], v["value"]) for v in streamed]


@pytest.mark.parametrize("chunk", [7, 64, 1000, 1 << 22])
def test_any_chunk_size_finds_what_the_whole_file_scan_finds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    text = "\n".join(LINES) + "\n"
    path = tmp_path / "app.log"
    path.write_text(text, encoding="utf-8")
    evidence, found = _streamed(path, monkeypatch, chunk)
    assert found == _whole(text) and len(found) > 300
    assert evidence.text_files[0].lines == len(LINES)
    assert evidence.text_files[0].values_found == len(found)
    assert [(v.line, v.entity, v.start, v.end, v.value) for v in evidence.values] == found


def test_a_value_across_a_border_is_found_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    prefix = "2026-11-29 10:00:07 INFO 借款人手机 "
    text = f"first line\n{prefix}13812345678 放款成功\nlast line\n"
    path = tmp_path / "app.log"
    path.write_text(text, encoding="utf-8")
    border = len(b"first line\n" + prefix.encode()) + 5  # inside the mobile number
    _, found = _streamed(path, monkeypatch, border)
    assert found == [(2, "CN_MOBILE", len(prefix), len(prefix) + 11, "13812345678")]


def test_a_cut_over_long_line_keeps_offsets_from_the_line_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = "x" * 50 + " 13812345678 " + "y" * 50 + " 13912345678\nnext 13712345678\n"
    path = tmp_path / "long.txt"
    path.write_text(text, encoding="utf-8")
    _, found = _streamed(path, monkeypatch, 16, max_line=40)
    assert found == _whole(text)


def test_gb18030_and_bom_files_stream(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = "\n".join(LINES[:60]) + "\n"
    for name, data in (("gbk.txt", text.encode("gb18030")), ("bom.txt", b"\xef\xbb\xbf" + text.encode())):
        path = tmp_path / name
        path.write_bytes(data)
        _, found = _streamed(path, monkeypatch, 97)
        assert found == _whole(text)


def test_invalid_bytes_late_in_a_file_name_their_offset(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "bad.log"
    good = ("2026-11-29 INFO ok\n" * 5000).encode()
    path.write_bytes(good + b"\xff\xfe\xfa broken\n")
    monkeypatch.setattr(files, "TEXT_CHUNK", 4096)
    with pytest.raises(ProbeError, match=f"at byte {len(good)}"):
        list(files.text_chunks(path))


def test_utf8_chunks_are_checked_when_read_and_decoded_when_asked(tmp_path: Path) -> None:
    path = tmp_path / "wide.log"
    text = "".join(f"{n} 𠀀借款人张三 13812345678 ｘ\n" for n in range(3000))  # 4-byte characters too
    path.write_text(text, encoding="utf-8")
    chunks = list(files.text_chunks(path, chunk_size=5000))
    assert len(chunks) > 10 and all(chunk.decoded is None for chunk in chunks)  # nothing decoded yet
    assert "".join(chunk.text for chunk in chunks) == text
    assert sum(chunk.newlines for chunk in chunks) == text.count("\n")
    for size in (1, 7, 100, 5000):
        first = next(files.text_chunks(path, chunk_size=5000))
        assert first.head(size) == first.text[:size]
    bad = tmp_path / "surrogate.log"
    good = text.encode()[: text.encode().index(b"\n", 9000) + 1]
    bad.write_bytes(good + b"\xed\xa0\x80\n")  # an encoded surrogate is not UTF-8
    with pytest.raises(ProbeError, match=f"at byte {len(good)}"):
        list(files.text_chunks(bad, chunk_size=5000))


def test_jobs_split_large_files_and_merge_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from lendguard.probes.datastore import probe

    folder = tmp_path / "logs"
    folder.mkdir()
    text = "\n".join(LINES * 5) + "\n"
    (folder / "a.log").write_text(text, encoding="utf-8")
    (folder / "b.log").write_text("\n".join(LINES[:50]), encoding="utf-8")  # no final line break
    monkeypatch.setattr(probe, "PART_BYTES", 20_000)
    assert len(probe.line_ranges(folder / "a.log", 2)) > 3
    results = []
    for jobs in (1, 2):
        found: list[dict[str, object]] = []
        evidence = probe_datastore(
            str(folder), ScanOptions(jobs=jobs, on_values=lambda shown, c, into=found: into.extend(fields(shown, c)))
        )
        results.append((evidence.model_dump(exclude={"provenance": {"collected_at"}}), found))
    assert results[0] == results[1]
    assert results[0][1][-1]["path"].endswith("b.log") and len(results[0][1]) > 1500


@pytest.mark.parametrize("chunk", [7, 100, 5000])
@pytest.mark.parametrize("pread", [True, False], ids=["pread", "no-pread"])
def test_a_ranges_chunks_are_its_whole_lines_and_its_bytes_are_seen_once(
    tmp_path: Path, chunk: int, pread: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not pread:  # as on Windows: each block is read and cut at its last line break
        monkeypatch.delattr(files.os, "pread")
    data = ("\n".join(LINES) + "\n").encode()
    path = tmp_path / "app.log"
    path.write_bytes(data)
    third = data.index(b"\n", len(data) // 3) + 1
    longest = max(len(line) + 1 for line in data.split(b"\n"))
    for start, end in ((0, None), (0, third), (third, None), (third, third)):
        seen: list[bytes] = []
        chunks = list(files.text_chunks(path, chunk, seen.append, start, end))
        assert b"".join(seen) == data[start:end]
        assert "".join(piece.text for piece in chunks) == data[start:end].decode()
        assert all(piece.text.endswith("\n") and piece.column == 0 for piece in chunks)
        assert all(len(piece) < chunk + longest for piece in seen)  # a block, or a longer line and a block's rest
