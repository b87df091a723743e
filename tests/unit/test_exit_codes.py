"""Exit codes CI relies on, across several targets and in batch (2 unreadable > 1 findings at or above
--fail-on > 0), outcomes in every table row, --fail-on-inconclusive, baselines, and `diff`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from tests.conftest import REPO, run_cli
from tests.fixtures import har

from lendguard.engine import run_inspection
from lendguard.reports.inspection import build_inspection
from lendguard.rulebase import RuleBase


@pytest.fixture(scope="module")
def captures(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("captures")
    (folder / "junk.har").write_bytes(b"\x00not a capture")
    return {
        "careful": har.write(folder / "careful.har", har.careful_app()),
        "harvesting": har.write(folder / "harvesting.har", har.harvesting_app()),
        "junk": folder / "junk.har",
    }


def test_inconclusive_rows_show_their_outcome_and_why(captures: dict[str, Path]) -> None:
    result = run_cli("traffic", str(captures["careful"]), "--lang", "en")
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    at = next(i for i, line in enumerate(lines) if "NET-THIRD-PARTY" in line)
    row = " ".join(lines[at : at + 2])  # the outcome sits under the severity, on the row's second line
    assert "inconclusive" in row and "no first-party domains given" in row, row
    strict = run_cli("traffic", str(captures["careful"]), "--fail-on-inconclusive")
    assert strict.returncode == 1
    assert (
        run_cli("traffic", str(captures["careful"]), "--fail-on-inconclusive", "--fail-on", "critical").returncode == 0
    )


def test_exit_codes_across_several_targets(captures: dict[str, Path]) -> None:
    careful, harvesting, junk = (str(captures[k]) for k in ("careful", "harvesting", "junk"))
    assert run_cli("traffic", careful, harvesting).returncode == 1
    assert run_cli("traffic", careful, harvesting, junk).returncode == 2  # unreadable beats findings
    assert run_cli("traffic", careful, junk, "--fail-on", "none").returncode == 2
    assert run_cli("traffic", careful, harvesting, "--fail-on", "none").returncode == 0


def test_exit_codes_of_batch(captures: dict[str, Path], tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(captures["careful"], folder)
    assert run_cli("batch", str(folder), "--output", str(tmp_path / "a"), "--jobs", "1").returncode == 0
    shutil.copy(captures["harvesting"], folder)
    assert run_cli("batch", str(folder), "--output", str(tmp_path / "b"), "--jobs", "1").returncode == 1
    shutil.copy(captures["junk"], folder)
    assert run_cli("batch", str(folder), "--output", str(tmp_path / "c"), "--jobs", "1").returncode == 2


@pytest.fixture
def governance(tmp_path: Path) -> Path:
    shutil.copy(REPO / "examples" / "governance.yaml", tmp_path)
    return tmp_path / "governance.yaml"


def test_a_baseline_counts_only_new_findings(governance: Path, tmp_path: Path) -> None:
    original = governance.read_text(encoding="utf-8")
    governance.write_text(original.replace("mlps_level: 2", "mlps_level: 3"), encoding="utf-8")
    before = run_cli("org", str(governance), "--format", "json")
    (tmp_path / "before.json").write_text(before.stdout, encoding="utf-8")
    governance.write_text(original, encoding="utf-8")  # ORG-MLPS fails again: a new finding
    now = run_cli("org", str(governance), "--format", "json")
    (tmp_path / "now.json").write_text(now.stdout, encoding="utf-8")
    assert run_cli("org", str(governance), "--fail-on", "medium").returncode == 1
    assert (
        run_cli("org", str(governance), "--fail-on", "medium", "--baseline", str(tmp_path / "now.json")).returncode == 0
    )
    assert (
        run_cli("org", str(governance), "--fail-on", "medium", "--baseline", str(tmp_path / "before.json")).returncode
        == 1
    )
    (tmp_path / "junk.json").write_text("[1, 2]", encoding="utf-8")
    bad = run_cli("org", str(governance), "--baseline", str(tmp_path / "junk.json"))
    assert bad.returncode == 2 and "baseline" in bad.stderr and bad.stderr.count("\n") == 1


def _inspection(folder: Path, rulebase: RuleBase, name: str) -> Path:
    manifest = folder / "inspection.yaml"
    manifest.write_text("platform: x\ntargets:\n  org: [governance.yaml]\n", encoding="utf-8")
    document = build_inspection(run_inspection(manifest, rulebase), rulebase, "zh")
    path = folder / f"{name}.json"
    path.write_text(json.dumps(document.model_dump(mode="json"), ensure_ascii=False), encoding="utf-8")
    return path


def test_diff_exits_1_on_new_findings_or_a_lower_grade(governance: Path, rulebase: RuleBase) -> None:
    folder = governance.parent
    original = governance.read_text(encoding="utf-8")
    governance.write_text(original.replace("mlps_level: 2", "mlps_level: 3"), encoding="utf-8")
    better = _inspection(folder, rulebase, "better")
    governance.write_text(original, encoding="utf-8")
    worse = _inspection(folder, rulebase, "worse")
    assert run_cli("diff", str(better), str(better)).returncode == 0
    assert run_cli("diff", str(worse), str(better)).returncode == 0  # fixed only
    result = run_cli("diff", str(better), str(worse), "--format", "json")
    assert result.returncode == 1 and [f["rule"] for f in json.loads(result.stdout)["new"]] == ["ORG-MLPS"]
