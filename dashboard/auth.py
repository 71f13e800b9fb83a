"""Dashboard login sessions: a random token per login, stored hashed, with an expiry.

Free of Streamlit so that it can be tested and reused; ``dashboard.ui`` keeps the token in
``st.session_state`` and asks this module who it belongs to on every run.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine, select

from scheduler.db import session_scope
from scheduler.models import Business, LoginSession, User, utcnow
from scheduler.security import hash_token, new_token
from scheduler.users import authenticate


@dataclass(frozen=True)
class SessionUser:
    """The logged-in person as the pages need them, detached from any database session."""

    id: int
    username: str
    role: str
    business_id: int | None
    business_name: str | None
    display_name: str
    locale: str
    session_expires_at: dt.datetime

    @property
    def is_owner(self) -> bool:
        return self.role == "owner"

    @property
    def is_staff(self) -> bool:
        return self.role in ("staff", "admin")


def log_in(engine: Engine, username: str, password: str, *, hours: int) -> str:
    """Check the credentials and open a session; the token is returned once, stored hashed.

    Raises ``AuthenticationFailed`` with the same message for an unknown user and a wrong password.
    """
    with session_scope(engine) as session:
        user = authenticate(session, username, password)
        token = new_token("ds")
        now = utcnow()
        session.add(
            LoginSession(
                token_hash=hash_token(token),
                user_id=user.id,
                created_at=now,
                expires_at=now + dt.timedelta(hours=hours),
            )
        )
    return token


def user_for_token(
    engine: Engine, token: str | None, now: dt.datetime | None = None
) -> SessionUser | None:
    """The user of a live session, or None when the token is unknown, ended, expired or disabled."""
    if not token:
        return None
    now = now or utcnow()
    with session_scope(engine) as session:
        row = session.execute(
            select(LoginSession, User)
            .join(User, User.id == LoginSession.user_id)
            .where(LoginSession.token_hash == hash_token(token))
        ).first()
        if row is None:
            return None
        login, user = row
        if login.ended_at is not None or login.expires_at <= now or user.disabled:
            return None
        business_name = None
        if user.business_id is not None:
            business = session.get(Business, user.business_id)
            business_name = business.name if business else None
        return SessionUser(
            id=user.id,
            username=user.username,
            role=user.role,
            business_id=user.business_id,
            business_name=business_name,
            display_name=user.display_name or user.username,
            locale=user.locale,
            session_expires_at=login.expires_at,
        )


def log_out(engine: Engine, token: str | None) -> None:
    """End the session so that the token is refused from now on, even if someone kept a copy."""
    if not token:
        return
    with session_scope(engine) as session:
        login = session.scalar(
            select(LoginSession).where(LoginSession.token_hash == hash_token(token))
        )
        if login is not None and login.ended_at is None:
            login.ended_at = utcnow()
