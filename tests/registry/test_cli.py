"""The registry's commands as an operator runs them: db upgrade/downgrade, users add, add-platform,
verify-log, and one-line errors (exit 2) for bad input."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.registry.conftest import PLATFORM_A, USCC_A


def lendguard(tmp_path: Path, *args: str, database: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": "/usr/bin:/bin",
        "LENDGUARD_DATABASE_URL": database or f"sqlite:///{tmp_path / 'registry.db'}",
        "LENDGUARD_REGISTRY_KEY_FILE": str(tmp_path / "registry.key"),
    }
    return subprocess.run(
        [sys.executable, "-m", "lendguard", *args], capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path
    )


def test_operator_commands(tmp_path: Path) -> None:
    assert "revision 0002" in lendguard(tmp_path, "db", "upgrade").stdout
    assert "revision 0001" in lendguard(tmp_path, "db", "downgrade").stdout
    added = lendguard(tmp_path, "registry", "add-platform", PLATFORM_A, "--uscc", USCC_A, "--app", "com.kuaijie.loan")
    assert added.returncode == 0 and "platform 1" in added.stdout  # add-platform upgrades the database first
    user = lendguard(tmp_path, "users", "add", "kuaijie", "--role", "platform", "--platform", PLATFORM_A)
    token = user.stdout.split()[-1]
    assert user.returncode == 0 and token.startswith("lgr_")
    with sqlite3.connect(tmp_path / "registry.db") as db:
        (stored,) = db.execute("SELECT token_hash FROM users").fetchone()
    assert stored.startswith("$argon2") and token.split("_", 2)[2] not in stored
    orphan = lendguard(tmp_path, "users", "add", "x", "--role", "platform")
    assert orphan.returncode == 2 and orphan.stderr.count("\n") == 1 and "--platform" in orphan.stderr
    assert "intact: 1 entries" in lendguard(tmp_path, "registry", "verify-log").stdout
    with sqlite3.connect(tmp_path / "registry.db") as db:
        db.execute("UPDATE audit_log SET actor = 'someone else'")
    broken = lendguard(tmp_path, "registry", "verify-log")
    assert broken.returncode == 1 and "entry 1: content changed" in broken.stderr


def test_unreachable_database_is_one_line(tmp_path: Path) -> None:
    result = lendguard(tmp_path, "db", "upgrade", database="postgresql://nobody@127.0.0.1:1/none")
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "database error" in result.stderr
    assert "Traceback" not in result.stderr
