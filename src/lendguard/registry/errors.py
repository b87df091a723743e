"""Service errors; the API turns them into 400/403/404/409/422 with the reason, never a traceback."""

from __future__ import annotations

from lendguard.registry.auth import Principal, Role


class ServiceError(Exception):
    status = 400

    def __init__(self, reason: str, status: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        if status is not None:
            self.status = status

    @classmethod
    def unauthorized(cls) -> ServiceError:
        return cls("invalid or revoked token", 401)


class InvalidError(ServiceError):
    status = 422


class ForbiddenError(ServiceError):
    status = 403


class NotFoundError(ServiceError):
    status = 404


class ConflictError(ServiceError):
    status = 409


def require(principal: Principal, *roles: Role) -> None:
    if principal.role not in roles:
        raise ForbiddenError("login required" if principal.is_public else f"not allowed for role {principal.role}")


def visible(principal: Principal, platform_id: int, what: str) -> None:
    """A platform user sees only its own records; others' look as if they did not exist."""
    if principal.role is Role.platform and principal.platform_id != platform_id:
        raise NotFoundError(f"no such {what}")
