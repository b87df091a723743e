"""The streaming collection probe: the findings of today's fixtures are those of the probe that held
the whole log (a golden file written by it), whether the log comes time-ordered (days flushed as the
log moves past them) or shuffled (rows sorted on disk first); evidence stays bounded beyond the
example limit, and a rule whose attempts were not all itemised never passes silently."""

from __future__ import annotations

import csv
import gzip
import json
import os
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from bench.collection import generate
from tests.fixtures import collection_data

from lendguard.engine import TargetReport, audit_collection, evaluate
from lendguard.evidence import Attempt
from lendguard.probes import collection as collection_probe
from lendguard.probes import collection_days
from lendguard.probes.collection import probe_collection
from lendguard.probes.collection_days import Row
from lendguard.rulebase import RuleBase

GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "collection_findings.json.gz"
UPDATE = os.environ.get("LENDGUARD_UPDATE_GOLDEN") == "1"


def _shuffled(log: Path, folder: Path, seed: int) -> Path:
    with log.open(encoding="utf-8", newline="") as handle:
        header, *rows = list(csv.reader(handle))
    random.Random(seed).shuffle(rows)
    out = folder / f"shuffled_{seed}.csv"
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return out


def _time_ordered(log: Path, folder: Path) -> Path:
    with log.open(encoding="utf-8", newline="") as handle:
        header, *rows = list(csv.reader(handle))
    out = folder / "ordered.csv"
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(sorted(rows, key=lambda row: row[0]))
    return out


def _untimed(log: Path, folder: Path, every: int) -> Path:
    """The log with every `every`-th row's time unreadable."""
    with log.open(encoding="utf-8", newline="") as handle:
        header, *rows = list(csv.reader(handle))
    out = folder / f"untimed_{every}.csv"
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows([["明天下午", *row[1:]] if n % every == 0 else row for n, row in enumerate(rows)])
    return out


def _facts(report: TargetReport) -> list[dict[str, Any]]:
    """Everything a finding says but the temporary path it was found in (and the fingerprint over it)."""
    out = []
    for finding in report.findings:
        data = finding.model_dump(mode="json", exclude={"target", "fingerprint"})
        data["location"].pop("file", None)
        out.append(data)
    return out


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Path]]:
    folder = tmp_path_factory.mktemp("streaming")
    bad = collection_data.write(folder / "bad")
    clean = collection_data.write(folder / "clean", with_violations=False)
    other = collection_data.write(folder / "other", seed=29, loan_count=120)
    (folder / "dense").mkdir()
    dense = generate(folder / "dense", 12_000, loans=400)  # the benchmark's log: hundreds of findings
    return {
        "bad": bad,
        "clean": clean,
        "other": other,
        "bad_shuffled": (_shuffled(bad[0], folder, 3), bad[1]),
        "other_shuffled": (_shuffled(other[0], folder, 5), other[1]),
        "bad_untimed_shuffled": (_shuffled(_untimed(bad[0], folder, 97), folder, 11), bad[1]),
        "dense": dense,
        "dense_shuffled": (_shuffled(dense[0], folder, 7), dense[1]),
        "dense_ordered": (_time_ordered(dense[0], folder), dense[1]),
    }


def test_findings_are_those_of_the_whole_log_probe(logs: dict[str, tuple[Path, Path]], rulebase: RuleBase) -> None:
    found = {
        f"{name}/{lang}": _facts(audit_collection(str(log), str(loans), rulebase, lang=lang))
        for name, (log, loans) in logs.items()
        for lang in ("zh", "en")
    }
    if UPDATE:
        GOLDEN.write_bytes(gzip.compress(json.dumps(found, ensure_ascii=False, indent=1, sort_keys=True).encode()))
    assert GOLDEN.is_file(), f"{GOLDEN.name} is missing: create it with LENDGUARD_UPDATE_GOLDEN=1"
    expected = json.loads(gzip.decompress(GOLDEN.read_bytes()))
    assert sorted(found) == sorted(expected)
    for key, findings in found.items():
        assert any(f["outcome"] == "fail" for f in findings) == (not key.startswith("clean")), key
        assert findings == expected[key], key


