"""The registry's commands as an operator runs them: db upgrade/downgrade, users add, add-platform,
verify-log, and one-line errors (exit 2) for bad input."""

from __future__ import annotations

import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from lendguard.protect import generate_keyring
from lendguard.registry.auth import Principal, Role
from lendguard.registry.complaints import categories
from lendguard.registry.db import make_engine, session_factory, transaction
from lendguard.registry.jobs import submit
from lendguard.registry.models import AuditJob, Platform
from lendguard.registry.signers import signing_public_key
from lendguard.reports.inspection import generate_signing_key
from lendguard.rulebase import RuleBase
from tests.fixtures.bundles import org_bundle
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
    assert "revision 0003" in lendguard(tmp_path, "db", "upgrade").stdout
    assert "revision 0002" in lendguard(tmp_path, "db", "downgrade").stdout
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


def test_signers_and_the_worker_process(tmp_path: Path) -> None:
    generate_keyring(tmp_path / "registry.key")
    lendguard(tmp_path, "registry", "add-platform", PLATFORM_A, "--uscc", USCC_A)
    key = tmp_path / "auditor.pem"
    generate_signing_key(key)
    added = lendguard(tmp_path, "registry", "signers", "add", "某事务所", str(key) + ".pub")
    assert added.returncode == 0 and signing_public_key(key) in added.stdout
    assert lendguard(tmp_path, "registry", "signers", "add", "again", str(key) + ".pub").returncode == 2
    junk = tmp_path / "junk.pub"
    junk.write_text("not a key", encoding="utf-8")
    bad = lendguard(tmp_path, "registry", "signers", "add", "x", str(junk))
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "neither PEM nor base64" in bad.stderr
    assert "某事务所" in lendguard(tmp_path, "registry", "signers", "list").stdout
    assert lendguard(tmp_path, "registry", "signers", "remove", "某事务所").returncode == 0
    assert "某事务所" not in lendguard(tmp_path, "registry", "signers", "list").stdout
    # a bundle queued through the library, audited by `lendguard registry worker --once` in its own process
    engine = make_engine(f"sqlite:///{tmp_path / 'registry.db'}")
    with transaction(session_factory(engine)) as session:
        platform = session.scalars(select(Platform)).one()
        job_id = submit(session, Principal("aud", Role.auditor), platform.id, org_bundle(PLATFORM_A), "b.zip").id
    worked = lendguard(tmp_path, "registry", "worker", "--once")
    assert worked.returncode == 0 and "1 job(s) audited" in worked.stdout, worked.stderr
    with transaction(session_factory(engine)) as session:
        job = session.get(AuditJob, job_id)
        assert job is not None and job.status == "done" and job.inspection_id is not None
    engine.dispose()
    assert "this registry" in lendguard(tmp_path, "registry", "signers", "list").stdout
    own = lendguard(tmp_path, "registry", "signers", "remove", "this registry")
    assert own.returncode == 2 and "own signing key" in own.stderr


def test_unreachable_database_is_one_line(tmp_path: Path) -> None:
    result = lendguard(tmp_path, "db", "upgrade", database="postgresql://nobody@127.0.0.1:1/none")
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "database error" in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_migrates_an_empty_database_and_answers(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        "PATH": "/usr/bin:/bin",
        "LENDGUARD_DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}",
        "LENDGUARD_REGISTRY_KEY_FILE": str(tmp_path / "registry.key"),
    }
    generate_keyring(tmp_path / "registry.key")
    server = subprocess.Popen(
        [sys.executable, "-m", "lendguard", "serve", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and server.poll() is None:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/", timeout=2)
                break
            except httpx.HTTPError:
                time.sleep(0.3)
        else:
            pytest.fail(f"serve did not answer: {server.stderr.read() if server.stderr else ''}")
        assert response.status_code == 200 and "投诉举报" in response.text
        assert response.headers["x-frame-options"] == "DENY" and "server" not in response.headers
    finally:
        server.terminate()
        server.wait(timeout=30)
    with sqlite3.connect(tmp_path / "fresh.db") as db:
        assert db.execute("SELECT version_num FROM alembic_version").fetchone() == ("0003",)
        (own,) = db.execute("SELECT public_key FROM trusted_signers WHERE name = 'this registry'").fetchone()
    # serve made the registry's signing key on its first local run, and trusts it
    assert signing_public_key(tmp_path / "lendguard-registry-signing.pem") == own


def test_complaint_categories_name_catalogue_rules(rulebase: RuleBase) -> None:
    named = [rule for category in categories().values() for rule in category.rules]
    assert named and set(named) <= set(rulebase.rules)
    assert categories()["contacts_harassed"].rules[:2] == ("COL-THIRD-PARTY", "COL-DISCLOSURE")
