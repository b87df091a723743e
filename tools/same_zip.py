"""Exit 0 when two zip files (APKs) hold the same entries with the same contents, 1 otherwise.

`make demo` rebuilds the example APK into build/ and copies it over the tracked one only when this
says the contents differ: apktool stamps every entry with the build time, so a byte comparison would
leave a fresh clone's work tree dirty after every demo.
"""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path


def entries(path: Path) -> dict[str, tuple[int, int]]:
    """Entry name -> (CRC-32, size) of the uncompressed contents."""
    with zipfile.ZipFile(path) as archive:
        return {info.filename: (info.CRC, info.file_size) for info in archive.infolist()}


def same(first: Path, second: Path) -> bool:
    try:
        return entries(first) == entries(second)
    except (OSError, zipfile.BadZipFile):
        return False


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: same_zip.py FIRST.zip SECOND.zip")
    sys.exit(0 if same(Path(sys.argv[1]), Path(sys.argv[2])) else 1)
