"""Server-rendered pages (Jinja2): the regulator's dashboard and queues, a platform's own view, and
the public complaint form and certificate lookup. Forms carry CSRF tokens; nothing needs script."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from lendguard.registry import breaches, certificates, complaints, inspections, platforms, rectification, signers
from lendguard.registry.app import SESSION_COOKIE, db, page_principal, registry_of
from lendguard.registry.auth import PUBLIC, Principal, Role, authenticate
from lendguard.registry.errors import ServiceError, require
from lendguard.registry.i18n import text
from lendguard.registry.models import Inspection
from lendguard.registry.schedule import schedule, today
from lendguard.registry.security import CSRF_COOKIE, CSRF_FIELD, client_of
from lendguard.rulebase import Language

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
DB = Annotated[Session, Depends(db)]
Who = Annotated[Principal, Depends(page_principal)]
LANG_COOKIE = "lg_lang"
RowId = Annotated[int, PathParam(ge=1, le=2_147_483_647)]


def language(request: Request) -> Language:
    asked = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE)
    return "en" if asked == "en" else "zh"


def render(
    request: Request, template: str, principal: Principal = PUBLIC, status: int = 200, **context: Any
) -> Response:
    lang = language(request)
    registry = registry_of(request)
    csrf = registry.csrf.token(request)
    response = templates.TemplateResponse(
        request,
        template,
        {
            "lang": lang,
            "t": lambda key: text(key, lang),
            "who": principal,
            "csrf": csrf,
            "csrf_field": CSRF_FIELD,
            "today": today(),
            **context,
        },
        status_code=status,
    )
    secure = registry.settings.secure_cookies
    response.set_cookie(CSRF_COOKIE, csrf, httponly=True, samesite="strict", secure=secure)
    if request.query_params.get("lang") in ("zh", "en"):
        response.set_cookie(LANG_COOKIE, lang, samesite="lax", secure=secure)
    return response


def error_page(request: Request, status: int, reason: str) -> Response:
    return render(request, "error.html", status=status, reason=reason)


def _csrf(request: Request, token: str) -> None:
    registry_of(request).csrf.check(request, token)


def _back(path: str) -> Response:
    return RedirectResponse(path, status_code=303)


def trend_points(history: list[Inspection]) -> str:
    """SVG polyline points of the scores (0-100), oldest first, on a 300x100 canvas."""
    if not history:
        return ""
    step = 300 / max(len(history) - 1, 1)
    return " ".join(f"{round(i * step, 1)},{round(100 - h.score, 1)}" for i, h in enumerate(history))


@router.get("/", response_class=HTMLResponse)
def home(request: Request, who: Who) -> Response:
    if who.role is Role.platform and who.platform_id is not None:
        return _back(f"/platforms/{who.platform_id}")
    if not who.is_public:
        return _back("/dashboard")
    return render(request, "home.html", who)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, who: Who) -> Response:
    return render(request, "login.html", who)


@router.post("/login")
def login(
    request: Request, session: DB, token: Annotated[str, Form(max_length=200)], csrf_token: Annotated[str, Form()] = ""
) -> Response:
    _csrf(request, csrf_token)
    registry = registry_of(request)
    registry.limiter.check("login", client_of(request))
    if authenticate(session, token.strip(), registry.tokens) is None:
        return render(request, "login.html", status=401, failed=True)
    response = _back("/")
    response.set_cookie(
        SESSION_COOKIE, token.strip(), httponly=True, samesite="strict", secure=registry.settings.secure_cookies
    )
    return response


@router.post("/logout")
def logout(request: Request, csrf_token: Annotated[str, Form()] = "") -> Response:
    _csrf(request, csrf_token)
    response = _back("/")
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard(request: Request, session: DB, who: Who) -> Response:
    require(who, Role.regulator, Role.auditor)
    on = today()
    rows = []
    dues = {d.platform_id: d for d in schedule(session, registry_of(request).rulebase, on)}
    listed = platforms.list_platforms(session, who)
    ids = [p.id for p in listed]
    histories, current = inspections.histories(session, ids), certificates.current_for(session, ids)
    for platform in listed:
        history, certificate = histories[platform.id], current.get(platform.id)
        rows.append(
            {
                "platform": platform,
                "last": history[-1] if history else None,
                "certificate": certificate,
                "certificate_status": certificates.public_status(certificate, on).status if certificate else None,
                "due": dues[platform.id],
                "trend": trend_points(history),
            }
        )
    overdue_complaints = complaints.queue(session, who, on, only_overdue=True) if who.role is Role.regulator else []
    return render(request, "dashboard.html", who, rows=rows, overdue_complaints=len(overdue_complaints))


@router.get("/platforms/{platform_id}", response_class=HTMLResponse)
def platform_page(platform_id: RowId, request: Request, session: DB, who: Who) -> Response:
    platform = platforms.get_platform(session, who, platform_id)
    history = inspections.history(session, who, platform_id)
    on = today()
    due = schedule(session, registry_of(request).rulebase, on, [platform_id])[0]
    return render(
        request,
        "platform.html",
        who,
        platform=platform,
        history=history,
        trend=trend_points(history),
        due=due,
        certificates=[
            (c, certificates.public_status(c, on).status) for c in certificates.for_platform(session, who, platform_id)
        ],
    )


@router.get("/inspections/{inspection_id}", response_class=HTMLResponse)
def inspection_page(inspection_id: RowId, request: Request, session: DB, who: Who) -> Response:
    inspection = inspections.get_inspection(session, who, inspection_id)
    document = inspections.document_of(inspection)
    findings = [f for t in document.targets for f in t.failures()]
    comparison = inspections.diff_to_previous(session, who, inspection_id)
    return render(
        request,
        "inspection.html",
        who,
        inspection=inspection,
        document=document,
        findings=findings,
        comparison=comparison,
    )


@router.post("/inspections/{inspection_id}/rectification")
def issue_rectification(
    inspection_id: RowId, request: Request, session: DB, who: Who, csrf_token: Annotated[str, Form()] = ""
) -> Response:
    _csrf(request, csrf_token)
    notice = rectification.issue(session, who, inspection_id)
    return _back(f"/rectifications#notice-{notice.id}")


def _complaint_queue(
    request: Request, session: DB, who: Who, revealed: tuple[str, complaints.Revealed] | None
) -> Response:
    """The complaint queue page, with one complaint's revealed details when a regulator asked for them."""
    on = today()
    rows = complaints.queue(session, who, on)
    return render(
        request,
        "complaints.html",
        who,
        rows=[(c, complaints.is_overdue(c, on)) for c in rows],
        categories=complaints.categories(),
        revealed=revealed,
    )