@pytest.mark.parametrize("name", ["dense_ordered", "dense_shuffled"])
def test_beyond_the_limit_attempts_are_counted_and_no_rule_passes_silently(
    logs: dict[str, tuple[Path, Path]], rulebase: RuleBase, name: str
) -> None:
    log, loans = logs[name]
    whole = probe_collection(str(log), str(loans), rulebase)
    assert not whole.omitted and whole.busy_days_total == len(whole.busy_days)
    small = probe_collection(str(log), str(loans), rulebase, limit=10)
    assert small.totals == whole.totals and small.busy_days_total == whole.busy_days_total
    assert len(small.attempts) <= 10 * len(small.totals) and len(small.busy_days) <= 10
    for reason in ("third_party", "quiet_hours", "contact_reached", "other_party"):
        itemised = sum(reason_of(a, reason) for a in small.attempts)
        assert itemised >= 10 and small.omitted[reason] == small.totals[reason] - itemised > 0, reason
    findings, _ = evaluate(small, "log", rulebase, "en")
    beyond = {f.rule: f.outcome.value for f in findings if "beyond the first 10 itemised" in f.why}
    # each attempt to a third party, at night, to a contact the day the borrower answered is a breach
    # by itself; the words of the others were not read
    assert beyond == {
        "COL-THIRD-PARTY": "fail",
        "COL-HOURS": "fail",
        "COL-CONTACT-NOT-LOST": "fail",
        "COL-DISCLOSURE": "inconclusive",
        "COL-ABUSE": "inconclusive",
    }
    third = next(f for f in findings if f.rule == "COL-THIRD-PARTY" and "beyond" in f.why)
    assert third.why.startswith(f"{small.omitted['third_party']} more such attempts")


def reason_of(attempt: Attempt, reason: str) -> bool:
    return {
        "third_party": attempt.role == "third_party",
        "quiet_hours": attempt.quiet_hours,
        "contact_reached": attempt.role == "emergency_contact" and attempt.borrower_reached_that_day,
        "other_party": attempt.role != "borrower",
    }[reason]


def test_the_order_of_the_log_changes_no_count(logs: dict[str, tuple[Path, Path]], rulebase: RuleBase) -> None:
    ordered = probe_collection(str(logs["dense_ordered"][0]), str(logs["dense"][1]), rulebase)
    shuffled = probe_collection(str(logs["dense_shuffled"][0]), str(logs["dense"][1]), rulebase)
    assert ordered.totals == shuffled.totals and ordered.rows == shuffled.rows == 12_000
    assert len(ordered.busy_days) == len(shuffled.busy_days) and ordered.busy_days_total > 0
    assert sorted((a.loan, a.number, a.time) for a in ordered.attempts) == sorted(
        (a.loan, a.number, a.time) for a in shuffled.attempts
    )


def test_a_jsonl_log_with_long_rows_gives_the_findings_of_its_csv(
    logs: dict[str, tuple[Path, Path]], rulebase: RuleBase, tmp_path: Path
) -> None:
    """Rows of ~1 KB: the first read block holds fewer rows than the role sample, which spans blocks."""
    log, loans = logs["bad"]
    with log.open(encoding="utf-8", newline="") as handle:
        records = list(csv.DictReader(handle))
    padded = [{**r, "备注": "x" * 1000} for r in records]
    as_csv, as_jsonl = tmp_path / "log.csv", tmp_path / "log.jsonl"
    with as_csv.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(padded[0]))
        writer.writeheader()
        writer.writerows(padded)
    as_jsonl.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in padded), encoding="utf-8")
    expected = _facts(audit_collection(str(log), str(loans), rulebase))
    assert _facts(audit_collection(str(as_csv), str(loans), rulebase)) == expected
    assert _facts(audit_collection(str(as_jsonl), str(loans), rulebase)) == expected


def test_a_time_ordered_log_takes_one_pass_and_a_shuffled_one_is_sorted(
    logs: dict[str, tuple[Path, Path]], rulebase: RuleBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rows out of order within a day (the fixtures' minutes are drawn at random) keep one pass."""
    sorts: list[str] = []

    def spied(rows: Iterator[Row], zone: ZoneInfo) -> Iterator[Row]:
        sorts.append("sorted")
        return collection_days.sorted_rows(rows, zone)

    monkeypatch.setattr(collection_probe, "sorted_rows", spied)
    for name in ("bad", "dense_ordered"):
        probe_collection(str(logs[name][0]), str(logs[name][1]), rulebase)
    assert sorts == []
    probe_collection(str(logs["dense_shuffled"][0]), str(logs["dense_shuffled"][1]), rulebase)
    assert sorts == ["sorted"]
