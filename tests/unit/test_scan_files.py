"""`lendguard scan` on files: CSV, JSONL, Parquet, text and logs; output formats; bad input."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from tests.conftest import run_cli as lendguard
from tests.fixtures import lending_data

from lendguard.probes import ProbeError
from lendguard.probes.datastore import ScanOptions, files, probe_datastore

ROWS = lending_data.lending_tables(seed=21, borrowers=40, contacts_per_borrower=6)


@pytest.fixture(scope="module")
def export_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("export")
    borrowers = ROWS["borrowers"]
    header = list(borrowers[0])
    lines = [",".join(header)] + [",".join(str(row[k]) for k in header) for row in borrowers]
    (folder / "borrowers.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    # An app's upload of the whole address book: one JSON document per borrower.
    book: dict[int, list[dict[str, str]]] = {}
    for entry in ROWS["address_book"]:
        book.setdefault(entry["borrower_id"], []).append(
            {"name": entry["contact_name"], "phone": entry["contact_mobile"]}
        )
    with (folder / "uploads.jsonl").open("w", encoding="utf-8") as handle:
        for borrower_id, contacts in book.items():
            handle.write(json.dumps({"user_id": borrower_id, "contacts": contacts}, ensure_ascii=False) + "\n")
    pq.write_table(pa.Table.from_pylist(ROWS["bank_cards"]), folder / "cards.parquet")
    lending_data.write_logs(folder / "logs", lines=60)
    (folder / "notes.txt").write_text("客服备注：借款人手机 13812345678 已确认\n无其他信息\n", encoding="gbk")
    return folder


def test_directory_of_exports(export_dir: Path) -> None:
    evidence = probe_datastore(str(export_dir))
    profiles = {(Path(t.name).name, c.name): c for t in evidence.tables for c in t.columns}
    assert profiles[("borrowers.csv", "id_no")].detail == "CN_RESIDENT_ID"
    assert profiles[("cards.parquet", "card_no")].detail == "CN_BANK_CARD"
    assert profiles[("uploads.jsonl", "contacts")].max_mobiles_in_value == 6
    notes = [v for v in evidence.values if v.path.endswith("notes.txt")]
    assert [(v.entity, v.line, v.value) for v in notes] == [("CN_MOBILE", 1, "138****5678")]  # GBK decoded, masked
    assert {f.path.split("/")[-1]: f.is_log for f in evidence.text_files} == {"app.log": True, "notes.txt": False}


def test_jsonl_gives_one_object_per_value_with_offsets(export_dir: Path) -> None:
    result = lendguard("scan", str(export_dir / "notes.txt"), "--format", "jsonl")
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert records == [
        {
            "entity": "CN_MOBILE",
            "path": str(export_dir / "notes.txt"),
            "line": 1,
            "start": 11,
            "end": 22,
            "score": 1.0,
            "value": "138****5678",
        }
    ]
    assert "13812345678" not in result.stdout


def test_show_values_reveals_raw_values_only_when_asked(export_dir: Path) -> None:
    masked = lendguard("scan", str(export_dir), "--format", "json").stdout
    raw = lendguard("scan", str(export_dir), "--format", "json", "--show-values").stdout
    some_id = ROWS["borrowers"][0]["id_no"]
    assert some_id not in masked and "13812345678" not in masked
    assert "13812345678" in raw


def test_table_output_never_shows_raw_values(export_dir: Path) -> None:
    out = lendguard("scan", str(export_dir)).stdout
    for row in ROWS["borrowers"][:10]:
        assert row["id_no"] not in out and row["mobile"] not in out
    assert "DATA-CONTACTS-STORED" in out and "DATA-LOGS-PII" in out


def test_sample_limits_rows(export_dir: Path) -> None:
    evidence = probe_datastore(str(export_dir / "borrowers.csv"), ScanOptions(sample_rows=10))
    assert evidence.tables[0].rows_scanned == 10 and not evidence.tables[0].full_scan


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "binary file"),
        (b"\xff\xfe\xff\xfe not text at all \xff\x80", "not UTF-8 or GB18030"),
    ],
)
def test_unreadable_text_is_one_line_exit_2(tmp_path: Path, content: bytes, problem: str) -> None:
    path = tmp_path / "data.txt"
    path.write_bytes(content)
    with pytest.raises(ProbeError, match=problem):
        probe_datastore(str(path))
    result = lendguard("scan", str(path))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"lendguard: error: {path}: ") and problem in lines[0]
    assert "Traceback" not in result.stderr


def test_broken_jsonl_and_missing_path(tmp_path: Path) -> None:
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"a": 1}\n{"a": \n', encoding="utf-8")
    with pytest.raises(ProbeError, match="unreadable JSONL"):
        probe_datastore(str(broken))
    with pytest.raises(ProbeError, match="no such file or directory"):
        probe_datastore(str(tmp_path / "missing"))


def test_unreachable_database_exits_2_with_masked_password() -> None:
    result = lendguard("scan", "postgresql://auditor:s3cret@127.0.0.1:1/loans")
    assert result.returncode == 2
    assert "s3cret" not in result.stderr + result.stdout
    assert result.stderr.startswith(
        "lendguard: error: postgresql+psycopg://auditor:***@127.0.0.1:1/loans"
    ) or result.stderr.startswith("lendguard: error: postgresql://auditor:***@127.0.0.1:1/loans")


def test_prose_names_by_default(tmp_path: Path) -> None:
    """A name in running text is found by default, and shown masked; --no-prose-names keeps to record
    shapes (and --prose-names, the old option, is accepted and changes nothing)."""
    path = tmp_path / "minutes.txt"
    path.write_text("催收会议纪要：王建国表示将于月底前还清欠款。\n", encoding="utf-8")
    default = lendguard("scan", str(path), "--format", "jsonl")
    records = [json.loads(line) for line in default.stdout.splitlines()]
    assert [(r["entity"], r["start"], r["end"]) for r in records] == [("PERSON", 7, 10)]
    assert "王建国" not in default.stdout
    assert lendguard("scan", str(path), "--format", "jsonl", "--prose-names").stdout == default.stdout
    plain = lendguard("scan", str(path), "--format", "jsonl", "--no-prose-names")
    assert plain.returncode == 0 and "PERSON" not in plain.stdout
    spark = lendguard("scan", str(path), "--no-prose-names", "--engine", "spark")
    assert spark.returncode == 2 and spark.stderr.count("\n") == 1 and "--no-prose-names" in spark.stderr


def test_jobs_read_table_files_in_workers_with_the_same_evidence(tmp_path: Path) -> None:
    import json

    import pyarrow as pa
    import pyarrow.parquet as pq
    from tests.fixtures import lending_data

    from lendguard.probes.datastore import ScanOptions, probe_datastore

    rows = lending_data.lending_tables(seed=45, borrowers=120)["borrowers"]
    folder = tmp_path / "tables"
    folder.mkdir()
    pq.write_table(pa.Table.from_pylist(rows), folder / "borrowers.parquet", row_group_size=25)  # 5 row groups
    (folder / "borrowers.jsonl").write_text(
        "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8"
    )
    (folder / "broken.csv").write_bytes(b"")  # unreadable: a warning, the same with workers
    for full in (True, False):
        results = [
            probe_datastore(str(folder), ScanOptions(full=full, sample_rows=70, jobs=jobs)).model_dump(
                exclude={"provenance": {"collected_at"}}
            )
            for jobs in (1, 3)
        ]
        assert results[0] == results[1]
        assert results[0]["warnings"] and all(t["rows_scanned"] == (120 if full else 70) for t in results[0]["tables"])


def test_parquet_read_holds_one_row_group_at_a_time(tmp_path: Path) -> None:
    """A Parquet file is read a row group at a time: Arrow holds about one of its twelve row
    groups, not the file (a pre-buffering reader kept every row group it had read, so memory grew
    with the file: 710 MiB for a 10 M-row table)."""
    rng = random.Random(5)
    values = pa.array([f"{rng.getrandbits(256):064x}" for _ in range(12 * 20_000)])  # incompressible
    path = tmp_path / "wide.parquet"
    pq.write_table(pa.table({"token": values}), path, row_group_size=20_000)
    del values
    before = pa.total_allocated_bytes()
    held = max(pa.total_allocated_bytes() - before for _ in files.table_batches(path, "parquet", None))
    size = path.stat().st_size
    assert held < size / 3, f"{held >> 20} MiB held while reading a {size >> 20} MiB file"
