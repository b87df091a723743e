"""Inspection bundles and the background worker, and the trusted-signer list: the demo platform's
files uploaded as a bundle come back as a signed, recorded inspection; hostile bundles and reports
from unregistered signers are refused with the reason."""

from __future__ import annotations

import io
import json
import time
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from lendguard.registry import bundles
from lendguard.reports.inspection import generate_signing_key, verify
from lendguard.rulebase import RuleBase
from tests.fixtures.bundles import demo_folder, org_bundle, tar_with, zip_bomb, zip_folder, zip_with
from tests.fixtures.registry_reports import signed_report
from tests.registry.conftest import PLATFORM_A, PLATFORM_B, World
from tests.registry.test_api import upload


@pytest.fixture
def world(any_world: World) -> World:
    """Every API test here runs on SQLite and on PostgreSQL."""
    return any_world


MANIFEST = f"platform: {PLATFORM_A}\ntargets:\n  org: [governance.yaml]\n".encode()


def submit(world: World, data: bytes, who: str = "auditor", name: str = "bundle.zip") -> tuple[int, dict]:
    response = world.client.post(
        f"/api/v1/platforms/{world.platforms['a']}/bundles", files={"bundle": (name, data)}, headers=world.auth(who)
    )
    return response.status_code, response.json()


def wait(world: World, job: dict, seconds: float = 300) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        state = dict(world.client.get(job["status_url"], headers=world.auth("auditor")).json())
        if state["status"] in ("done", "failed"):
            return state
        time.sleep(0.2)
    pytest.fail(f"job {job['id']} still {state['status']} after {seconds} s")


def own_key(world: World) -> str:
    own: str | None = world.client.app.state.registry.own_signer  # type: ignore[attr-defined]
    assert own is not None
    return own


def test_demo_platform_bundle_is_audited_signed_and_recorded(world: World, tmp_path: Path) -> None:
    folder = demo_folder(tmp_path / "demo")
    status, job = submit(world, zip_folder(folder, prefix="kuaijie/"))
    assert status == 202 and job["status"] in ("queued", "running", "done"), job
    finished = wait(world, job)
    assert finished["status"] == "done" and finished["reason"] == "", finished
    inspection_id = finished["inspection_id"]
    recorded = world.client.get(f"/api/v1/inspections/{inspection_id}", headers=world.auth("platform_a")).json()
    assert recorded["signer"] == own_key(world) and recorded["uploaded_by"] == "worker"
    assert recorded["grade"] in "ABCD" and "COL-THIRD-PARTY" in recorded["failed_rules"]  # the demo harasses
    history = world.client.get(f"/api/v1/platforms/{world.platforms['a']}/inspections", headers=world.auth("auditor"))
    assert [i["id"] for i in history.json()] == [inspection_id]
    # the report the worker signed verifies against the bundle's own files, as anyone can check
    with world.engine.connect() as connection:
        (report,) = connection.exec_driver_sql("SELECT report FROM inspections").one()
    (tmp_path / "report.json").write_text(report, encoding="utf-8")
    assert verify(tmp_path / "report.json", base=folder) == []
    assert json.loads(report)["platform"] == PLATFORM_A
    listed = world.client.get("/api/v1/jobs?status=done", headers=world.auth("regulator")).json()
    assert [j["id"] for j in listed] == [job["id"]]


def test_a_bundle_for_another_platform_or_without_targets_is_refused(world: World) -> None:
    status, body = submit(world, org_bundle(PLATFORM_B))
    assert status == 422 and "inspects" in body["detail"] and PLATFORM_A in body["detail"]
    missing = zip_with({"inspection.yaml": MANIFEST})
    status, body = submit(world, missing)
    assert status == 422 and "'governance.yaml' is not in the bundle" in body["detail"]
    remote = zip_with(
        {"inspection.yaml": MANIFEST + b"  datastore: ['postgresql://db.internal/prod']\n", "governance.yaml": b"x"}
    )
    status, body = submit(world, remote)
    assert status == 422 and "not a file inside the bundle" in body["detail"]
    outside = zip_with({"inspection.yaml": f"platform: {PLATFORM_A}\ntargets:\n  org: [../../etc/passwd]\n".encode()})
    status, body = submit(world, outside)
    assert status == 422 and "outside the bundle" in body["detail"]
    assert submit(world, org_bundle(PLATFORM_A), who="platform_a")[0] == 403
    assert world.client.get("/api/v1/jobs", headers=world.auth("regulator")).json() == []


@pytest.mark.parametrize(
    ("archive", "reason"),
    [
        (zip_with({"inspection.yaml": MANIFEST, "../evil.yaml": b"x"}), "points outside the bundle"),
        (zip_with({"inspection.yaml": MANIFEST, "/etc/cron.d/evil": b"x"}), "points outside the bundle"),
        (tar_with({"inspection.yaml": MANIFEST, "a/../../evil": b"x"}), "points outside the bundle"),
        (zip_with({"inspection.yaml": MANIFEST}, links={"governance.yaml": "/etc/passwd"}), "symbolic link"),
        (tar_with({"inspection.yaml": MANIFEST}, links={"governance.yaml": "/etc/passwd"}), "is a link"),
        (zip_with({"governance.yaml": b"platform: x\n"}), "holds no inspection.yaml"),
        (zip_with({"a/inspection.yaml": MANIFEST, "b/governance.yaml": b"x"}), "holds no inspection.yaml"),
        (zip_bomb(), "decompression bomb"),
        (b"PK\x03\x04 not really a zip", "neither a zip nor a tar"),
    ],
    ids=["zip-slip", "absolute", "tar-slip", "zip-symlink", "tar-symlink", "no-manifest", "nested", "bomb", "junk"],
)
def test_hostile_bundles_are_refused_with_the_reason(world: World, archive: bytes, reason: str) -> None:
    status, body = submit(world, archive)
    assert status == 422 and reason in body["detail"], body
    assert world.client.get("/api/v1/jobs", headers=world.auth("auditor")).json() == []


