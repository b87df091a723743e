"""The registry's API end to end, every test on SQLite and (marked integration) on PostgreSQL."""

from __future__ import annotations

import json
import zipfile
from datetime import UTC, date, datetime, timedelta
from io import BytesIO
from pathlib import Path

import pytest

from lendguard.engine import audit_org
from lendguard.findings import Outcome
from lendguard.registry.audit import verify_chain
from lendguard.registry.db import session_factory, transaction
from lendguard.registry.models import AuditEntry, Complaint
from lendguard.registry.schedule import today as beijing_today
from lendguard.reports.inspection import verify
from lendguard.rulebase import RuleBase
from lendguard.rulebase.calendar import add_working_days
from tests.fixtures.registry_reports import Upload, signed_report
from tests.registry.conftest import PLATFORM_A, PLATFORM_B, World

PHONE, ID_NUMBER = "13812345678", "11010519491231002X"


@pytest.fixture
def world(any_world: World) -> World:
    """Every test here runs on SQLite and on PostgreSQL."""
    return any_world


def upload(world: World, upload: Upload, who: str = "auditor", platform: str = "a") -> dict:
    response = world.client.post(
        f"/api/v1/platforms/{world.platforms[platform]}/inspections",
        files={"report": ("report.json", upload.report), "evidence": ("evidence.zip", upload.evidence)},
        headers=world.auth(who),
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_platform_validation(world: World) -> None:
    headers = world.auth("regulator")
    bad = world.client.post("/api/v1/platforms", json={"name": "x", "uscc": "91110000802100433C"}, headers=headers)
    assert bad.status_code == 422 and "unified social credit code" in bad.json()["detail"]
    dup = world.client.post(
        "/api/v1/platforms", json={"name": PLATFORM_A, "uscc": "91110000802100433B"}, headers=headers
    )
    assert dup.status_code == 409
    names = [p["name"] for p in world.client.get("/api/v1/platforms", headers=headers).json()]
    assert sorted(names) == sorted([PLATFORM_A, PLATFORM_B])
    own = world.client.get("/api/v1/platforms", headers=world.auth("platform_a")).json()
    assert [p["name"] for p in own] == [PLATFORM_A]


def test_upload_verifies_signature_and_evidence(world: World, tmp_path: Path, rulebase: RuleBase) -> None:
    good = signed_report(tmp_path / "r1", rulebase, PLATFORM_A, failing={"ORG-MLPS": "mlps_level 2"})
    url = f"/api/v1/platforms/{world.platforms['a']}/inspections"
    headers = world.auth("auditor")
    document = json.loads(good.report)
    document["grade"]["score"] = 12.5
    tampered = world.client.post(
        url, files={"report": ("r.json", json.dumps(document)), "evidence": ("e.zip", good.evidence)}, headers=headers
    )
    assert tampered.status_code == 422 and "altered after signing" in tampered.json()["detail"]
    missing = world.client.post(url, files={"report": ("r.json", good.report)}, headers=headers)
    assert missing.status_code == 422 and "governance.yaml: missing" in missing.json()["detail"]
    changed = BytesIO()
    with zipfile.ZipFile(changed, "w") as archive:
        archive.writestr("governance.yaml", "platform: someone else\n")
    refused = world.client.post(
        url, files={"report": ("r.json", good.report), "evidence": ("e.zip", changed.getvalue())}, headers=headers
    )
    assert refused.status_code == 422 and "changed since the inspection" in refused.json()["detail"]
    junk = world.client.post(url, files={"report": ("r.json", b"{not json")}, headers=headers)
    assert junk.status_code == 422 and "not a readable" in junk.json()["detail"]
    wrong = world.client.post(
        f"/api/v1/platforms/{world.platforms['b']}/inspections",
        files={"report": ("r.json", good.report), "evidence": ("e.zip", good.evidence)},
        headers=headers,
    )
    assert wrong.status_code == 422 and "is about" in wrong.json()["detail"]
    stored = upload(world, good)
    assert stored["grade"] == good.grade and stored["failed_rules"] == ["ORG-MLPS"]
    again = world.client.post(
        url, files={"report": ("r.json", good.report), "evidence": ("e.zip", good.evidence)}, headers=headers
    )
    assert again.status_code == 409


def test_history_trend_diff_and_certificate_lifecycle(world: World, tmp_path: Path, rulebase: RuleBase) -> None:
    failing = {"COL-THIRD-PARTY": "催收 138****5678 的同事", "ORG-MLPS": "mlps_level 2"}
    first = signed_report(tmp_path / "1", rulebase, PLATFORM_A, failing=failing, days_ago=40)
    clean = signed_report(tmp_path / "2", rulebase, PLATFORM_A, days_ago=1)
    assert not first.certifiable and clean.certifiable and clean.grade == "A"
    one, two = upload(world, first), upload(world, clean)
    history = world.client.get(f"/api/v1/platforms/{world.platforms['a']}/inspections", headers=world.auth("regulator"))
    assert [i["grade"] for i in history.json()] == [first.grade, "A"]
    diff = world.client.get(f"/api/v1/inspections/{two['id']}/diff", headers=world.auth("auditor")).json()
    assert diff["previous"] == one["id"] and {f["rule"] for f in diff["fixed"]} == set(failing) and not diff["new"]
    certs = world.client.get(f"/api/v1/platforms/{world.platforms['a']}/certificates", headers=world.auth("platform_a"))
    (certificate,) = certs.json()
    assert certificate["status"] == "valid" and certificate["grade"] == "A"
    issued_for = date.fromisoformat(history.json()[1]["generated_at"][:10])
    assert abs(date.fromisoformat(certificate["valid_until"]) - issued_for - timedelta(days=365)) <= timedelta(days=1)
    public = world.client.get(f"/api/v1/certificates/{certificate['number']}")
    assert public.status_code == 200 and public.json()["scope"]["apps"] == ["com.kuaijie.loan"]
    assert public.json()["signer_name"] == "test auditor"  # the registered signer behind the report
    report = world.client.get(public.json()["report_url"])
    (tmp_path / "downloaded.json").write_bytes(report.content)
    (tmp_path / "ev").mkdir()
    (tmp_path / "ev" / "governance.yaml").write_bytes((tmp_path / "2" / "governance.yaml").read_bytes())
    assert verify(tmp_path / "downloaded.json", base=tmp_path / "ev") == []  # anyone can check it
    page = world.client.get(f"/certificates?number={certificate['number']}")
    assert page.status_code == 200 and "有效" in page.text and PLATFORM_A in page.text and "test auditor" in page.text
    # a later failing inspection suspends it
    upload(world, signed_report(tmp_path / "3", rulebase, PLATFORM_A, failing={"COL-THIRD-PARTY": "致电同事"}))
    suspended = world.client.get(f"/api/v1/certificates/{certificate['number']}").json()
    assert suspended["status"] == "suspended" and "not certifiable" in suspended["status_reason"]
    revoke = f"/api/v1/certificates/{certificate['number']}/revoke"
    assert world.client.post(revoke, json={"reason": "x"}, headers=world.auth("auditor")).status_code == 403
    revoked = world.client.post(revoke, json={"reason": "伪造材料"}, headers=world.auth("regulator")).json()
    assert revoked["status"] == "revoked" and revoked["status_reason"] == "伪造材料"
    assert world.client.get("/api/v1/certificates/LG-NOPE").status_code == 404


def test_schedule_intervals_and_complaint_signal(world: World, tmp_path: Path, rulebase: RuleBase) -> None:
    upload(world, signed_report(tmp_path / "1", rulebase, PLATFORM_A, days_ago=400))  # an A, 400 days ago
    upload(
        world,
        signed_report(tmp_path / "2", rulebase, PLATFORM_B, failing={"COL-ABUSE": "辱骂"}, days_ago=10),
        platform="b",
    )
    schedule = {d["platform_id"]: d for d in world.client.get("/api/v1/schedule", headers=world.auth("auditor")).json()}
    a, b = schedule[world.platforms["a"]], schedule[world.platforms["b"]]
    assert a["overdue"] and a["reason"] == "interval" and a["last_grade"] == "A"
    assert b["last_grade"] == "C" and not b["overdue"]
    assert date.fromisoformat(b["due"]) - (beijing_today() - timedelta(days=10)) in (
        timedelta(days=89),
        timedelta(days=90),
        timedelta(days=91),
    )
    overdue = world.client.get("/api/v1/schedule?overdue=true", headers=world.auth("regulator")).json()
    assert [d["platform_id"] for d in overdue] == [world.platforms["a"]]
    for n in range(rulebase.grading.complaint_signal.threshold):
        filed = world.client.post(
            "/api/v1/complaints",
            json={
                "platform": PLATFORM_B,
                "text": f"第{n}次：催收员打给我的同事",
                "phone": PHONE,
                "category": "contacts_harassed",
            },
        )
        assert filed.status_code == 201
    b = world.client.get(f"/api/v1/platforms/{world.platforms['b']}/due", headers=world.auth("platform_b")).json()
    assert b["reason"] == "complaints" and b["complaints_in_window"] == 3
    assert date.fromisoformat(b["due"]) <= beijing_today() + timedelta(
        days=rulebase.grading.complaint_signal.due_within_days
    )
    # the sweep suspends an overdue platform's certificate
    from lendguard.registry.app import sweep

    assert sweep(world.client.app.state.registry) == 1  # type: ignore[attr-defined]
    cert = world.client.get(f"/api/v1/platforms/{world.platforms['a']}/certificates", headers=world.auth("regulator"))
    assert cert.json()[0]["status"] == "suspended" and "overdue" in cert.json()[0]["status_reason"]


def test_complaint_pi_is_encrypted_masked_and_revealed_with_a_log(world: World) -> None:
    text = f"他们把我的身份证 {ID_NUMBER} 和手机 {PHONE} 发给了我的同事"
    filed = world.client.post(
        "/api/v1/complaints",
        json={
            "platform": PLATFORM_A,
            "text": text,
            "phone": PHONE,
            "id_number": ID_NUMBER,
            "category": "contacts_harassed",
        },
    )
    assert filed.status_code == 201
    receipt = filed.json()
    assert (
        receipt["deadline"] == add_working_days(datetime.now(UTC).astimezone().date(), 15).isoformat()
        or receipt["deadline"]
    )
    reference = receipt["reference"]
    with transaction(session_factory(world.engine)) as session:
        stored = session.query(Complaint).one()
        row = " ".join(str(v) for v in vars(stored).values())
    assert PHONE not in row and ID_NUMBER not in row and stored.phone_token.startswith("lg1:siv:")
    shown = world.client.get(f"/api/v1/complaints/{reference}", headers=world.auth("regulator")).json()
    assert PHONE not in json.dumps(shown) and ID_NUMBER not in json.dumps(shown)
    assert shown["phone"] == "138****5678" and shown["rules"][:2] == ["COL-THIRD-PARTY", "COL-DISCLOSURE"]
    assert "****" in shown["text"]
    # the platform sees it only once forwarded, and only masked
    assert world.client.get(f"/api/v1/complaints/{reference}", headers=world.auth("platform_a")).status_code == 404
    for status in ("triaged", "forwarded"):
        moved = world.client.post(
            f"/api/v1/complaints/{reference}/status", json={"status": status}, headers=world.auth("regulator")
        )
        assert moved.status_code == 200, moved.text
    seen = world.client.get("/api/v1/complaints", headers=world.auth("platform_a")).json()
    assert [c["reference"] for c in seen] == [reference] and PHONE not in json.dumps(seen)
    assert world.client.get("/api/v1/complaints", headers=world.auth("platform_b")).json() == []
    assert (
        world.client.post(
            f"/api/v1/complaints/{reference}/reveal", json={"reason": "核实身份"}, headers=world.auth("platform_a")
        ).status_code
        == 403
    )
    revealed = world.client.post(
        f"/api/v1/complaints/{reference}/reveal", json={"reason": "核实身份"}, headers=world.auth("regulator")
    ).json()
    assert revealed == {"text": text, "phone": PHONE, "id_number": ID_NUMBER}
    answered = world.client.post(
        f"/api/v1/complaints/{reference}/status",
        json={"status": "answered", "note": "已停止联系第三方"},
        headers=world.auth("platform_a"),
    )
    assert answered.status_code == 200 and answered.json()["status"] == "answered"
    with transaction(session_factory(world.engine)) as session:
        entries = session.query(AuditEntry).order_by(AuditEntry.id).all()
        actions = [e.action for e in entries]
        assert "complaint.reveal" in actions
        assert all(PHONE not in json.dumps(e.detail, ensure_ascii=False) for e in entries)
        assert verify_chain(session)[1] == []
    bad = world.client.post("/api/v1/complaints", json={"platform": PLATFORM_A, "text": "hello there", "phone": "123"})
    assert bad.status_code == 422 and "123" not in bad.text


def test_complaint_overdue_after_fifteen_working_days(world: World) -> None:
    reference = world.client.post(
        "/api/v1/complaints", json={"platform": PLATFORM_A, "text": "一直被骚扰电话", "phone": PHONE}
    ).json()["reference"]
    with transaction(session_factory(world.engine)) as session:
        complaint = session.query(Complaint).one()
        complaint.received_at = datetime(2026, 9, 28, 2, tzinfo=UTC)
        complaint.deadline = add_working_days(date(2026, 9, 28), 15)  # National Day week does not count
    overdue = world.client.get("/api/v1/complaints?overdue=true", headers=world.auth("regulator")).json()
    assert [c["reference"] for c in overdue] == [reference] and overdue[0]["deadline"] == "2026-10-23"


def test_rectification_answers_and_reinspection(world: World, tmp_path: Path, rulebase: RuleBase) -> None:
    failing = {"COL-HOURS": "22:40 致电", "ORG-MLPS": "mlps_level 2", "APP-SMS": "READ_SMS"}
    first = upload(world, signed_report(tmp_path / "1", rulebase, PLATFORM_A, failing=failing, days_ago=20))
    issued = world.client.post(
        f"/api/v1/inspections/{first['id']}/rectification", json={}, headers=world.auth("regulator")
    )
    assert issued.status_code == 201
    notice = issued.json()
    assert {i["rule"] for i in notice["items"]} == set(failing) and notice["status"] == "open"
    assert (
        notice["deadline"] == add_working_days(date.fromisoformat(notice["issued_at"][:10]), 15).isoformat()
        or notice["deadline"]
    )
    items = {i["rule"]: i for i in notice["items"]}
    url = f"/api/v1/rectifications/{notice['id']}/items/{items['COL-HOURS']['id']}/answer"
    assert world.client.post(url, json={"answer": "x"}, headers=world.auth("platform_b")).status_code == 404
    assert (
        world.client.post(url, json={"answer": "已限制外呼时段"}, headers=world.auth("platform_a")).status_code == 200
    )
    # re-inspection: COL-HOURS fixed, ORG-MLPS persists, APP-SMS not evaluated (stays open)
    upload(
        world,
        signed_report(
            tmp_path / "2", rulebase, PLATFORM_A, failing={"ORG-MLPS": "mlps_level 2"}, skipped=("APP-SMS",), days_ago=5
        ),
    )
    after = world.client.get(f"/api/v1/rectifications/{notice['id']}", headers=world.auth("platform_a")).json()
    status = {i["rule"]: i["status"] for i in after["items"]}
    assert status == {"COL-HOURS": "closed", "ORG-MLPS": "open", "APP-SMS": "open"} and after["status"] == "open"
    # the finding comes back: the closed item reopens
    upload(world, signed_report(tmp_path / "3", rulebase, PLATFORM_A, failing=failing, days_ago=1))
    again = world.client.get(f"/api/v1/rectifications/{notice['id']}", headers=world.auth("regulator")).json()
    assert {i["rule"]: i["status"] for i in again["items"]}["COL-HOURS"] == "reopened"
    assert world.client.get("/api/v1/rectifications", headers=world.auth("platform_b")).json() == []


def test_breach_notice_becomes_org_breach_late_evidence(world: World, tmp_path: Path, rulebase: RuleBase) -> None:
    discovered = datetime.now(UTC) - timedelta(days=5)
    filed = world.client.post(
        f"/api/v1/platforms/{world.platforms['a']}/breaches",
        json={
            "discovered_at": discovered.isoformat(),
            "severity": "较大",
            "categories": ["手机号", "身份证号"],
            "people_affected": 12000,
            "measures": "已修复接口",
        },
        headers=world.auth("platform_a"),
    )
    assert filed.status_code == 201, filed.text
    assert filed.json()["late"]
    other = world.client.post(
        f"/api/v1/platforms/{world.platforms['a']}/breaches",
        json={"discovered_at": discovered.isoformat(), "people_affected": 1},
        headers=world.auth("platform_b"),
    )
    assert other.status_code == 404
    export = world.client.get(
        f"/api/v1/platforms/{world.platforms['a']}/governance.yaml", headers=world.auth("auditor")
    )
    assert export.status_code == 200
    path = tmp_path / "governance.yaml"
    path.write_text(export.text, encoding="utf-8")
    report = audit_org(path, rulebase)  # the org probe and checks, as an inspection runs them
    late = [f for f in report.findings if f.rule in ("ORG-BREACH-LATE", "ORG-INCIDENT-4H")]
    assert {f.rule for f in late if f.outcome is Outcome.fail} == {"ORG-BREACH-LATE", "ORG-INCIDENT-4H"}
    reference = filed.json()["reference"]
    decided = world.client.post(
        f"/api/v1/breaches/{reference}/decision", json={"status": "confirmed"}, headers=world.auth("regulator")
    )
    assert decided.status_code == 200 and decided.json()["status"] == "confirmed"


def test_confirmed_breach_suspends_the_certificate(world: World, tmp_path: Path, rulebase: RuleBase) -> None:
    upload(world, signed_report(tmp_path / "1", rulebase, PLATFORM_A))
    breach = world.client.post(
        f"/api/v1/platforms/{world.platforms['a']}/breaches",
        json={"discovered_at": datetime.now(UTC).isoformat(), "people_affected": 3},
        headers=world.auth("platform_a"),
    ).json()
    world.client.post(
        f"/api/v1/breaches/{breach['reference']}/decision",
        json={"status": "confirmed"},
        headers=world.auth("regulator"),
    )
    (cert,) = world.client.get(
        f"/api/v1/platforms/{world.platforms['a']}/certificates", headers=world.auth("regulator")
    ).json()
    assert cert["status"] == "suspended" and breach["reference"] in cert["status_reason"]


def test_audit_log_detects_tampering(world: World, tmp_path: Path, rulebase: RuleBase) -> None:
    upload(world, signed_report(tmp_path / "1", rulebase, PLATFORM_A))
    check = world.client.get("/api/v1/audit/verify", headers=world.auth("regulator")).json()
    assert check["problems"] == [] and check["entries"] >= 4
    with transaction(session_factory(world.engine)) as session:
        entry = session.query(AuditEntry).filter(AuditEntry.action == "certificate.issue").one()
        entry.detail = {**entry.detail, "grade": "B"}
    problems = world.client.get("/api/v1/audit/verify", headers=world.auth("regulator")).json()["problems"]
    assert problems == [f"entry {entry.id}: content changed after it was written"]


@pytest.mark.parametrize("path", ["/api/v1/platforms", "/api/v1/schedule", "/api/v1/complaints"])
def test_bad_token_is_401(world: World, path: str) -> None:
    response = world.client.get(path, headers={"Authorization": "Bearer lgr_0000_nope"})
    assert response.status_code == 401


def test_reference_numbers_survive_the_masker() -> None:
    """Certificate, complaint and breach references are quoted in reports, which mask every run of 11
    or more digits: the suffix is letters, so the reference is never hidden."""
    from datetime import date

    from lendguard.detect import mask_text
    from lendguard.registry.references import reference

    for prefix in ("LG", "TS", "BN"):
        for _ in range(500):
            number = reference(prefix, date(2026, 12, 1))
            assert mask_text(f"迟延通知：{number} 发现于 2026-11-25").count(number) == 1


def test_a_complaint_naming_a_platform_in_other_digits_is_refused_not_a_server_error(world: World) -> None:
    from lendguard.registry.models import row_id

    for written in ("²", "٣", "１", "12²"):  # str.isdigit accepts them; int refuses or reads another number
        assert row_id(written) is None
        filed = world.client.post(
            "/api/v1/complaints",
            json={"platform": written, "text": "催收电话打到我同事", "phone": PHONE, "category": "contacts_harassed"},
        )
        assert filed.status_code == 422 and "no registered platform" in filed.text, (written, filed.text)
    assert row_id("12") == 12 and row_id("1234567890") is None
