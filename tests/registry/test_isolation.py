"""Role isolation for every endpoint and every page: each route of the app (walked from app.routes,
API and pages alike) is in one of the tables below, so a new route without a rule fails; each role
gets exactly the access its row gives it, the public only the public endpoints. Platform B never
sees platform A's records: they answer 404, and lists leave them out."""

from __future__ import annotations

import base64
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute
from httpx import Response
from starlette.routing import Mount, Route

from lendguard.registry.app import SESSION_COOKIE
from lendguard.registry.jobs import Auditor, work_once
from lendguard.registry.security import CSRF_COOKIE
from lendguard.rulebase import RuleBase
from tests.fixtures.bundles import org_bundle
from tests.fixtures.registry_reports import Upload, signed_report
from tests.registry.conftest import PLATFORM_A, Template, World, sqlite_world
from tests.registry.test_api import PHONE, upload
from tests.registry.test_jobs import submit

ROLES = ("public", "platform_b", "auditor", "platform_a", "regulator")  # denied roles are tried first


@dataclass
class State:
    platform_id: int
    inspection_id: int
    number: str
    complaint: str
    notice_id: int
    item_id: int
    breach: str
    job_id: int
    signer_id: int

    def fill(self, path: str) -> str:
        reference = self.breach if "/breaches/" in path else self.complaint
        return path.replace("{reference}", reference).format(**vars(self))


@dataclass(frozen=True)
class Case:
    method: str
    path: str  # the app's route, its parameters filled from State
    allowed: frozenset[str]
    body: Callable[[str], dict[str, Any] | None] = field(default=lambda role: None)
    files: str = ""  # "report": a signed report and its evidence; "bundle": an inspection bundle
    listing: bool = False  # others' records must be absent from what platform B is shown
    form: bool = False  # a page's form: sent form-encoded with the CSRF token


def case(method: str, path: str, allowed: str, **kwargs: Any) -> Case:
    return Case(method, path, frozenset(allowed.split()), **kwargs)


