"""Shared fixtures: the shared/ test data, the rule base, and APKs built from smali with apktool."""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import pytest
from click.testing import CliRunner

from lendguard.engine import (
    TargetReport,
    audit_apk,
    audit_collection,
    audit_datastore,
    audit_org,
    audit_policy,
    audit_traffic,
)
from lendguard.evidence import ApkEvidence
from lendguard.probes.apk import probe_apk
from lendguard.rulebase import RuleBase, load_rulebase
from tests.fixtures import collection_data, har, lending_data

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
APK_FIXTURES = SHARED / "fixtures" / "apk"
POLICIES = REPO / "tests" / "fixtures" / "policies"
SMALI_APPS = {
    "loanapp": REPO / "examples" / "loanapp",
    "cleanloan": REPO / "tests" / "fixtures" / "apps" / "cleanloan",
}


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """`lendguard ARGS` in a fresh process, as a user or CI runs it (wide terminal, no tty)."""
    return subprocess.run(
        [sys.executable, "-m", "lendguard", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"},
    )


@dataclass(frozen=True)
class CliResult:
    returncode: int
    stdout: str
    stderr: str


def invoke_cli(*args: str, columns: int = 200) -> CliResult:
    """`lendguard ARGS` in this process through the real entry point (`main`), for tests that run it
    hundreds of times (fuzzing). An exception the CLI does not turn into an exit code propagates."""
    from lendguard.cli import main  # the whole CLI (registry included) only for the tests that use it

    with (
        CliRunner().isolation(env={"COLUMNS": str(columns)}) as (stdout, stderr, _),
        mock.patch.object(sys, "argv", ["lendguard", *args]),
    ):
        try:
            main()
            code = 0
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 0 if exit_.code is None else 2
        return CliResult(
            code, stdout.getvalue().decode("utf-8", "replace"), stderr.getvalue().decode("utf-8", "replace")
        )


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
def datastores(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Scan targets generated for the DATA-* rules: SQLite databases and log folders."""
    folder = tmp_path_factory.mktemp("stores")
    keyed = [
        {"id": i, "mobile": m, "mobile_hmac": lending_data.hmac_token(m)}
        for i, m in enumerate(lending_data.mobiles(seed=11, count=60), start=1)
    ]
    databases = {
        "lending_db": lending_data.lending_tables(),
        "clean_db": lending_data.protected_tables(),
        "keyed_db": {"users": keyed},
    }
    targets = {}
    for name, tables in databases.items():
        url = f"sqlite:///{folder / name}.sqlite"
        lending_data.write_database(url, tables)
        targets[name] = url
    targets["app_logs"] = str(lending_data.write_logs(folder / "app_logs").parent)
    targets["clean_logs"] = str(lending_data.write_logs(folder / "clean_logs", with_pii=False).parent)
    return targets


@pytest.fixture(scope="session")
def captures(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("har")
    return {
        "harvesting_har": har.write(folder / "kuaijie.har", har.harvesting_app()),
        "careful_har": har.write(folder / "anxin.har", har.careful_app()),
    }


@pytest.fixture(scope="session")
def collection_logs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Path]]:
    folder = tmp_path_factory.mktemp("collection")
    return {
        "bad_log": collection_data.write(folder / "bad"),
        "clean_log": collection_data.write(folder / "clean", with_violations=False),
    }


@pytest.fixture(scope="session")
def org_records(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("org")
    (folder / "bad.yaml").write_text(collection_data.ORG_BAD, encoding="utf-8")
    (folder / "good.yaml").write_text(collection_data.ORG_GOOD, encoding="utf-8")
    return {"org_bad": folder / "bad.yaml", "org_good": folder / "good.yaml"}


@pytest.fixture(scope="session")
def reports(
    apk_paths: dict[str, Path],
    datastores: dict[str, str],
    captures: dict[str, Path],
    collection_logs: dict[str, tuple[Path, Path]],
    org_records: dict[str, Path],
    rulebase: RuleBase,
) -> dict[str, TargetReport]:
    audited = {name: audit_apk(path, rulebase) for name, path in apk_paths.items()}
    audited.update({name: audit_datastore(target, rulebase) for name, target in datastores.items()})
    audited.update({path.stem: audit_policy(path, rulebase) for path in sorted(POLICIES.iterdir())})
    audited.update({f"{name}_policy": audit_policy(apk_paths[name], rulebase) for name in SMALI_APPS})
    audited["harvesting_har"] = audit_traffic(
        captures["harvesting_har"], rulebase, first_party=("kuaijie-loan.example.cn",)
    )
    audited["careful_har"] = audit_traffic(captures["careful_har"], rulebase, first_party=("anxin.example.cn",))
    audited.update(
        {name: audit_collection(str(log), str(loans), rulebase) for name, (log, loans) in collection_logs.items()}
    )
    audited.update({name: audit_org(path, rulebase) for name, path in org_records.items()})
    return audited


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the accuracy figures tests recorded: PII engine per entity, policy topic router."""
    rows = [
        (name, value)
        for report in terminalreporter.stats.get("passed", []) + terminalreporter.stats.get("failed", [])
        for name, value in getattr(report, "user_properties", [])
        if name.startswith("pii:")
    ]
    if rows:
        terminalreporter.section(
            "Detection accuracy (PII engine on the labelled corpus, policy topic router on CAPP-130)"
        )
        for name, value in sorted(rows):
            terminalreporter.write_line(f"{name[4:]:16} {value}")
