"""dict.txt's index of runs by first character, kept on disk: answered as built, never stale."""

from __future__ import annotations

from pathlib import Path

import pytest

from lendguard.detect import names, word_runs

LINES = ["文件 9 n", "ab 3 x", "文 5 ng", "é 2 e", "é字 2 f", "文件 7 vn", "𠀀 1 z", "𠀀甲 1 nr", "z 1 y"]
DATA = "".join(f"{line}\n" for line in LINES).encode()
FIRSTS = [*"文aé𠀀zq"]


def _stored(folder: Path) -> list[Path]:
    return sorted(folder.glob("dict-runs-*.bin"))


def _answers(index: word_runs.RunIndex | None, data: bytes) -> list[object]:
    assert index is not None
    return [index.get(int.from_bytes(first.encode(), "big")) for first in FIRSTS]


def _refused(data: bytes) -> word_runs.Runs:
    raise AssertionError("indexed although the index was on disk")


def test_a_stored_index_answers_as_the_built_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LENDGUARD_CACHE_DIR", str(tmp_path))
    runs = names._runs_by_first(DATA)
    expected = [runs.get(int.from_bytes(first.encode(), "big"), ()) for first in FIRSTS]
    assert expected[-1] == () and len(expected[0]) == 3
    assert _answers(word_runs.run_index(DATA, names._runs_by_first), DATA) == expected
    assert len(_stored(tmp_path)) == 1
    assert _answers(word_runs.run_index(DATA, _refused), DATA) == expected


def test_a_changed_dictionary_is_indexed_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LENDGUARD_CACHE_DIR", str(tmp_path))
    word_runs.run_index(DATA, names._runs_by_first)
    changed = b"q 1 n\n" + DATA  # every run six bytes later, and one more
    index = word_runs.run_index(changed, names._runs_by_first)
    assert index is not None and index.get(ord("q")) == [(0, 6)]
    assert index.get(int.from_bytes("é".encode(), "big")) == [(6 + 27, 6 + 44)]
    assert len(_stored(tmp_path)) == 2


def test_a_damaged_index_is_made_again_and_replaced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LENDGUARD_CACHE_DIR", str(tmp_path))
    expected = _answers(word_runs.run_index(DATA, names._runs_by_first), DATA)
    [path] = _stored(tmp_path)
    good = path.read_bytes()
    for damage in (good[: len(good) // 2], good[:40] + bytes([good[40] ^ 1]) + good[41:], b"", b"\0" * 64):
        path.write_bytes(damage)
        assert _answers(word_runs.run_index(DATA, names._runs_by_first), DATA) == expected
        assert path.read_bytes() == good


def test_a_file_not_laid_out_as_dict_txt_is_not_indexed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LENDGUARD_CACHE_DIR", str(tmp_path))
    for data in (b"word 3\n", DATA[:-1], b"a b c d\n"):
        assert word_runs.run_index(data, names._runs_by_first) is None
    assert not _stored(tmp_path)


def test_without_a_cache_the_index_is_built_every_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LENDGUARD_CACHE_DIR", "off")
    first = _answers(word_runs.run_index(DATA, names._runs_by_first), DATA)
    assert first == _answers(word_runs.RunIndex.of(names._runs_by_first(DATA)), DATA)


def test_dict_txt_searched_through_the_stored_index_answers_as_its_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LENDGUARD_CACHE_DIR", str(tmp_path))
    data = names._dictionary_path().read_bytes()
    word_runs.run_index(data, names._runs_by_first)
    searched = names._FileWords(data, word_runs.run_index(data, _refused))
    table = names._dictionary()
    for word in ["AT&T", "龢", "B超", "文", "文件", "策文", "信息", "王小明", "", " ", "\ud800"]:
        assert (searched.get(word), word in searched) == (table.get(word), word in table), word


def test_a_line_without_exactly_two_spaces_is_not_laid_out() -> None:
    # as many spaces as two a line, but three on one line and one on another: not `word frequency tag`
    assert word_runs.laid_out(DATA)
    for bad in (b"a 1 x y\nb 2\n", b"a 1\nb 2 x y\n", b"a 1 x\n\nb 2 y  \n", b"a 1 x"):
        assert bad.count(b" ") == 2 * bad.count(b"\n") or not bad.endswith(b"\n")
        assert not word_runs.laid_out(bad), bad
