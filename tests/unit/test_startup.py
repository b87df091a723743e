"""Start-up: the CLI loads only what a command uses (heavy libraries load on first use)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from tests.conftest import APK_FIXTURES

HEAVY = ("sklearn", "androguard", "pyarrow", "weasyprint", "sqlalchemy", "scipy", "jieba")
# Runs the CLI in a fresh interpreter and writes the modules loaded by then to argv[1].
PROBE = """
import atexit, json, sys
out = sys.argv.pop(1)
atexit.register(lambda: open(out, "w").write(json.dumps(sorted(sys.modules))))
import lendguard.cli
if len(sys.argv) > 1:
    lendguard.cli.main()
"""


def _modules(tmp_path: Path, *args: str) -> set[str]:
    out = tmp_path / "modules.json"
    subprocess.run([sys.executable, "-c", PROBE, str(out), *args], capture_output=True, timeout=120, check=False)
    return set(json.loads(out.read_text()))


def _loaded(tmp_path: Path, *args: str) -> set[str]:
    """The top-level packages loaded."""
    return {name.split(".")[0] for name in _modules(tmp_path, *args)}


def test_importing_the_cli_loads_no_heavy_library(tmp_path: Path) -> None:
    loaded = _loaded(tmp_path)
    assert "lendguard" in loaded and "click" in loaded  # the probe did run the import
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


def test_version_loads_no_heavy_library(tmp_path: Path) -> None:
    # nor the engine, the rule base or what they stand on: the commands import those when they run
    assert not _loaded(tmp_path, "--version") & {*HEAVY, "numpy", "pydantic", "yaml"}


def test_the_clis_severity_choices_are_the_rule_bases() -> None:
    from lendguard import cli
    from lendguard.rulebase import Severity

    assert list(cli.SEVERITIES) == [severity.value for severity in Severity]


def test_a_status_filter_is_checked_against_the_outcomes(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_text("2026-11-29 10:00:07 INFO 放款成功\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "lendguard", "scan", str(log), "--status", "fail,passed"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 2 and "passed (choose from fail, pass, not_applicable, inconclusive)" in done.stderr


def test_scanning_a_log_loads_neither_the_apk_nor_the_policy_stack(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_text("2026-11-29 10:00:07 INFO 借款人手机 13812345678 放款成功\n", encoding="utf-8")
    loaded = _loaded(tmp_path, "scan", str(log), "--fail-on", "none")
    assert not loaded & {"androguard", "sklearn", "weasyprint", "jieba"}
    assert "stdnum" not in loaded  # the batch validators need no scalar check digit here


@pytest.mark.parametrize("name", ["Test-debug.apk"])
def test_auditing_an_apk_loads_androguard_but_not_the_data_stack(tmp_path: Path, name: str) -> None:
    apk = APK_FIXTURES / name
    modules = _modules(tmp_path, "apk", str(apk), "--fail-on", "none")
    loaded = {name.split(".")[0] for name in modules}
    assert "androguard" in loaded and "lendguard.probes.apk" in modules
    assert not loaded & {"pyarrow", "sqlalchemy", "sklearn", "weasyprint"}
    # nor the other kinds' probes, nor the writers of formats not asked for (the engine and the CLI
    # import those where they run)
    others = {"datastore", "policy", "traffic", "collection"}
    assert not modules & {f"lendguard.probes.{kind}" for kind in others}
    assert not modules & {"lendguard.reports.sarif", "lendguard.reports.findings_csv"}


def test_the_policy_router_loads_scikit_learn_on_first_use() -> None:
    code = (
        "import sys\nfrom lendguard.probes.policy import router\n"
        "assert 'sklearn' not in sys.modules\n"
        "print(router.router().topics(['我们会收集您的手机号码']))\n"
        "assert 'sklearn' in sys.modules\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr


def test_a_json_lines_scan_loads_neither_the_apk_probe_nor_the_grading(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_text("2026-11-29 10:00:07 INFO 借款人手机 13812345678 放款成功\n", encoding="utf-8")
    modules = _modules(tmp_path, "scan", str(log), "--format", "jsonl", "--fail-on", "none")
    assert "lendguard.engine" in modules  # the scan did run
    assert not modules & {"lendguard.probes.apk", "lendguard.grading", "multiprocessing"}  # no --jobs: no pool


def test_json_lines_of_a_text_scan_are_built_without_pandas(tmp_path: Path) -> None:
    # pyarrow builds them; its pa.array and pa.scalar would import pandas (a fifth of a second)
    log = tmp_path / "app.log"
    log.write_text(
        "2026-11-29 10:00:07 INFO 借款人张三 手机 13812345678 邮箱 zhang@example.cn\n" * 50, encoding="utf-8"
    )
    loaded = _loaded(tmp_path, "scan", str(log), "--format", "jsonl", "--fail-on", "none")
    assert "pyarrow" in loaded and "pandas" not in loaded


def test_a_json_lines_scan_loads_neither_rich_nor_pyyaml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # no table is printed, and the rule base's YAML comes parsed from the cache the first run filled
    monkeypatch.setenv("LENDGUARD_CACHE_DIR", str(tmp_path / "cache"))
    log = tmp_path / "app.log"
    log.write_text("2026-11-29 10:00:07 INFO 借款人张三 手机 13812345678\n", encoding="utf-8")
    command = ("scan", str(log), "--format", "jsonl", "--fail-on", "none")
    assert "yaml" in _loaded(tmp_path, *command)  # the first run parses the rule base
    loaded = _loaded(tmp_path, *command)
    assert "lendguard" in loaded and "pyarrow" in loaded  # the scan did run
    assert not loaded & {"rich", "yaml"}, sorted(loaded & {"rich", "yaml"})


# Runs the CLI in a fresh interpreter and writes, from an exit handler registered before it, how
# many objects were frozen at exit and the collector's threshold then.
HEAP_AT_EXIT = """
import atexit, gc, json, sys
out = sys.argv.pop(1)
atexit.register(lambda: open(out, "w").write(json.dumps([gc.get_freeze_count(), gc.get_threshold()[0]])))
import lendguard.cli
lendguard.cli.main()
"""


def test_an_apk_audit_leaves_its_heap_frozen_at_exit(tmp_path: Path) -> None:
    # the interpreter's shutdown collections then skip it; the collector's setting is restored
    out = tmp_path / "heap.json"
    apk = APK_FIXTURES / "Test-debug.apk"
    command = [sys.executable, "-c", HEAP_AT_EXIT, str(out), "apk", str(apk), "--fail-on", "none"]
    done = subprocess.run(command, capture_output=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    frozen, threshold = json.loads(out.read_text())
    assert frozen > 100_000 and threshold == 700


# Runs the CLI's entry point in a fresh interpreter and prints the pydantic plugin setting it ran with.
PLUGIN_SETTING = """
import atexit, os, sys
atexit.register(lambda: print(repr(os.environ.get("PYDANTIC_DISABLE_PLUGINS"))))
import lendguard.cli
lendguard.cli.main()
"""


@pytest.mark.parametrize(("given", "used"), [(None, "'__all__'"), ("logfire", "'logfire'"), ("", "''")])
def test_the_cli_looks_for_no_pydantic_plugins_unless_told(given: str | None, used: str) -> None:
    # looking for them reads every installed package's entry points; a user's own setting is kept
    env = {key: value for key, value in os.environ.items() if key != "PYDANTIC_DISABLE_PLUGINS"}
    if given is not None:
        env["PYDANTIC_DISABLE_PLUGINS"] = given
    done = subprocess.run(
        [sys.executable, "-c", PLUGIN_SETTING, "rules"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == used
