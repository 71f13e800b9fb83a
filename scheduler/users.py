"""Logins and roles."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.errors import AuthenticationFailed, Conflict, ValidationFailed
from scheduler.models import ROLES, Business, User
from scheduler.security import hash_password, verify_password

MIN_PASSWORD = 8


def create_user(
    session: Session,
    username: str,
    password: str,
    role: str,
    *,
    business_id: int | None = None,
    display_name: str | None = None,
    locale: str = "ko",
    password_hash: str | None = None,
) -> User:
    """Create a login. Owners must name their business; staff and admins must not.

    ``password_hash`` (an argon2 hash of ``password``) saves re-hashing when many logins share
    one password, as the demo's do.
    """
    username = username.strip()
    if not username:
        raise ValidationFailed("A username is required.")
    if role not in ROLES:
        raise ValidationFailed(f"Unknown role {role!r}; choose one of {', '.join(ROLES)}.")
    if len(password) < MIN_PASSWORD:
        raise ValidationFailed(f"The password must have at least {MIN_PASSWORD} characters.")
    if role == "owner":
        if business_id is None:
            raise ValidationFailed("An owner login needs --business, the id of their business.")
        if session.get(Business, business_id) is None:
            raise ValidationFailed(f"There is no business with id {business_id}.")
    elif business_id is not None:
        raise ValidationFailed(f"A {role} login belongs to the city, not to a business.")
    if session.scalar(select(User).where(User.username == username)) is not None:
        raise Conflict(f"The username {username!r} is taken.")
    user = User(
        username=username,
        password_hash=password_hash or hash_password(password),
        role=role,
        business_id=business_id,
        display_name=display_name or username,
        locale=locale,
    )
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, username: str, password: str) -> User:
    """The user with these credentials, or ``AuthenticationFailed`` (same message either way)."""
    user = session.scalar(select(User).where(User.username == username.strip()))
    if user is None or user.disabled or not verify_password(user.password_hash, password):
        raise AuthenticationFailed("Wrong username or password.")
    return user
