"""The registry's ASGI application: state, dependencies, error handling and the periodic sweep."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from lendguard import __version__
from lendguard.registry.auth import PUBLIC, Principal, TokenCache, authenticate
from lendguard.registry.config import Settings
from lendguard.registry.db import ensure_schema, make_engine, session_factory, transaction
from lendguard.registry.errors import ServiceError
from lendguard.registry.jobs import Auditor, Worker
from lendguard.registry.schedule import schedule, today
from lendguard.registry.security import Csrf, RateLimiter, security_headers
from lendguard.registry.signers import ensure_own, signing_public_key
from lendguard.rulebase import RuleBase, load_rulebase

SESSION_COOKIE = "lg_session"
SWEEP_SECONDS = 3600
log = logging.getLogger("lendguard.registry")


@dataclass
class Registry:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    rulebase: RuleBase
    tokens: TokenCache
    limiter: RateLimiter
    csrf: Csrf
    worker: Worker | None = None  # audits uploaded bundles; None: no signing key, or a separate worker process
    own_signer: str | None = None  # base64 public key of the registry's signing key

    def poke_worker(self) -> None:
        if self.worker is not None:
            self.worker.poke()


def load_auditor(settings: Settings, rulebase: RuleBase) -> tuple[Auditor, str] | None:
    """The worker's rule base and signing key, and the key's public half; None without a key."""
    if settings.signing_key is None:
        return None
    return Auditor(rulebase, settings.signing_key), signing_public_key(settings.signing_key)


def registry_of(request: Request) -> Registry:
    registry: Registry = request.app.state.registry
    return registry


def db(request: Request) -> Iterator[Session]:
    """One transaction per request: committed when the handler returns, rolled back on an error."""
    with transaction(registry_of(request).sessions) as session:
        yield session


def api_principal(request: Request, session: Annotated[Session, Depends(db)]) -> Principal:
    """API callers authenticate with `Authorization: Bearer TOKEN` only (no cookies: no CSRF)."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        return PUBLIC
    principal = authenticate(session, token.strip(), registry_of(request).tokens)
    if principal is None:
        raise ServiceError.unauthorized()
    return principal


def page_principal(request: Request, session: Annotated[Session, Depends(db)]) -> Principal:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return PUBLIC
    return authenticate(session, token, registry_of(request).tokens) or PUBLIC


def sweep(registry: Registry) -> int:
    """Suspend the certificates of platforms whose periodic inspection is overdue."""
    from lendguard.registry.certificates import suspend_overdue

    with transaction(registry.sessions) as session:
        on = today()
        return len(suspend_overdue(session, schedule(session, registry.rulebase, on), on))


def create_app(settings: Settings, engine: Engine | None = None, migrate: bool = True, worker: bool = True) -> FastAPI:
    """The registry; `worker`: audit uploaded bundles in a thread of this process (else run
    `lendguard registry worker` beside it)."""
    engine = engine or make_engine(settings.database_url)
    if migrate and ensure_schema(engine):
        log.info("empty database: created the registry schema")
    keyring = settings.keyring
    rulebase = load_rulebase()
    auditing = load_auditor(settings, rulebase)
    sessions = session_factory(engine)
    if auditing is not None:
        with transaction(sessions) as session:
            ensure_own(session, auditing[1])
    registry = Registry(
        settings=settings,
        engine=engine,
        sessions=sessions,
        rulebase=rulebase,
        tokens=TokenCache(),
        limiter=RateLimiter(settings.public_rate_per_minute),
        csrf=Csrf(keyring.current.derive("registry-csrf", 32)),
        worker=Worker(sessions, auditing[0]) if auditing is not None and worker else None,
        own_signer=auditing[1] if auditing is not None else None,
    )

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        async def periodic() -> None:
            while True:
                try:
                    await asyncio.to_thread(sweep, registry)
                except Exception:  # keep sweeping; the failure is logged without request data
                    log.exception("periodic sweep failed")
                await asyncio.sleep(SWEEP_SECONDS)

        task = asyncio.create_task(periodic())
        if registry.worker is not None:
            registry.worker.start()
        yield
        task.cancel()
        if registry.worker is not None:
            await asyncio.to_thread(registry.worker.stop)

    app = FastAPI(
        title="LendGuard registry",
        version=__version__,
        description="Certificates, periodic inspections, rectification, complaints and breach notices.",
        lifespan=lifespan,
        docs_url=None,  # the interactive docs load script from a CDN, which the CSP (rightly) forbids
        redoc_url=None,
    )
    app.state.registry = registry
    app.middleware("http")(security_headers(settings.secure_cookies))

    @app.exception_handler(ServiceError)
    async def service_error(request: Request, error: ServiceError) -> Response:
        if request.url.path.startswith("/api/"):
            headers = {"WWW-Authenticate": "Bearer"} if error.status == 401 else None
            return JSONResponse({"detail": error.reason}, status_code=error.status, headers=headers)
        from lendguard.registry.pages import error_page

        return error_page(request, error.status, error.reason)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> Response:
        # the reasons without the submitted values (they may be a complainant's phone or ID)
        problems = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")} for e in error.errors()
        ]
        return JSONResponse({"detail": problems}, status_code=422)

    from lendguard.registry import api, pages

    app.include_router(api.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    return app
