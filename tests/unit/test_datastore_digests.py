"""A scanned text file is read once: its SHA-256 (the fingerprint's and the provenance's) is taken
from the chunks the scan reads, and equals hashlib's over the whole file, for one file, for every
file of a folder and for the folder's combined digest, whatever the chunk size or worker count."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import pytest
from tests.fixtures.pii_corpus import corpus

from lendguard.probes.datastore import ScanOptions, files, probe_datastore
from lendguard.probes.fingerprint import folder_files

TEXT = "\n".join(line.text for line in corpus(seed=61, lines=300)) + "\n"


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class _Counting:
    """A file handle that counts the bytes read through it."""

    def __init__(self, handle: Any, read: list[int]) -> None:
        self._handle, self._read = handle, read

    def read(self, size: int = -1) -> bytes:
        block: bytes = self._handle.read(size)
        self._read.append(len(block))
        return block

    def __getattr__(self, name: str) -> Any:
        return getattr(self._handle, name)

    def __enter__(self) -> _Counting:
        return self

    def __exit__(self, *exc: object) -> None:
        self._handle.close()


@pytest.mark.parametrize("chunk", [1000, 4096, 1 << 22])
def test_a_file_over_several_chunks_has_hashlibs_digest_and_is_read_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    path = tmp_path / "app.log"
    data = ("\ufeff" + TEXT * 12).encode()  # a BOM: hashed though not scanned
    path.write_bytes(data)
    monkeypatch.setattr(files, "TEXT_CHUNK", chunk)
    read: list[int] = []
    opened = Path.open

    def counting(self: Path, *args: Any, **kwargs: Any) -> Any:
        handle = opened(self, *args, **kwargs)
        return _Counting(handle, read) if self == path else handle

    def looked(fd: int, size: int, offset: int) -> bytes:
        block = pread(fd, size, offset)
        read.append(len(block))
        return block

    pread = os.pread
    monkeypatch.setattr(Path, "open", counting)
    monkeypatch.setattr(os, "pread", looked)
    evidence = probe_datastore(str(path))
    assert evidence.fingerprint is not None
    assert evidence.fingerprint.sha256 == evidence.provenance.sha256 == _sha(data)
    assert evidence.provenance.size == len(data) and evidence.text_files[0].values_found > 100
    assert len(data) > 10 * chunk or chunk == 1 << 22
    # the encoding's look at the head, then each chunk: a look for its last line break near its end,
    # where that is not found its last partial line read again with the next
    longest = max(len(line) + 1 for line in data.split(b"\n"))
    look = min(chunk // 4, files.LOOK)
    assert sum(read) <= 65536 + len(data) + (len(data) // chunk + 1) * (longest + look) < 2 * len(data)


def _folder(root: Path) -> dict[str, bytes]:
    good = TEXT.encode()
    contents = {
        "a.log": good * 2,
        "b/notes.txt": good[:5000].rsplit(b"\n", 1)[0],  # no final line break
        "b/people.csv": b"name,phone\n" + b"\n".join(b"row%d,1381234%04d" % (n, n) for n in range(300)) + b"\n",
        "c.bin": bytes(range(256)) * 40,  # skipped: not a table or text file type
        "d.txt": b"\0\1\2 binary" * 500,  # unreadable from its head
        "e.log": good + b"\xff\xfe broken\n" + good,  # unreadable part way through: the rest still hashed
        "empty.txt": b"",
    }
    for name, data in contents.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    return contents


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_folders_per_file_and_combined_digests_are_hashlibs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int
) -> None:
    from lendguard.probes.datastore import probe

    contents = _folder(tmp_path)
    monkeypatch.setattr(files, "TEXT_CHUNK", 2048)
    monkeypatch.setattr(probe, "PART_BYTES", 20_000)  # with workers, a.log is split into parts
    evidence = probe_datastore(str(tmp_path), ScanOptions(jobs=jobs))
    order = [str(path.relative_to(tmp_path)) for path in folder_files(tmp_path)]
    assert sorted(order) == sorted(contents)
    assert evidence.fingerprint is not None
    assert evidence.fingerprint.files == {name: _sha(contents[name]) for name in order}
    assert evidence.provenance.sha256 == _sha(b"".join(contents[name] for name in order))
    assert evidence.provenance.size == sum(map(len, contents.values()))
    warned = " ".join(evidence.warnings)
    assert "c.bin" in warned and "d.txt" in warned and "e.log" in warned
    assert {Path(text.path).name for text in evidence.text_files} == {"a.log", "notes.txt", "empty.txt"}
