"""Screen registration and bearer tokens (issued once, stored hashed, revocable)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.errors import AuthenticationFailed, Conflict, NotFound, ValidationFailed
from scheduler.models import Screen, Zone, utcnow
from scheduler.security import hash_token, new_token


def register_screen(
    session: Session,
    name: str,
    *,
    zone_id: int | None = None,
    width_px: int = 1080,
    height_px: int = 1920,
    **fields: object,
) -> tuple[Screen, str]:
    """Create a screen and its token. The token is returned here once and never again."""
    if not name.strip():
        raise ValidationFailed("A screen needs a name.")
    if width_px <= 0 or height_px <= 0:
        raise ValidationFailed(f"Screen size {width_px}x{height_px} must be positive.")
    if zone_id is not None and session.get(Zone, zone_id) is None:
        raise ValidationFailed(f"There is no zone with id {zone_id}.")
    if session.scalar(select(Screen).where(Screen.name == name)) is not None:
        raise Conflict(f"A screen named {name!r} exists already.")
    screen = Screen(name=name, zone_id=zone_id, width_px=width_px, height_px=height_px, **fields)
    session.add(screen)
    token = issue_token(screen)
    session.flush()
    return screen, token


def issue_token(screen: Screen) -> str:
    """Give the screen a fresh token (rotation); the old one stops working at once."""
    token = new_token("scr")
    screen.token_hash = hash_token(token)
    screen.token_issued_at = utcnow()
    return token


def revoke_token(session: Session, screen_id: int) -> None:
    screen = session.get(Screen, screen_id)
    if screen is None:
        raise NotFound(f"There is no screen with id {screen_id}.")
    screen.token_hash = None


def screen_for_token(session: Session, token: str) -> Screen:
    """The active screen holding ``token``, or ``AuthenticationFailed``."""
    screen = session.scalar(select(Screen).where(Screen.token_hash == hash_token(token)))
    if screen is None or screen.status != "active":
        raise AuthenticationFailed("Unknown or revoked screen token.")
    return screen
