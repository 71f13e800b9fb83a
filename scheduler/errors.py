"""The project's exception types. Messages are written for the person who has to act on them."""

from __future__ import annotations


class LocalcastError(Exception):
    """Base of every error localcast raises on purpose. ``code`` is stable for scripts and APIs."""

    code: str = "error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return self.message


class NotFound(LocalcastError):
    code = "not_found"


class ValidationFailed(LocalcastError):
    """Input was refused; ``message`` says what is wrong and how to fix it."""

    code = "invalid"


class PermissionDenied(LocalcastError):
    code = "forbidden"


class AuthenticationFailed(LocalcastError):
    code = "unauthenticated"


class Conflict(LocalcastError):
    code = "conflict"


class PlanRejected(LocalcastError):
    """A plan failed the independent checker and was not published."""

    code = "plan_rejected"
