"""protect/unprotect never lose data (issue #12): killed runs finish on rerun, output never lands on
the input, copies keep the source encoding."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
from pathlib import Path

import pytest
from tests.conftest import run_cli
from tests.fixtures import lending_data
from tests.fixtures.interrupt import run_killed_at_commit

from lendguard.protect import ProtectError, generate_keyring, load_keyring, protect_target, unprotect_target

ROWS = 400 * 25
COUNT_TOKENS = "SELECT count(*) FROM address_book WHERE contact_mobile LIKE 'lg1:%'"


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    path = tmp_path / "keys.json"
    generate_keyring(path)
    return path


def _dump(database: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(database) as connection:
        return connection.execute("SELECT * FROM address_book ORDER BY id").fetchall()


def _tokens(database: Path) -> int | None:
    try:
        with sqlite3.connect(database, timeout=0.2) as connection:
            return int(connection.execute(COUNT_TOKENS).fetchone()[0])
    except sqlite3.OperationalError:
        return None


@pytest.fixture(scope="module")
def protected(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path, Path]:
    """A 10,000-row address book, protected with a manifest; and the original."""
    folder = tmp_path_factory.mktemp("protected")
    key_file = folder / "keys.json"
    generate_keyring(key_file)
    original = folder / "original.db"
    lending_data.write_database(
        f"sqlite:///{original}", lending_data.lending_tables(seed=41, borrowers=400, contacts_per_borrower=25)
    )
    database, manifest = folder / "protected.db", folder / "manifest.json"
    shutil.copy(original, database)
    result = run_cli(
        "protect", f"sqlite:///{database}", "--key-file", str(key_file), "--table", "address_book",
        "--manifest", str(manifest),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert _tokens(database) == ROWS
    return original, database, manifest, key_file


@pytest.mark.parametrize("restored_at_least", [1, ROWS // 2, ROWS * 9 // 10])
def test_unprotect_killed_at_any_point_finishes_on_rerun(
    tmp_path: Path, protected: tuple[Path, Path, Path, Path], restored_at_least: int
) -> None:
    original, source, manifest, key_file = protected
    database = tmp_path / "restoring.db"
    shutil.copy(source, database)
    arguments = ["unprotect", f"sqlite:///{database}", "--key-file", str(key_file), "--table", "address_book"]
    killed = run_killed_at_commit([*arguments, "--batch", "50"], commit=-(-restored_at_least // 50) + 1)
    assert killed == -signal.SIGKILL, "the run ended before the kill"
    left = _tokens(database)
    assert left is not None and 0 < left < ROWS, "the run was not interrupted part-way"
    # The first 1,000 rows (the scan's sample) are plaintext again: the tokens' prefix must still be found.
    resumed = run_cli(*arguments, "--manifest", str(manifest))
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "✓" in resumed.stdout and "✗" not in resumed.stdout
    assert _tokens(database) == 0 and _dump(database) == _dump(original)


def test_unprotect_without_manifest_finds_tokens_beyond_the_sample(
    tmp_path: Path, protected: tuple[Path, Path, Path, Path]
) -> None:
    original, source, _manifest, key_file = protected
    database = tmp_path / "late.db"
    shutil.copy(source, database)
    ring = load_keyring(key_file)
    with sqlite3.connect(database) as connection:  # as a killed run leaves it: the first 9,000 rows restored
        rows = connection.execute("SELECT id, contact_mobile, contact_name FROM address_book ORDER BY id").fetchall()
        originals = {
            r[0]: r[1:]
            for r in sqlite3.connect(original).execute("SELECT id, contact_mobile, contact_name FROM address_book")
        }
        connection.executemany(
            "UPDATE address_book SET contact_mobile = ?, contact_name = ? WHERE id = ?",
            [(*originals[r[0]], r[0]) for r in rows[:9000]],
        )
    reports = unprotect_target(f"sqlite:///{database}", ring, tables=("address_book",))
    assert reports and all(r.verified for r in reports)
    assert _dump(database) == _dump(original)


def _csv(path: Path, encoding: str) -> bytes:
    path.write_bytes(
        "姓名,手机号,身份证号\n张三,13812345678,11010519491231002X\n李四,13987654321,110105194912310029\n".encode(
            encoding
        )
    )
    return path.read_bytes()


@pytest.mark.parametrize("policy", ["default", "mask-strict", "token"])
def test_output_onto_the_input_is_refused_by_name_symlink_and_hard_link(
    tmp_path: Path, key_file: Path, policy: str
) -> None:
    source = tmp_path / "data.csv"
    before = _csv(source, "utf-8")
    (tmp_path / "link.csv").symlink_to(source)
    os.link(source, tmp_path / "hard.csv")
    for output in (source, tmp_path / "link.csv", tmp_path / "hard.csv", tmp_path / "." / "data.csv"):
        result = run_cli(
            "protect", str(source), "--key-file", str(key_file), "--policy", policy, "--output", str(output)
        )
        assert result.returncode == 2 and "is the input file" in result.stderr and "Traceback" not in result.stderr
        assert source.read_bytes() == before
    ring, copy = load_keyring(key_file), tmp_path / "copy.csv"
    protect_target(str(source), ring, output=copy)
    (tmp_path / "copy-link.csv").symlink_to(copy)
    with pytest.raises(ProtectError, match="is the input file"):
        unprotect_target(str(copy), ring, output=tmp_path / "copy-link.csv")


@pytest.mark.parametrize("encoding", ["gbk", "utf-8", "utf-8-sig"])
def test_copies_keep_the_source_encoding_and_restore_exactly(tmp_path: Path, key_file: Path, encoding: str) -> None:
    source = tmp_path / "people.csv"
    original = _csv(source, encoding)
    ring = load_keyring(key_file)
    protected = tmp_path / "people.protected.csv"
    assert all(r.verified for r in protect_target(str(source), ring, output=protected))
    data = protected.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") == (encoding == "utf-8-sig")
    assert "姓名".encode(encoding.replace("-sig", "")) in data and b"13812345678" not in data
    restored = tmp_path / "people.restored.csv"
    assert all(r.verified for r in unprotect_target(str(protected), ring, output=restored))
    assert restored.read_bytes().replace(b'"', b"") == original
    assert not list(tmp_path.glob("*.partial"))
