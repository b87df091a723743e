"""Server-rendered pages through the test client: language, CSRF, masking, reveal, headers, rate limit."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from lendguard.rulebase import RuleBase
from tests.fixtures.registry_reports import signed_report
from tests.registry.conftest import PLATFORM_A, PLATFORM_B, Template, World, sqlite_world
from tests.registry.test_api import ID_NUMBER, PHONE, upload

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf(world: World, path: str) -> str:
    page = world.client.get(path)
    assert page.status_code == 200, page.text
    match = CSRF.search(page.text)
    assert match, "no CSRF token in the form"
    return match.group(1)


def login(world: World, who: str) -> None:
    token = csrf(world, "/login")
    response = world.client.post(
        "/login", data={"token": world.tokens[who], "csrf_token": token}, follow_redirects=False
    )
    assert response.status_code == 303


def test_chinese_by_default_english_on_request_and_headers(world: World) -> None:
    home = world.client.get("/")
    assert "投诉举报" in home.text and 'lang="zh-CN"' in home.text
    english = world.client.get("/?lang=en")
    assert "File a complaint" in english.text and english.cookies.get("lg_lang") == "en"
    assert "File a complaint" in world.client.get("/complain").text  # remembered
    for response in (home, world.client.get("/api/v1/health")):
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"] == "no-referrer"


def test_public_complaint_form_needs_its_csrf_token(world: World, caplog: pytest.LogCaptureFixture) -> None:
    form = {
        "platform": PLATFORM_A,
        "text": f"催收员把我的手机号 {PHONE} 发到了群里",
        "phone": PHONE,
        "id_number": ID_NUMBER,
    }
    refused = world.client.post("/complain", data=form)
    assert refused.status_code == 403 and "CSRF" in refused.text
    token = csrf(world, "/complain")
    assert PLATFORM_B in world.client.get("/complain").text
    forged = world.client.post("/complain", data={**form, "csrf_token": token + "x"})
    assert forged.status_code == 403
    with caplog.at_level(logging.DEBUG):
        done = world.client.post("/complain", data={**form, "csrf_token": token})
    assert done.status_code == 200 and "已收到您的投诉" in done.text and PHONE not in done.text
    assert PHONE not in caplog.text and ID_NUMBER not in caplog.text
    wrong = world.client.post("/complain", data={**form, "phone": "12345", "csrf_token": token})
    assert wrong.status_code == 422 and "mobile" in wrong.text
    assert "12345" not in wrong.text and ID_NUMBER not in wrong.text  # the form is not echoed back


def test_regulator_pages_mask_and_reveal_with_a_log(world: World, tmp_path: Path, rulebase: RuleBase) -> None:
    upload(world, signed_report(tmp_path / "1", rulebase, PLATFORM_A, failing={"COL-ABUSE": "辱骂 138****5678"}))
    world.client.post(
        "/api/v1/complaints", json={"platform": PLATFORM_A, "text": f"他们打 {PHONE} 骚扰我", "phone": PHONE}
    )
    assert world.client.get("/dashboard").status_code == 403  # not logged in
    login(world, "regulator")
    dashboard = world.client.get("/dashboard")
    assert dashboard.status_code == 200 and PLATFORM_A in dashboard.text and "<svg" in dashboard.text
    assert dashboard.headers["cache-control"] == "no-store"
    queue = world.client.get("/complaints")
    assert "138****5678" in queue.text and PHONE not in queue.text
    reference = re.search(r'id="complaint-(TS-[^"]+)"', queue.text)
    assert reference
    token = CSRF.search(queue.text)
    assert token
    shown = world.client.post(
        f"/complaints/{reference.group(1)}/reveal", data={"reason": "核实投诉人", "csrf_token": token.group(1)}
    )
    assert shown.status_code == 200 and PHONE in shown.text
    log = world.client.get("/api/v1/audit/verify", headers=world.auth("regulator")).json()
    assert log["problems"] == []
    inspection = world.client.get(
        f"/api/v1/platforms/{world.platforms['a']}/inspections", headers=world.auth("regulator")
    )
    page = world.client.get(f"/inspections/{inspection.json()[0]['id']}?lang=en")
    assert page.status_code == 200 and "COL-ABUSE" in page.text and "Failed findings" in page.text


def test_a_platform_sees_only_its_own_pages(world: World) -> None:
    login(world, "platform_b")
    assert world.client.get("/", follow_redirects=False).headers["location"] == f"/platforms/{world.platforms['b']}"
    assert world.client.get(f"/platforms/{world.platforms['b']}").status_code == 200
    assert world.client.get(f"/platforms/{world.platforms['a']}").status_code == 404
    assert world.client.get("/dashboard").status_code == 403


@pytest.fixture
def strict(sqlite_template: Template, tmp_path: Path, key_file: Path) -> Iterator[World]:
    yield from sqlite_world(sqlite_template, tmp_path, key_file, rate=3)


def test_public_endpoints_are_rate_limited(strict: World) -> None:
    body = {"platform": PLATFORM_A, "text": "被骚扰了很多次", "phone": PHONE}
    codes = [strict.client.post("/api/v1/complaints", json=body).status_code for _ in range(4)]
    assert codes == [201, 201, 201, 429]
    limited = strict.client.post("/api/v1/complaints", json=body)
    assert int(limited.headers["retry-after"]) > 0
    lookups = [strict.client.get("/api/v1/certificates/LG-NONE").status_code for _ in range(4)]
    assert lookups == [404, 404, 404, 429]
