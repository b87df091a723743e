"""Fingerprints identify a finding across runs: same rule, same app, same place."""

from __future__ import annotations

import shutil
from pathlib import Path

from lendguard.engine import audit_apk
from lendguard.findings import Outcome
from lendguard.rulebase import RuleBase


def test_fingerprints_survive_a_renamed_file(built_apks: dict[str, Path], tmp_path: Path, rulebase: RuleBase) -> None:
    copy = tmp_path / "renamed-build.apk"
    shutil.copy(built_apks["loanapp"], copy)
    first = {f.fingerprint for f in audit_apk(built_apks["loanapp"], rulebase).findings if f.outcome is Outcome.fail}
    second = {f.fingerprint for f in audit_apk(copy, rulebase).findings if f.outcome is Outcome.fail}
    assert first == second and len(first) >= 10


def test_fingerprints_differ_between_places(built_apks: dict[str, Path], rulebase: RuleBase) -> None:
    failing = [f for f in audit_apk(built_apks["loanapp"], rulebase).findings if f.outcome is Outcome.fail]
    assert len({f.fingerprint for f in failing}) == len(failing)
