"""The batch paths of the PII engine find exactly what scanning one line or cell at a time finds."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from tests.fixtures.scan_reference import reference

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "scan_reference.json.gz"


@pytest.fixture(scope="module")
def now() -> dict[str, Any]:
    return reference()


@pytest.fixture(scope="module")
def golden() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(gzip.decompress(GOLDEN.read_bytes()))
    return data


@pytest.mark.parametrize("part", ["corpus", "fuzz", "columns", "masked", "database", "database_sampled", "files"])
def test_results_equal_the_reference(now: dict[str, Any], golden: dict[str, Any], part: str) -> None:
    assert golden[part], f"the golden file has no {part}"
    if isinstance(golden[part], list) and golden[part] and isinstance(golden[part][0], list):
        missing = [m for m in golden[part] if m not in now[part]]
        extra = [m for m in now[part] if m not in golden[part]]
        assert not missing and not extra, (missing[:5], extra[:5])
    assert now[part] == golden[part]
