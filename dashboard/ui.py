"""Helpers every dashboard page uses: the engine, the logged-in user, the role guard, errors.

A page starts with ``user = ui.require_role("owner")`` and wraps its actions in
``with ui.errors():`` so that a refused action shows our message and nothing else.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from dashboard import auth
from dashboard.i18n import t
from scheduler.db import engine_for, session_scope
from scheduler.errors import LocalcastError
from scheduler.settings import Settings, get_settings

log = logging.getLogger("localcast.dashboard")

TOKEN_KEY = "lc_token"  # the only login state kept in the browser session


def settings() -> Settings:
    return get_settings()


def engine() -> Engine:
    """The configured database's engine (one per URL per process)."""
    return engine_for(settings().effective_database_url)


@contextmanager
def db() -> Iterator[Session]:
    """A unit of work: commits at the end of the block, rolls back on an error."""
    with session_scope(engine()) as session:
        yield session


def session_user() -> auth.SessionUser | None:
    """Who holds this browser session, re-read from the database on every call."""
    token = st.session_state.get(TOKEN_KEY)
    user = auth.user_for_token(engine(), token) if isinstance(token, str) else None
    if user is None and token:
        # Expired, ended or disabled: forget the token so the login page shows.
        st.session_state.pop(TOKEN_KEY, None)
        st.session_state["login_notice"] = "login.expired"
    return user


def current_user() -> auth.SessionUser:
    """The logged-in user, or stop the page with a request to log in."""
    user = session_user()
    if user is None:
        st.warning(t("app.not_logged_in"))
        st.stop()
    return user


def require_role(*roles: str) -> auth.SessionUser:
    """Stop the page unless the logged-in user has one of ``roles`` (defence beyond navigation)."""
    user = current_user()
    if user.role not in roles:
        st.error(t("app.access_denied"))
        st.stop()
    return user


def show_error(exc: BaseException) -> None:
    """Our errors show their message; anything else a generic one (details go to the log only)."""
    if isinstance(exc, LocalcastError):
        st.error(exc.message)
    else:
        log.exception("dashboard error", exc_info=exc)
        st.error(t("app.error_generic"))


@contextmanager
def errors() -> Iterator[None]:
    """Show any exception raised in the block with ``show_error`` instead of a traceback."""
    try:
        yield
    except Exception as exc:  # Streamlit's stop/rerun are BaseException and pass through
        show_error(exc)


def page_title(key: str, caption_key: str | None = None) -> None:
    st.title(t(key))
    if caption_key:
        st.caption(t(caption_key))
