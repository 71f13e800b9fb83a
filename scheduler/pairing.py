"""Pairing a new screen: it shows a short code, staff claim the code, the screen collects its token.

The device proves it is the one that asked for the code with a secret only it knows (stored hashed).
The screen's token is stored hashed on the screen; its plaintext waits in ``pending_token`` only
until the device collects it, once.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from scheduler.errors import (
    AuthenticationFailed,
    Conflict,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from scheduler.models import PairingCode, Screen, User, utcnow
from scheduler.screens import issue_token, register_screen
from scheduler.security import hash_token, new_token

# No 0/O, 1/I/L: a person reads the code off a screen across a room.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6
CODE_TTL = dt.timedelta(minutes=15)
STAFF_ROLES = ("staff", "admin")


def normalise_code(code: str) -> str:
    """Upper case without spaces or dashes, as people type it (``abc-123`` → ``ABC123``)."""
    return "".join(ch for ch in code.upper() if ch not in " -_\t")


def _new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def start_pairing(session: Session, *, now: dt.datetime | None = None) -> tuple[str, str]:
    """A fresh pairing code and the device's secret for collecting the token later."""
    now = now or utcnow()
    # Expired codes nobody is waiting for any more free their letters for reuse.
    session.execute(
        delete(PairingCode).where(
            PairingCode.expires_at < now - CODE_TTL, PairingCode.pending_token.is_(None)
        )
    )
    for _ in range(20):
        code = _new_code()
        if session.scalar(select(PairingCode.id).where(PairingCode.code == code)) is None:
            break
    else:  # 31**6 codes: only a flood of open pairings gets here
        raise Conflict("Could not find a free pairing code; try again in a minute.")
    secret = new_token("pair")
    session.add(
        PairingCode(
            code=code,
            device_secret_hash=hash_token(secret),
            created_at=now,
            expires_at=now + CODE_TTL,
        )
    )
    session.flush()
    return code, secret


def _staff(session: Session, staff_user_id: int) -> User:
    user = session.get(User, staff_user_id)
    if user is None or user.disabled or user.role not in STAFF_ROLES:
        raise PermissionDenied("Only staff can pair screens.")
    return user


def claim_code(
    session: Session,
    code: str,
    *,
    screen_id: int | None = None,
    new_screen_fields: dict[str, Any] | None = None,
    staff_user_id: int,
    now: dt.datetime | None = None,
) -> Screen:
    """Staff claim ``code`` for an existing screen or a new one; the device gets a fresh token.

    Pairing an existing screen rotates its token: the old one stops working at once.
    """
    now = now or utcnow()
    _staff(session, staff_user_id)
    if (screen_id is None) == (new_screen_fields is None):
        raise ValidationFailed("Name either an existing screen or the fields of a new screen.")
    pairing = session.scalar(select(PairingCode).where(PairingCode.code == normalise_code(code)))
    if pairing is None:
        raise NotFound(f"No screen is showing the pairing code {code!r}; check the code.")
    if pairing.claimed_at is not None:
        raise Conflict(f"The pairing code {pairing.code} was used already; restart the screen.")
    if pairing.expires_at <= now:
        raise ValidationFailed(
            f"The pairing code {pairing.code} has expired; the screen will show a new one.",
            code="expired",
        )
    # Claim first, conditionally, so that two staff claiming at once cannot both win.
    won = session.execute(
        update(PairingCode)
        .where(PairingCode.id == pairing.id, PairingCode.claimed_at.is_(None))
        .values(claimed_at=now, claimed_by_id=staff_user_id)
        .execution_options(synchronize_session=False)
    )
    if won.rowcount != 1:
        raise Conflict(f"The pairing code {pairing.code} was used already; restart the screen.")
    if screen_id is not None:
        screen = session.get(Screen, screen_id)
        if screen is None:
            raise NotFound(f"There is no screen with id {screen_id}.")
        if screen.status != "active":
            raise ValidationFailed(f"Screen {screen_id} is retired; it cannot be paired.")
        token = issue_token(screen)
    else:
        fields = dict(new_screen_fields or {})
        name = str(fields.pop("name", "") or "")
        screen, token = register_screen(session, name, **fields)
    session.flush()
    session.execute(
        update(PairingCode)
        .where(PairingCode.id == pairing.id)
        .values(screen_id=screen.id, pending_token=token)
        .execution_options(synchronize_session=False)
    )
    session.expire(pairing)
    return screen


def poll_pairing(
    session: Session, code: str, device_secret: str, *, now: dt.datetime | None = None
) -> str | None:
    """The screen's token once staff claimed the code (handed over once), else ``None``."""
    now = now or utcnow()
    pairing = session.scalar(select(PairingCode).where(PairingCode.code == normalise_code(code)))
    if pairing is None or not hmac.compare_digest(
        pairing.device_secret_hash, hash_token(device_secret)
    ):
        # Same answer for an unknown code and a wrong secret: codes cannot be probed.
        raise AuthenticationFailed("Unknown pairing code or wrong device secret.")
    if pairing.claimed_at is None:
        if pairing.expires_at <= now:
            raise ValidationFailed(
                "The pairing code has expired; ask for a new one.", code="expired"
            )
        return None
    token = pairing.pending_token
    if token is None:
        raise Conflict("The token for this pairing was collected already.", code="delivered")
    # Hand over once: only the request that clears the token returns it.
    taken = session.execute(
        update(PairingCode)
        .where(PairingCode.id == pairing.id, PairingCode.pending_token == token)
        .values(pending_token=None, delivered_at=now)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:
        raise Conflict("The token for this pairing was collected already.", code="delivered")
    session.expire(pairing)
    return token
