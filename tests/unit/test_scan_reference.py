"""The batch paths of the PII engine find exactly what scanning one line or cell at a time finds."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from tests.fixtures.scan_reference import fuzz_lines, reference

from lendguard.detect import Scanner
from lendguard.detect.scanner import hyperscan_available

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
    if part == "files":  # counts per entity came with streaming: they must add up, the rest is unchanged
        for profile in now[part]["text_files"]:
            assert sum(profile.pop("entity_counts").values()) == profile["values_found"]
    if isinstance(golden[part], list) and golden[part] and isinstance(golden[part][0], list):
        missing = [m for m in golden[part] if m not in now[part]]
        extra = [m for m in now[part] if m not in golden[part]]
        assert not missing and not extra, (missing[:5], extra[:5])
    assert now[part] == golden[part]


@pytest.mark.skipif(not hyperscan_available(), reason="hyperscan is not installed")
def test_both_backends_agree_and_never_match_across_lines() -> None:
    lines = [*fuzz_lines(seed=41, count=1500), "借款人", "张三已还款", "姓名：", "李四"]
    text = "\n".join(lines)
    plain = [(n, m) for n, m in Scanner(backend="re").scan_lines(text)]
    fast = [(n, m) for n, m in Scanner(backend="hyperscan").scan_lines(text)]
    assert plain == fast
    # a cue on one line never names what stands on the next: those lines find what each finds alone
    alone = Scanner(backend="re")
    tail = [(n, m) for n, m in plain if n > 1500]
    assert tail == [(1501 + i, m) for i, line in enumerate(lines[1500:]) for m in alone.scan(line)]
    assert ("PERSON", "张三") not in [(m.entity, m.value) for _, m in tail]


@pytest.mark.parametrize("backend", ["re", "hyperscan"])
def test_flat_records_are_the_matches_of_scan_lines(backend: str) -> None:
    if backend == "hyperscan" and not hyperscan_available():
        pytest.skip("hyperscan is not installed")
    scanner = Scanner(backend=backend)  # type: ignore[arg-type]
    text = "\n".join(fuzz_lines(seed=43, count=800))
    records = scanner.scan_records(text)
    assert records, "the fuzz lines hold values"
    assert records == [(n, m.entity, m.start, m.end, m.score, m.value) for n, m in scanner.scan_lines(text)]
    assert records == sorted(records, key=lambda r: (r[0], r[2]))


def test_clashing_claims_on_a_line_keep_the_other_values_in_order() -> None:
    # From the labelled corpus: entities claim overlapping characters on this line (resolved by
    # priority), while the lines around it take the path without resolution.
    line = "借款人彭健，身份证号652327200109266685，手机13467904838，还款卡号6225 8868 4550 0220"
    found = [(n, m.entity, m.value) for n, m in Scanner().scan_lines(f"手机13812345678\n{line}\n邮箱 a@qq.com")]
    assert found == [
        (1, "CN_MOBILE", "13812345678"),
        (2, "PERSON", "彭健"),
        (2, "CN_RESIDENT_ID", "652327200109266685"),
        (2, "CN_MOBILE", "13467904838"),
        (2, "CN_BANK_CARD", "6225 8868 4550 0220"),
        (3, "EMAIL_ADDRESS", "a@qq.com"),
    ]


@pytest.mark.skipif(not hyperscan_available(), reason="hyperscan is not installed")
def test_bounded_and_plain_prefilters_find_the_same() -> None:
    from tests.fixtures.pii_corpus import corpus

    text = "\n".join([*fuzz_lines(seed=47, count=1500), *(line.text for line in corpus(seed=53, lines=500))])
    plain = Scanner(backend="hyperscan")
    bounded = Scanner(backend="hyperscan")
    bounded._bounded_database = bounded._compile_hyperscan(bounded=True)
    assert plain.scan_records(text) == bounded.scan_records(text)
    assert plain._bounded_database is not None, "a dense buffer switches to the bounded patterns"
    log = "\n".join(
        f"2026-11-29 10:00:{n % 60:02d} INFO GET /api/v2/loan?trace={n:016x} 200 {n % 900}ms" for n in range(5000)
    )
    sparse = Scanner(backend="hyperscan")
    assert sparse.scan_records(log + "\n借款人张三，手机13812345678") == [
        (5001, "PERSON", 3, 5, 0.7, "张三"),
        (5001, "CN_MOBILE", 8, 19, 1.0, "13812345678"),
    ]
    assert sparse._bounded_database is None, "a sparse log keeps the plain patterns"
