"""Protection: keys, operators, in-place database rewrites that lose nothing, file copies."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
from pathlib import Path

import pytest
from tests.conftest import REPO, run_cli
from tests.fixtures import lending_data
from tests.fixtures.interrupt import run_killed_at_commit

from lendguard.engine import audit_datastore
from lendguard.findings import Outcome
from lendguard.protect import (
    OPERATORS,
    KeyFileError,
    ProtectError,
    generate_keyring,
    load_keyring,
    protect_target,
    rotate_keyring,
    unprotect_target,
)
from lendguard.protect.operators import MASK_PRESETS, WrongKeyError, restore
from lendguard.protect.rewrite import check_manifest, write_manifest
from lendguard.rulebase import RuleBase, Severity


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    path = tmp_path / "keys.json"
    generate_keyring(path)
    return path


def _dump(database: Path) -> dict[str, list[tuple[object, ...]]]:
    with sqlite3.connect(database) as connection:
        names = [r[0] for r in connection.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
        return {n: connection.execute(f"SELECT * FROM {n} ORDER BY id").fetchall() for n in names}


@pytest.fixture
def platform_db(tmp_path: Path) -> Path:
    path = tmp_path / "platform.db"
    lending_data.write_database(f"sqlite:///{path}", lending_data.lending_tables(seed=31, borrowers=60))
    return path


# ------------------------------------------------------------------------------------------ keys
def test_key_file_is_private_and_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "k.json"
    generate_keyring(path)
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    with pytest.raises(KeyFileError, match="refusing to overwrite"):
        generate_keyring(path)


def test_rotation_keeps_old_keys_so_old_tokens_restore(key_file: Path) -> None:
    token = OPERATORS["siv"].protect("13812345678", load_keyring(key_file))
    new_id = rotate_keyring(key_file)
    ring = load_keyring(key_file)
    assert ring.active == new_id and len(ring.keys) == 2
    assert restore(token, ring) == "13812345678"
    assert OPERATORS["siv"].protect("13812345678", ring) != token  # new data uses the new key


def test_keys_from_the_environment(key_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LENDGUARD_KEYS", key_file.read_text(encoding="utf-8"))
    assert load_keyring(None).active == load_keyring(key_file).active
    monkeypatch.setenv("LENDGUARD_KEYS", "{not json")
    with pytest.raises(KeyFileError, match="not a LendGuard key file"):
        load_keyring(None)


# ------------------------------------------------------------------------------------------ operators
@pytest.mark.parametrize("name", ["siv", "sm4"])
def test_reversible_operators_are_deterministic_and_authenticated(name: str, key_file: Path, tmp_path: Path) -> None:
    ring, operator = load_keyring(key_file), OPERATORS[name]
    token = operator.protect("借款人张三 11010519491231002X", ring)
    assert token.startswith(f"lg1:{name}:{ring.active}:")
    assert operator.protect("借款人张三 11010519491231002X", ring) == token  # joins keep working
    assert restore(token, ring) == "借款人张三 11010519491231002X"
    other = tmp_path / "other.json"
    generate_keyring(other)
    forged = token.replace(ring.active, load_keyring(other).active)
    with pytest.raises(WrongKeyError):
        restore(forged, load_keyring(other))


def test_hmac_tokens_are_one_way(key_file: Path) -> None:
    ring = load_keyring(key_file)
    token = OPERATORS["h256"].protect("13812345678", ring)
    with pytest.raises(WrongKeyError, match="one-way"):
        restore(token, ring)
    assert OPERATORS["hsm3"].protect("13812345678", ring) != token


def test_mask_presets_name_their_rule() -> None:
    strict = MASK_PRESETS["mask-strict"]
    assert strict.apply("CN_RESIDENT_ID", "11010519491231002X") == "1****************X"
    assert strict.apply("CN_MOBILE", "13812345678") == "138******78"
    assert all(p.follows for p in MASK_PRESETS.values())


# ------------------------------------------------------------------------------------------ databases
def test_protect_in_place_then_scan_is_clean_and_unprotect_restores_exactly(
    platform_db: Path, key_file: Path, rulebase: RuleBase, tmp_path: Path
) -> None:
    before = _dump(platform_db)
    url = f"sqlite:///{platform_db}"
    ring = load_keyring(key_file)
    reports = protect_target(url, ring)
    assert reports and all(r.verified for r in reports)
    protected = {(r.table, r.column) for r in reports}
    assert {
        ("borrowers", "id_no"),
        ("borrowers", "mobile"),
        ("bank_cards", "card_no"),
        ("address_book", "contact_mobile"),
    } <= protected
    failing = [
        f
        for f in audit_datastore(url, rulebase).findings
        if f.outcome is Outcome.fail and f.rule.startswith("DATA-PLAINTEXT") and f.severity.rank >= Severity.medium.rank
    ]
    assert failing == []
    manifest = tmp_path / "manifest.json"
    write_manifest(manifest, url, ring, reports)
    again = protect_target(url, ring)  # a rerun protects nothing twice
    assert all(r.changed == 0 and r.already == r.rows - 0 for r in again if r.rows)
    restored = unprotect_target(url, ring)
    assert all(r.verified for r in restored)
    assert check_manifest(manifest, restored) == []
    assert _dump(platform_db) == before


def test_wrong_key_writes_nothing(platform_db: Path, key_file: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{platform_db}"
    protect_target(url, load_keyring(key_file), columns=("borrowers.mobile",))
    snapshot = _dump(platform_db)
    other = tmp_path / "other.json"
    generate_keyring(other)
    with pytest.raises(ProtectError, match="do not match this key file"):
        unprotect_target(url, load_keyring(other))
    with pytest.raises(ProtectError, match="do not match this key file"):
        protect_target(url, load_keyring(other), columns=("borrowers.mobile",))
    assert _dump(platform_db) == snapshot


def test_one_way_policies_are_refused_in_place(platform_db: Path, key_file: Path) -> None:
    with pytest.raises(ProtectError, match="one-way"):
        protect_target(f"sqlite:///{platform_db}", load_keyring(key_file), policy="token")


def test_killed_run_resumes_to_the_same_result(tmp_path: Path, key_file: Path) -> None:
    big = tmp_path / "big.db"
    lending_data.write_database(
        f"sqlite:///{big}", lending_data.lending_tables(seed=41, borrowers=400, contacts_per_borrower=25)
    )
    reference = tmp_path / "reference.db"
    shutil.copy(big, reference)
    command = ["protect", f"sqlite:///{big}", "--key-file", str(key_file), "--batch", "100", "--table", "address_book"]
    assert run_killed_at_commit(command, commit=30) == -signal.SIGKILL  # 29 batches of 100 rows landed
    with sqlite3.connect(big) as connection:
        done = connection.execute("SELECT count(*) FROM address_book WHERE contact_mobile LIKE 'lg1:%'").fetchone()[0]
    assert 0 < done < 400 * 25, "the run was not interrupted part-way"
    resumed = run_cli(*command)
    assert resumed.returncode == 0, resumed.stderr
    assert "✓" in resumed.stdout and "✗" not in resumed.stdout
    finished = run_cli("protect", f"sqlite:///{reference}", "--key-file", str(key_file), "--table", "address_book")
    assert finished.returncode == 0
    assert _dump(big) == _dump(reference)


# ------------------------------------------------------------------------------------------ files
def test_csv_copy_is_protected_and_restored_byte_for_value(tmp_path: Path, key_file: Path, rulebase: RuleBase) -> None:
    rows = lending_data.lending_tables(seed=51, borrowers=30)["borrowers"]
    source = tmp_path / "borrowers.csv"
    header = list(rows[0])
    source.write_text(
        ",".join(header) + "\n" + "\n".join(",".join(str(r[k]) for k in header) for r in rows) + "\n", encoding="utf-8"
    )
    ring = load_keyring(key_file)
    reports = protect_target(str(source), ring)
    copy = tmp_path / "borrowers.protected.csv"
    assert copy.exists() and all(r.verified for r in reports)
    findings = audit_datastore(str(copy), rulebase).findings
    assert not [f for f in findings if f.outcome is Outcome.fail and f.rule.startswith("DATA-PLAINTEXT")]
    restored = unprotect_target(str(copy), ring)
    assert all(r.verified for r in restored)
    import csv

    with (tmp_path / "borrowers.protected.restored.csv").open(encoding="utf-8") as handle:
        back = list(csv.DictReader(handle))
    assert [{k: str(v) for k, v in r.items()} for r in rows] == back


def test_mask_copy_for_display(tmp_path: Path, key_file: Path) -> None:
    source = tmp_path / "people.jsonl"
    source.write_text(
        json.dumps({"id": 1, "mobile": "13812345678", "id_no": "11010519491231002X"}) + "\n", encoding="utf-8"
    )
    protect_target(str(source), load_keyring(key_file), policy="mask-common", output=tmp_path / "display.jsonl")
    shown = json.loads((tmp_path / "display.jsonl").read_text(encoding="utf-8"))
    assert shown == {"id": 1, "mobile": "138****5678", "id_no": "110***********002X"}


def test_cli_errors_are_one_line(tmp_path: Path, key_file: Path) -> None:
    missing_key = run_cli("protect", "sqlite:///nowhere.db", "--key-file", str(tmp_path / "none.json"))
    assert (
        missing_key.returncode == 2 and missing_key.stderr.count("\n") == 1 and "no such key file" in missing_key.stderr
    )
    unreachable = run_cli("protect", "postgresql://u:pw@127.0.0.1:1/x", "--key-file", str(key_file))
    assert (
        unreachable.returncode == 2 and "pw@" not in unreachable.stderr and "Connection refused" in unreachable.stderr
    )
    assert REPO.exists()
    assert os.environ.get("LENDGUARD_KEYS") is None


def test_rekey_after_rotation_moves_every_token_to_the_new_key(platform_db: Path, key_file: Path) -> None:
    url = f"sqlite:///{platform_db}"
    before = _dump(platform_db)
    protect_target(url, load_keyring(key_file), columns=("borrowers.id_no",))
    new_id = rotate_keyring(key_file)
    ring = load_keyring(key_file)
    untouched = protect_target(url, ring, columns=("borrowers.id_no",))
    assert untouched[0].changed == 0
    rekeyed = protect_target(url, ring, columns=("borrowers.id_no",), rekey=True)
    assert rekeyed[0].changed == rekeyed[0].rows and rekeyed[0].verified
    with sqlite3.connect(platform_db) as connection:
        ids = {row[0].split(":")[2] for row in connection.execute("SELECT id_no FROM borrowers")}
    assert ids == {new_id}
    unprotect_target(url, ring)
    assert _dump(platform_db) == before
