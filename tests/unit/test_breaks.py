"""Line breaks found in C (where the extension is built) are numpy's, for any buffer."""

from __future__ import annotations

import numpy as np
import pytest

from lendguard.detect import breaks


@pytest.mark.parametrize(
    "data",
    [b"", b"no break", b"\n", b"\n\n\n", b"a\nb\n", b"\nstarts and ends\n", "中文\n行\r\n".encode() * 5000],
)
def test_line_breaks_are_the_offsets_of_every_newline(data: bytes) -> None:
    expected = [index for index, byte in enumerate(data) if byte == 10]
    found = breaks.line_breaks(data)
    assert found.dtype == np.int64
    assert found.tolist() == expected


def test_the_c_and_numpy_paths_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("lendguard.detect._hsbulk", reason="built only where libhyperscan-dev is installed")
    data = bytes(np.random.default_rng(7).choice([10, 65, 0xE4], size=1 << 20).astype(np.uint8))
    native = breaks.line_breaks(data)
    monkeypatch.setattr(breaks, "_native", lambda: None)
    assert native.tolist() == breaks.line_breaks(data).tolist()