EVERYONE = "public platform_b auditor platform_a regulator"
SIGNED_IN = "platform_b auditor platform_a regulator"
API = [
    case("GET", "/api/v1/health", EVERYONE),
    case("GET", "/api/v1/complaint-categories", EVERYONE),
    case(
        "POST",
        "/api/v1/complaints",
        EVERYONE,
        body=lambda role: {"platform": PLATFORM_A, "text": f"{role} 被催收骚扰", "phone": PHONE},
    ),
    case("GET", "/api/v1/certificates/{number}", EVERYONE),
    case("GET", "/api/v1/certificates/{number}/report", EVERYONE),
    case("POST", "/api/v1/platforms", "regulator", body=lambda role: {"name": "新平台", "uscc": "91330106MA2GLNUQ9G"}),
    case("GET", "/api/v1/platforms", SIGNED_IN, listing=True),
    case("GET", "/api/v1/platforms/{platform_id}", "auditor platform_a regulator"),
    case("POST", "/api/v1/platforms/{platform_id}/inspections", "auditor regulator", files="report"),
    case("POST", "/api/v1/platforms/{platform_id}/bundles", "auditor regulator", files="bundle"),
    case("GET", "/api/v1/platforms/{platform_id}/inspections", "auditor platform_a regulator"),
    case("GET", "/api/v1/platforms/{platform_id}/certificates", "auditor platform_a regulator"),
    case("GET", "/api/v1/platforms/{platform_id}/due", "auditor platform_a regulator"),
    case("GET", "/api/v1/platforms/{platform_id}/governance.yaml", "auditor regulator"),
    case(
        "POST",
        "/api/v1/platforms/{platform_id}/breaches",
        "platform_a regulator",
        body=lambda role: {"discovered_at": datetime.now(UTC).isoformat(), "people_affected": 2},
    ),
    case("GET", "/api/v1/jobs", "auditor regulator"),
    case("GET", "/api/v1/jobs/{job_id}", "auditor regulator"),
    case("GET", "/api/v1/jobs/{job_id}/evidence", "auditor regulator"),
    case("GET", "/api/v1/signers", "auditor regulator"),
    case(
        "POST",
        "/api/v1/signers",
        "regulator",
        body=lambda role: {"name": f"{role} 的审计机构", "public_key": base64.b64encode(os.urandom(32)).decode()},
    ),
    case("DELETE", "/api/v1/signers/{signer_id}", "regulator"),
    case("GET", "/api/v1/inspections/{inspection_id}", "auditor platform_a regulator"),
    case("GET", "/api/v1/inspections/{inspection_id}/findings", "auditor platform_a regulator"),
    case("GET", "/api/v1/inspections/{inspection_id}/diff", "auditor platform_a regulator"),
    case("POST", "/api/v1/inspections/{inspection_id}/rectification", "regulator", body=lambda role: {}),
    case("GET", "/api/v1/schedule", "auditor regulator"),
    case("POST", "/api/v1/certificates/{number}/revoke", "regulator", body=lambda role: {"reason": "测试撤销"}),
    case("GET", "/api/v1/complaints", "platform_b platform_a regulator", listing=True),
    case("GET", "/api/v1/complaints/{reference}", "platform_a regulator"),
    case(
        "POST",
        "/api/v1/complaints/{reference}/status",
        "platform_a",
        body=lambda role: {"status": "answered", "note": "已处理"},
    ),
    case("POST", "/api/v1/complaints/{reference}/reveal", "regulator", body=lambda role: {"reason": "核实身份"}),
    case("GET", "/api/v1/rectifications", "platform_b platform_a regulator", listing=True),
    case("GET", "/api/v1/rectifications/{notice_id}", "platform_a regulator"),
    case(
        "POST",
        "/api/v1/rectifications/{notice_id}/items/{item_id}/answer",
        "platform_a",
        body=lambda role: {"answer": "已整改"},
    ),
    case("GET", "/api/v1/breaches", "platform_b platform_a regulator", listing=True),
    case(
        "POST",
        "/api/v1/breaches/{reference}/notified",
        "platform_a",
        body=lambda role: {"at": datetime.now(UTC).isoformat()},
    ),
    case("POST", "/api/v1/breaches/{reference}/decision", "regulator", body=lambda role: {"status": "confirmed"}),
    case("GET", "/api/v1/audit/verify", "regulator"),
]
PAGES = [
    case("GET", "/", EVERYONE),
    case("GET", "/login", EVERYONE),
    # the public has no token: a made-up one is refused
    case("POST", "/login", SIGNED_IN, form=True, body=lambda role: {"token": TOKENS.get(role, "lgr_0000_made-up")}),
    case("POST", "/logout", EVERYONE, form=True, body=lambda role: {}),
    case("GET", "/dashboard", "auditor regulator"),
    case("GET", "/platforms/{platform_id}", "auditor platform_a regulator"),
    case("GET", "/inspections/{inspection_id}", "auditor platform_a regulator"),
    case("POST", "/inspections/{inspection_id}/rectification", "regulator", form=True, body=lambda role: {}),
    case("GET", "/complaints", "platform_b platform_a regulator", listing=True),
    case(
        "POST",
        "/complaints/{reference}/status",
        "platform_a",
        form=True,
        body=lambda role: {"status": "answered", "note": "已停止联系第三方"},
    ),
    case("POST", "/complaints/{reference}/reveal", "regulator", form=True, body=lambda role: {"reason": "核实身份"}),
    case("GET", "/complain", EVERYONE),
    case(
        "POST",
        "/complain",
        EVERYONE,
        form=True,
        body=lambda role: {"platform": PLATFORM_A, "text": f"{role}：催收员打给我的同事", "phone": PHONE},
    ),
    case("GET", "/rectifications", "platform_b platform_a regulator", listing=True),
    case(
        "POST",
        "/rectifications/{notice_id}/items/{item_id}/answer",
        "platform_a",
        form=True,
        body=lambda role: {"answer": "已整改"},
    ),
    case("GET", "/breaches", "platform_b platform_a regulator", listing=True),
    case("GET", "/certificates?number={number}", EVERYONE),
]
TOKENS: dict[str, str] = {}  # the world's tokens, for the login form's case


@pytest.fixture
def quiet(sqlite_template: Template, tmp_path: Path, key_file: Path) -> Iterator[World]:
    """A world whose audit worker is off: queued bundles stay queued while every role is tried."""
    yield from sqlite_world(sqlite_template, tmp_path, key_file, worker=False)


