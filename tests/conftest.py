"""Shared fixtures: the shared/ test data, the rule base, and APKs built from smali with apktool."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from lendguard.engine import TargetReport, audit_apk
from lendguard.evidence import ApkEvidence
from lendguard.probes.apk import probe_apk
from lendguard.rulebase import RuleBase, load_rulebase

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
APK_FIXTURES = SHARED / "fixtures" / "apk"
SMALI_APPS = {
    "loanapp": REPO / "examples" / "loanapp",
    "cleanloan": REPO / "tests" / "fixtures" / "apps" / "cleanloan",
}


@pytest.fixture(scope="session")
def rulebase() -> RuleBase:
    return load_rulebase()


@pytest.fixture(scope="session")
def built_apks(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The smali apps assembled into real APKs by Debian's apktool (installed by `make test`)."""
    apktool = shutil.which("apktool")
    if apktool is None:
        pytest.fail("apktool is not installed: run `make test`, which installs it")
    out = tmp_path_factory.mktemp("apks")
    built = {}
    for name, source in SMALI_APPS.items():
        work = out / f"{name}-src"
        shutil.copytree(source, work, ignore=shutil.ignore_patterns("build"))
        target = out / f"{name}.apk"
        subprocess.run([apktool, "-q", "b", str(work), "-o", str(target)], check=True, capture_output=True)
        built[name] = target
    return built


@pytest.fixture(scope="session")
def apk_paths(built_apks: dict[str, Path]) -> dict[str, Path]:
    """Every APK a rule case may name: the built apps plus androguard's fixtures in shared/."""
    shared = {
        "a2dp": APK_FIXTURES / "a2dp.Vol_137.apk",
        "test-debug": APK_FIXTURES / "Test-debug.apk",
        "jamendo": APK_FIXTURES / "com.teleca.jamendo_35.apk",
    }
    return {**built_apks, **shared}


@pytest.fixture(scope="session")
def evidence_of(apk_paths: dict[str, Path], rulebase: RuleBase) -> dict[str, ApkEvidence]:
    return {name: probe_apk(path, rulebase) for name, path in apk_paths.items()}


@pytest.fixture(scope="session")
def reports(apk_paths: dict[str, Path], rulebase: RuleBase) -> dict[str, TargetReport]:
    return {name: audit_apk(path, rulebase) for name, path in apk_paths.items()}
