"""People affected: the checks that can count whom a failure concerns say so on the finding, and
the reports' summary lists the counts (largest of each kind first), in both languages."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.fixtures import collection_data, har, lending_data

from lendguard.engine import TargetReport, audit_collection, audit_datastore, audit_traffic
from lendguard.findings import Outcome
from lendguard.reports.document import build_document
from lendguard.reports.summary import also_text, people_affected, rule_results
from lendguard.rulebase import RuleBase


@pytest.fixture(scope="module")
def audited(tmp_path_factory: pytest.TempPathFactory, rulebase: RuleBase) -> dict[str, TargetReport]:
    folder = tmp_path_factory.mktemp("affected")
    url = f"sqlite:///{folder / 'lending.sqlite'}"
    lending_data.write_database(url, lending_data.lending_tables(borrowers=120, contacts_per_borrower=8))
    capture = har.write(folder / "kuaijie.har", har.harvesting_app(contacts=30))
    log, loans = collection_data.write(folder / "collection")
    return {
        "store": audit_datastore(url, rulebase),
        "traffic": audit_traffic(capture, rulebase, first_party=("kuaijie-loan.example.cn",)),
        "collection": audit_collection(str(log), str(loans), rulebase),
    }


def _failed(report: TargetReport, rule: str) -> list:  # type: ignore[type-arg]
    return [f for f in report.findings if f.rule == rule and f.outcome is Outcome.fail]


def test_an_uploaded_address_book_counts_the_other_people_in_it(audited: dict[str, TargetReport]) -> None:
    (upload,) = _failed(audited["traffic"], "NET-CONTACTS-UPLOAD")
    assert upload.affected is not None
    assert (upload.affected.kind, upload.affected.count, upload.affected.at_least) == ("contacts", 30, False)


def test_plaintext_ids_count_the_rows_holding_them(audited: dict[str, TargetReport]) -> None:
    ids = _failed(audited["store"], "DATA-PLAINTEXT-ID")
    borrowers = next(f for f in ids if f.location.table == "borrowers")
    assert borrowers.affected is not None and borrowers.affected.kind == "data_subjects"
    assert borrowers.affected.count == 120 and not borrowers.affected.at_least  # every row read, none sampled
    (address_books,) = (
        f for f in _failed(audited["store"], "DATA-CONTACTS-STORED") if f.location.table == "address_book"
    )
    assert address_books.affected is not None and address_books.affected.count == 120 * 8


def test_a_sampled_table_gives_a_lower_bound(tmp_path: Path, rulebase: RuleBase) -> None:
    from lendguard.probes.datastore import ScanOptions

    url = f"sqlite:///{tmp_path / 'big.sqlite'}"
    lending_data.write_database(url, lending_data.lending_tables(borrowers=300))
    report = audit_datastore(url, rulebase, options=ScanOptions(sample_rows=100))
    borrowers = next(f for f in _failed(report, "DATA-PLAINTEXT-ID") if f.location.table == "borrowers")
    assert borrowers.affected is not None and borrowers.affected.at_least and borrowers.affected.count <= 100


def test_collection_counts_distinct_numbers_not_calls(audited: dict[str, TargetReport]) -> None:
    for finding in _failed(audited["collection"], "COL-THIRD-PARTY"):
        assert finding.affected is not None and finding.affected.kind == "third_parties"
        assert finding.affected.count == 1  # one finding per number, however often it was called
    hours = _failed(audited["collection"], "COL-HOURS")
    assert hours and all(f.affected and f.affected.count <= len(f.location.rows or []) for f in hours)


def test_a_finding_without_a_count_leaves_it_out_of_the_json(audited: dict[str, TargetReport]) -> None:
    uncounted = next(f for f in audited["traffic"].findings if f.rule == "NET-DEVICE-ID")
    assert uncounted.affected is None and "affected" not in uncounted.model_dump(mode="json")


def test_the_summary_lists_each_kind_once_largest_first(audited: dict[str, TargetReport], rulebase: RuleBase) -> None:
    documents = [build_document(report, rulebase, "en") for report in audited.values()]
    listed = people_affected(rule_results(documents, rulebase))
    kinds = [kind.largest.kind for kind in listed]
    assert len(kinds) == len(set(kinds)) and {"contacts", "data_subjects", "third_parties"} <= set(kinds)
    assert [k.largest.count for k in listed] == sorted((k.largest.count for k in listed), reverse=True)
    contacts = next(k for k in listed if k.largest.kind == "contacts")
    # the stored address books and the uploaded one hold the same people: the larger count, not the sum
    assert [r.rule for r, _ in contacts.rules] == ["DATA-CONTACTS-STORED", "NET-CONTACTS-UPLOAD"]
    assert contacts.largest.text(rulebase, "en") == "960 address-book contacts"
    assert contacts.largest.text(rulebase, "zh") == "960名通讯录联系人"
    assert also_text(contacts, "en") == "; also NET-CONTACTS-UPLOAD (30)"
    assert also_text(contacts, "zh") == "；另见 NET-CONTACTS-UPLOAD (30)"


def test_the_findings_csv_carries_the_count(audited: dict[str, TargetReport], rulebase: RuleBase) -> None:
    import csv
    import io

    from lendguard.reports.findings_csv import findings_csv

    rows = list(csv.DictReader(io.StringIO(findings_csv([build_document(audited["traffic"], rulebase, "zh")]))))
    upload = next(r for r in rows if r["rule"] == "NET-CONTACTS-UPLOAD")
    assert (upload["affected_kind"], upload["affected_count"], upload["affected_at_least"]) == ("contacts", "30", "no")
    assert next(r for r in rows if r["rule"] == "NET-DEVICE-ID")["affected_count"] == ""