@pytest.fixture
def state(quiet: World, tmp_path: Path, rulebase: RuleBase) -> State:
    world = quiet
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
    status, job = submit(world, org_bundle(PLATFORM_A))
    assert status == 202, job
    registry = world.client.app.state.registry  # type: ignore[attr-defined]
    assert work_once(registry.sessions, Auditor(rulebase, world.settings.signing_key)) == job["id"]
    signer = client.post(
        "/api/v1/signers",
        json={"name": "将被移除", "public_key": base64.b64encode(os.urandom(32)).decode()},
        headers=world.auth("regulator"),
    ).json()
    return State(
        platform_id=a,
        inspection_id=second["id"],
        number=certificate["number"],
        complaint=reference,
        notice_id=notice["id"],
        item_id=notice["items"][0]["id"],
        breach=breach["reference"],
        job_id=job["id"],
        signer_id=signer["id"],
    )


def app_routes(world: World) -> set[tuple[str, str]]:
    """Every (method, path) the app answers, API and pages: the app's routes walked down through the
    routers it includes (FastAPI keeps an included router as one entry holding the original)."""
    routes: set[tuple[str, str]] = set()

    def walk(entries: list[Any]) -> None:
        for route in entries:
            if isinstance(route, APIRoute):
                routes.update((method, route.path) for method in route.methods - {"HEAD"})
            elif (router := getattr(route, "original_router", None)) is not None:
                walk(router.routes)
            elif (isinstance(route, Mount) and route.path == "/static") or (
                isinstance(route, Route) and route.path == "/openapi.json"
            ):
                continue
            else:
                routes.add(("?", repr(route)))  # an unknown kind of route fails the comparison

    walk(world.client.app.routes)  # type: ignore[attr-defined]
    return routes


def test_every_route_has_an_isolation_case(world: World) -> None:
    cases = {(c.method, c.path.split("?")[0]) for c in API + PAGES}
    assert app_routes(world) == cases
    schema = world.client.get("/openapi.json").json()["paths"]
    assert {(m.upper(), p) for p, methods in schema.items() for m in methods} == {(c.method, c.path) for c in API}


def request(world: World, spec: Case, state: State, role: str, csrf: str, uploads: dict[str, Upload]) -> Response:
    world.client.cookies.clear()
    kwargs: dict[str, Any] = {"follow_redirects": False}
    if spec.path.startswith("/api/"):
        kwargs["headers"] = world.auth(role)
    else:
        world.client.cookies.set(CSRF_COOKIE, csrf)
        if role != "public":
            world.client.cookies.set(SESSION_COOKIE, world.tokens[role])
    if spec.files == "report":
        kwargs["files"] = {"report": ("r.json", uploads[role].report), "evidence": ("e.zip", uploads[role].evidence)}
    elif spec.files == "bundle":
        kwargs["files"] = {"bundle": ("bundle.zip", org_bundle(PLATFORM_A))}
    elif spec.form:
        kwargs["data"] = {**(spec.body(role) or {}), "csrf_token": csrf}
    elif spec.method == "POST":
        kwargs["json"] = spec.body(role)
    return world.client.request(spec.method, state.fill(spec.path), **kwargs)


@pytest.mark.parametrize("cases", [API, PAGES], ids=["api", "pages"])
def test_each_role_gets_exactly_its_access(
    quiet: World, state: State, tmp_path: Path, rulebase: RuleBase, cases: list[Case]
) -> None:
    """Each role is refused (401/403/404) everywhere the table does not allow it, and answered
    everywhere it does; what platform B is shown never holds platform A's records."""
    world = quiet
    TOKENS.update(world.tokens)
    uploads = {
        role: signed_report(tmp_path / role, rulebase, PLATFORM_A, failing={"COL-ABUSE": "辱骂"}, days_ago=1)
        for role in ROLES
    }
    world.client.get("/login")
    csrf = world.client.cookies[CSRF_COOKIE]
    a_records = [PLATFORM_A, state.complaint, state.breach, f'"id":{state.notice_id},', f"notice-{state.notice_id}"]
    problems = []
    for spec in cases:
        # refused roles first, so that an allowed role's change cannot mask a refusal
        for role in sorted(ROLES, key=lambda r: r in spec.allowed):
            response = request(world, spec, state, role, csrf, uploads)
            allowed = role in spec.allowed
            where = f"{role} {spec.method} {spec.path}"
            if allowed and response.status_code >= 400:
                problems.append(f"{where}: {response.status_code} {response.text[:120]}")
            if not allowed and response.status_code not in (401, 403, 404):
                problems.append(f"{where}: expected a refusal, got {response.status_code}")
            if allowed and spec.listing and role == "platform_b":
                leaked = [v for v in a_records if v in response.text]
                if leaked:
                    problems.append(f"{where} shows platform A's records: {leaked}")
    assert problems == []