def test_unpacking_counts_bytes_against_the_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bundles, "MAX_UNPACKED_BYTES", 1 << 16)
    archive = zip_with({"inspection.yaml": MANIFEST, "governance.yaml": b"#" * (1 << 17)})
    with pytest.raises(bundles.BundleError, match="unpacks to more than"):
        bundles.unpack(archive, tmp_path)


def test_a_job_whose_audit_fails_says_why(world: World) -> None:
    # a governance record the org probe cannot read: every target unreadable, so nothing to record
    broken = zip_with({"inspection.yaml": MANIFEST, "governance.yaml": b"platform: [unclosed\n"})
    status, job = submit(world, broken, name="broken.zip")
    assert status == 202
    finished = wait(world, job)
    assert finished["status"] == "failed" and "could be read" in finished["reason"], finished
    assert "lendguard-bundle-" not in finished["reason"]  # the worker's temporary folder is not shown
    assert (
        world.client.get(f"/api/v1/platforms/{world.platforms['a']}/inspections", headers=world.auth("auditor")).json()
        == []
    )


def test_only_registered_signers_are_accepted(world: World, tmp_path: Path, rulebase: RuleBase) -> None:
    stranger_key = tmp_path / "stranger.pem"
    generate_signing_key(stranger_key)
    stranger = signed_report(tmp_path / "s", rulebase, PLATFORM_A, key=stranger_key)
    url = f"/api/v1/platforms/{world.platforms['a']}/inspections"
    files = {"report": ("r.json", stranger.report), "evidence": ("e.zip", stranger.evidence)}
    refused = world.client.post(url, files=files, headers=world.auth("auditor"))
    public = json.loads(stranger.report)["signature"]["public_key"]
    assert refused.status_code == 422 and "has not registered" in refused.json()["detail"]
    assert public in refused.json()["detail"]
    pem = stranger_key.with_name("stranger.pem.pub").read_text(encoding="utf-8")
    body = {"name": "某会计师事务所", "public_key": pem}
    assert world.client.post("/api/v1/signers", json=body, headers=world.auth("auditor")).status_code == 403
    added = world.client.post("/api/v1/signers", json=body, headers=world.auth("regulator"))
    assert added.status_code == 201 and added.json()["public_key"] == public
    again = world.client.post("/api/v1/signers", json={**body, "name": "别名"}, headers=world.auth("regulator"))
    assert again.status_code == 409
    bad = world.client.post(
        "/api/v1/signers", json={"name": "x", "public_key": "AAAA"}, headers=world.auth("regulator")
    )
    assert bad.status_code == 422 and "32 bytes" in bad.json()["detail"]
    first = upload(world, stranger)
    assert first["signer"] == public
    names = {s["name"] for s in world.client.get("/api/v1/signers", headers=world.auth("auditor")).json()}
    assert names == {"test auditor", "this registry", "某会计师事务所"}
    removed = world.client.delete(f"/api/v1/signers/{added.json()['id']}", headers=world.auth("regulator"))
    assert removed.status_code == 200
    later = signed_report(tmp_path / "s2", rulebase, PLATFORM_A, key=stranger_key, days_ago=0)
    files = {"report": ("r.json", later.report), "evidence": ("e.zip", later.evidence)}
    assert world.client.post(url, files=files, headers=world.auth("auditor")).status_code == 422
    own = next(
        s
        for s in world.client.get("/api/v1/signers", headers=world.auth("regulator")).json()
        if s["public_key"] == own_key(world)
    )
    kept = world.client.delete(f"/api/v1/signers/{own['id']}", headers=world.auth("regulator"))
    assert kept.status_code == 409 and "own signing key" in kept.json()["detail"]


def test_a_late_breach_notice_on_file_counts_in_the_workers_inspection(world: World, tmp_path: Path) -> None:
    discovered = datetime.now(UTC) - timedelta(days=6)
    filed = world.client.post(
        f"/api/v1/platforms/{world.platforms['a']}/breaches",
        json={"discovered_at": discovered.isoformat(), "severity": "较大", "people_affected": 900},
        headers=world.auth("platform_a"),
    ).json()
    assert filed["late"]
    status, job = submit(world, org_bundle(PLATFORM_A, prefix="kuaijie/"))
    assert status == 202
    finished = wait(world, job)
    assert finished["status"] == "done", finished
    findings = world.client.get(
        f"/api/v1/inspections/{finished['inspection_id']}/findings", headers=world.auth("regulator")
    ).json()
    late = [f for f in findings if f["rule"] == "ORG-BREACH-LATE"]
    assert any(filed["reference"] in f["quote"] for f in late), late
    # the merged record sits beside the bundle's own files; the report verifies against them all
    evidence = world.client.get(f"/api/v1/jobs/{job['id']}/evidence", headers=world.auth("auditor"))
    assert evidence.status_code == 200 and evidence.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(evidence.content)) as archive:
        archive.extractall(tmp_path / "evidence")
        assert {"kuaijie/governance.yaml", "kuaijie/governance.registry.yaml"} <= set(archive.namelist())
    with world.engine.connect() as connection:
        (report,) = connection.exec_driver_sql("SELECT report FROM inspections").one()
    (tmp_path / "report.json").write_text(report, encoding="utf-8")
    assert verify(tmp_path / "report.json", base=tmp_path / "evidence" / "kuaijie") == []
    assert json.loads(report)["manifest"] == "kuaijie/inspection.registry.yaml"  # as the evidence names it
