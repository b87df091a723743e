"""Web hardening: security headers, a per-client rate limit for the public endpoints, and CSRF
tokens for forms (signed double-submit: a cookie and a hidden field that must match and carry
the server's HMAC)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable

from fastapi import HTTPException, Request
from starlette.responses import Response

CSRF_COOKIE = "lg_csrf"
CSRF_FIELD = "csrf_token"
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def security_headers(
    secure: bool,
) -> Callable[[Request, Callable[[Request], Awaitable[Response]]], Awaitable[Response]]:
    async def middleware(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if secure:
            response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        if "authorization" in request.headers or "lg_session" in request.cookies:
            response.headers["Cache-Control"] = "no-store"
        return response

    return middleware


class RateLimiter:
    """At most `per_minute` requests per client and bucket in any sliding minute (in memory: one
    process; put a limiter in the reverse proxy too when running several workers)."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._hits: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def check(self, bucket: str, client: str) -> None:
        now = time.monotonic()
        with self._lock:
            if len(self._hits) > 50_000:
                self._hits.clear()
            hits = self._hits.setdefault((bucket, client), deque())
            while hits and hits[0] <= now - 60:
                hits.popleft()
            if len(hits) >= self.per_minute:
                retry = int(60 - (now - hits[0])) + 1
                raise HTTPException(429, "too many requests; try again later", headers={"Retry-After": str(retry)})
            hits.append(now)


def client_of(request: Request) -> str:
    return request.client.host if request.client else "unknown"


class Csrf:
    def __init__(self, key: bytes) -> None:
        self._key = key

    def _sign(self, nonce: str) -> str:
        return hmac.new(self._key, nonce.encode(), hashlib.sha256).hexdigest()[:32]

    def token(self, request: Request) -> str:
        """The request's CSRF token: the cookie's if it is genuine, else a new one."""
        current = request.cookies.get(CSRF_COOKIE, "")
        if self.valid(current):
            return current
        nonce = secrets.token_urlsafe(16)
        return f"{nonce}.{self._sign(nonce)}"

    def valid(self, token: str) -> bool:
        nonce, _, signature = token.partition(".")
        return bool(nonce) and hmac.compare_digest(signature, self._sign(nonce))

    def check(self, request: Request, submitted: str) -> None:
        cookie = request.cookies.get(CSRF_COOKIE, "")
        if not (cookie and self.valid(cookie) and hmac.compare_digest(cookie, submitted)):
            raise HTTPException(403, "CSRF check failed: reload the form and submit it again")
