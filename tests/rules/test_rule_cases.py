"""Every implemented rule fires on its true-positive fixture and stays silent on its true negative.

Each tests/rules/<RULE-ID>/case.yaml names the two fixture APKs (see conftest.apk_paths); a
rule-specific `expect` list pins members, permissions or quotes the failing findings must show.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from lendguard.engine import TargetReport
from lendguard.findings import Outcome

CASES = sorted(p.parent.name for p in Path(__file__).parent.glob("*/case.yaml"))


def _case(rule: str) -> dict[str, object]:
    return dict(yaml.safe_load((Path(__file__).parent / rule / "case.yaml").read_text(encoding="utf-8")))


@pytest.mark.parametrize("rule", CASES)
def test_rule_fires_on_true_positive(rule: str, reports: dict[str, TargetReport]) -> None:
    case = _case(rule)
    findings = [f for f in reports[str(case["positive"])].findings if f.rule == rule]
    failing = [f for f in findings if f.outcome is Outcome.fail]
    assert failing, f"{rule} did not fire on {case['positive']}: {findings}"
    shown = " ".join(f"{f.quote} {f.location.model_dump_json()}" for f in failing)
    for expected in case.get("expect", []) or []:  # type: ignore[attr-defined]
        assert expected in shown, f"{rule}: {expected!r} missing from {shown}"


@pytest.mark.parametrize("rule", CASES)
def test_rule_passes_on_true_negative(rule: str, reports: dict[str, TargetReport]) -> None:
    case = _case(rule)
    outcomes = {f.outcome for f in reports[str(case["negative"])].findings if f.rule == rule}
    assert outcomes == {Outcome.passed}, f"{rule} on {case['negative']}: {outcomes}"
