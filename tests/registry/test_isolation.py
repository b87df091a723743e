"""Role isolation for every API endpoint: each route of the app is in the table below (a new route
without an entry fails), and each role gets exactly the access the table gives it. Platform B
never sees platform A's records: they answer 404, and lists leave them out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from lendguard.rulebase import RuleBase
from tests.fixtures.registry_reports import signed_report
from tests.registry.conftest import PLATFORM_A, World
from tests.registry.test_api import PHONE, upload

ROLES = ("public", "platform_b", "auditor", "platform_a", "regulator")  # denied roles are tried first


@dataclass
class State:
    platform: int
    inspection: int
    certificate: str
    complaint: str
    notice: int
    item: int
    breach: str


@dataclass(frozen=True)
class Case:
    method: str
    path: str  # formatted with State fields
    allowed: frozenset[str]
    body: Callable[[str], dict[str, Any] | None] = field(default=lambda role: None)
    files: bool = False
    listing: bool = False  # allowed for every signed-in role; others' records must be absent


def case(method: str, path: str, allowed: str, **kwargs: Any) -> Case:
    return Case(method, path, frozenset(allowed.split()), **kwargs)


EVERYONE = "public platform_b auditor platform_a regulator"
CASES = [
    case("GET", "/api/v1/health", EVERYONE),
    case("GET", "/api/v1/complaint-categories", EVERYONE),
    case(
        "POST",
        "/api/v1/complaints",
        EVERYONE,
        body=lambda role: {"platform": PLATFORM_A, "text": f"{role} 被催收骚扰", "phone": PHONE},
    ),
    case("GET", "/api/v1/certificates/{certificate}", EVERYONE),
    case("GET", "/api/v1/certificates/{certificate}/report", EVERYONE),
    case("POST", "/api/v1/platforms", "regulator", body=lambda role: {"name": "新平台", "uscc": "91330106MA2GLNUQ9G"}),
    case("GET", "/api/v1/platforms", "platform_b auditor platform_a regulator", listing=True),
    case("GET", "/api/v1/platforms/{platform}", "auditor platform_a regulator"),
    case("POST", "/api/v1/platforms/{platform}/inspections", "auditor regulator", files=True),
    case("GET", "/api/v1/platforms/{platform}/inspections", "auditor platform_a regulator"),
    case("GET", "/api/v1/platforms/{platform}/certificates", "auditor platform_a regulator"),
    case("GET", "/api/v1/platforms/{platform}/due", "auditor platform_a regulator"),
    case("GET", "/api/v1/platforms/{platform}/governance.yaml", "auditor regulator"),
    case(
        "POST",
        "/api/v1/platforms/{platform}/breaches",
        "platform_a regulator",
        body=lambda role: {"discovered_at": datetime.now(UTC).isoformat(), "people_affected": 2},
    ),
    case("GET", "/api/v1/inspections/{inspection}", "auditor platform_a regulator"),
    case("GET", "/api/v1/inspections/{inspection}/findings", "auditor platform_a regulator"),
    case("GET", "/api/v1/inspections/{inspection}/diff", "auditor platform_a regulator"),
    case("POST", "/api/v1/inspections/{inspection}/rectification", "regulator", body=lambda role: {}),
    case("GET", "/api/v1/schedule", "auditor regulator"),
    case("POST", "/api/v1/certificates/{certificate}/revoke", "regulator", body=lambda role: {"reason": "测试撤销"}),
    case("GET", "/api/v1/complaints", "platform_b platform_a regulator", listing=True),
    case("GET", "/api/v1/complaints/{complaint}", "platform_a regulator"),
    case(
        "POST",
        "/api/v1/complaints/{complaint}/status",
        "platform_a",
        body=lambda role: {"status": "answered", "note": "已处理"},
    ),
    case("POST", "/api/v1/complaints/{complaint}/reveal", "regulator", body=lambda role: {"reason": "核实身份"}),
    case("GET", "/api/v1/rectifications", "platform_b platform_a regulator", listing=True),
    case("GET", "/api/v1/rectifications/{notice}", "platform_a regulator"),
    case(
        "POST",
        "/api/v1/rectifications/{notice}/items/{item}/answer",
        "platform_a",
        body=lambda role: {"answer": "已整改"},
    ),
    case("GET", "/api/v1/breaches", "platform_b platform_a regulator", listing=True),
    case(
        "POST",
        "/api/v1/breaches/{breach}/notified",
        "platform_a",
        body=lambda role: {"at": datetime.now(UTC).isoformat()},
    ),
    case("POST", "/api/v1/breaches/{breach}/decision", "regulator", body=lambda role: {"status": "confirmed"}),
    case("GET", "/api/v1/audit/verify", "regulator"),
]


@pytest.fixture
def state(world: World, tmp_path: Path, rulebase: RuleBase) -> State:
    client, a = world.client, world.platforms["a"]
    upload(world, signed_report(tmp_path / "1", rulebase, PLATFORM_A, days_ago=10))
    second = upload(
        world, signed_report(tmp_path / "2", rulebase, PLATFORM_A, failing={"COL-ABUSE": "辱骂"}, days_ago=2)
    )
    (certificate,) = client.get(f"/api/v1/platforms/{a}/certificates", headers=world.auth("regulator")).json()
    reference = client.post(
        "/api/v1/complaints", json={"platform": PLATFORM_A, "text": "我被爆通讯录了", "phone": PHONE}
    ).json()["reference"]
    for status in ("triaged", "forwarded"):
        client.post(f"/api/v1/complaints/{reference}/status", json={"status": status}, headers=world.auth("regulator"))
    notice = client.post(
        f"/api/v1/inspections/{second['id']}/rectification", json={}, headers=world.auth("regulator")
    ).json()
    breach = client.post(
        f"/api/v1/platforms/{a}/breaches",
        json={"discovered_at": (datetime.now(UTC) - timedelta(hours=2)).isoformat(), "people_affected": 5},
        headers=world.auth("platform_a"),
    ).json()
    return State(
        a, second["id"], certificate["number"], reference, notice["id"], notice["items"][0]["id"], breach["reference"]
    )


def test_every_route_has_an_isolation_case(world: World) -> None:
    paths = world.client.get("/openapi.json").json()["paths"]
    names = {"platform_id": "platform", "inspection_id": "inspection", "notice_id": "notice", "item_id": "item"}
    routes = set()
    for path, methods in paths.items():
        for name, field_name in names.items():
            path = path.replace(f"{{{name}}}", f"{{{field_name}}}")
        path = path.replace("{number}", "{certificate}")
        path = path.replace("{reference}", "{breach}" if "/breaches/" in path else "{complaint}")
        routes |= {(method.upper(), path) for method in methods}
    assert routes == {(c.method, c.path) for c in CASES}


def test_each_role_gets_exactly_its_access(world: World, state: State, tmp_path: Path, rulebase: RuleBase) -> None:
    reports = {
        role: signed_report(tmp_path / role, rulebase, PLATFORM_A, failing={"COL-ABUSE": "辱骂"}, days_ago=1)
        for role in ROLES
    }
    problems = []
    for spec in CASES:
        path = spec.path.format(**vars(state))
        # refused roles first, so that an allowed role's change cannot mask a refusal
        for role in sorted(ROLES, key=lambda r: r in spec.allowed):
            kwargs: dict[str, Any] = {"headers": world.auth(role)}
            if spec.files:
                kwargs["files"] = {
                    "report": ("r.json", reports[role].report),
                    "evidence": ("e.zip", reports[role].evidence),
                }
            elif spec.method == "POST":
                kwargs["json"] = spec.body(role)
            response = world.client.request(spec.method, path, **kwargs)
            allowed = role in spec.allowed
            if allowed and response.status_code >= 400:
                problems.append(f"{role} {spec.method} {path}: {response.status_code} {response.text[:120]}")
            if not allowed and response.status_code not in (401, 403, 404):
                problems.append(f"{role} {spec.method} {path}: expected a refusal, got {response.status_code}")
            if allowed and spec.listing and role == "platform_b":
                text = response.text
                leaked = [v for v in (PLATFORM_A, state.complaint, state.breach, f'"id":{state.notice},') if v in text]
                if leaked:
                    problems.append(f"platform_b {path} shows platform A's records: {leaked}")
    assert problems == []