@router.get("/complaints", response_class=HTMLResponse)
def complaint_queue(request: Request, session: DB, who: Who) -> Response:
    return _complaint_queue(request, session, who, None)


@router.post("/complaints/{reference}/status")
def move_complaint(
    reference: str,
    request: Request,
    session: DB,
    who: Who,
    status: Annotated[str, Form(max_length=20)],
    note: Annotated[str, Form(max_length=4000)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    _csrf(request, csrf_token)
    complaints.move(session, who, reference, status, note)
    return _back("/complaints")


@router.post("/complaints/{reference}/reveal", response_class=HTMLResponse)
def reveal_complaint(
    reference: str,
    request: Request,
    session: DB,
    who: Who,
    reason: Annotated[str, Form(max_length=2000)],
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    _csrf(request, csrf_token)
    revealed = complaints.reveal(session, who, registry_of(request).settings.keyring, reference, reason)
    return _complaint_queue(request, session, who, (reference, revealed))


@router.get("/complain", response_class=HTMLResponse)
def complaint_form(request: Request, session: DB, who: Who) -> Response:
    return render(
        request, "complain.html", who, categories=complaints.categories(), platforms=platforms.public_names(session)
    )


@router.post("/complain", response_class=HTMLResponse)
def complain(
    request: Request,
    session: DB,
    platform: Annotated[str, Form(max_length=200)],
    text: Annotated[str, Form(max_length=complaints.MAX_TEXT)],
    phone: Annotated[str, Form(max_length=20)],
    id_number: Annotated[str, Form(max_length=20)] = "",
    category: Annotated[str, Form(max_length=40)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    _csrf(request, csrf_token)
    registry = registry_of(request)
    registry.limiter.check("complaint", client_of(request))
    try:
        target = platforms.find_platform(session, platform)
        complaint = complaints.file_complaint(
            session, registry.settings.keyring, target, text, phone, id_number, category or None
        )
    except ServiceError as error:
        return render(
            request,
            "complain.html",
            status=422,
            categories=complaints.categories(),
            platforms=platforms.public_names(session),
            problem=error.reason,
            values={"platform": platform, "category": category},  # never echo phone, ID or text back
        )
    return render(request, "complained.html", complaint=complaint)


@router.get("/rectifications", response_class=HTMLResponse)
def rectification_page(request: Request, session: DB, who: Who) -> Response:
    return render(request, "rectifications.html", who, notices=rectification.notices(session, who, today()))


@router.post("/rectifications/{notice_id}/items/{item_id}/answer")
def answer_item(
    notice_id: RowId,
    item_id: RowId,
    request: Request,
    session: DB,
    who: Who,
    answer: Annotated[str, Form(max_length=4000)],
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    _csrf(request, csrf_token)
    rectification.answer(session, who, notice_id, item_id, answer)
    return _back(f"/rectifications#notice-{notice_id}")


@router.get("/breaches", response_class=HTMLResponse)
def breach_page(request: Request, session: DB, who: Who) -> Response:
    now = datetime.now(UTC)
    rows = [(b, breaches.deadlines(b, now)) for b in breaches.breaches(session, who)]
    return render(request, "breaches.html", who, rows=rows)


@router.get("/certificates", response_class=HTMLResponse)
def lookup_page(request: Request, session: DB, who: Who, number: str = "") -> Response:
    if not number:
        return render(request, "lookup.html", who, certificate=None, asked=False)
    registry_of(request).limiter.check("lookup", client_of(request))
    try:
        certificate = certificates.lookup(session, number[:40])
    except ServiceError:
        return render(request, "lookup.html", who, certificate=None, asked=True, status=404)
    inspection = session.get(Inspection, certificate.inspection_id)
    assert inspection is not None
    return render(
        request,
        "lookup.html",
        who,
        certificate=certificate,
        status_now=certificates.public_status(certificate, today()),
        signer=(inspection.signer, signers.name_of(session, inspection.signer)),
        asked=True,
    )
