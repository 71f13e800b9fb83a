"""Small widgets the staff pages share: local times, CSV downloads, screen pickers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pandas as pd
import streamlit as st

from dashboard.i18n import t
from scheduler.reports import to_csv_bytes
from scheduler.settings import get_settings


def tz_name() -> str:
    return get_settings().timezone


def local(series: pd.Series) -> pd.Series:
    """UTC datetimes shown as naive city-local times (tables and charts read them as wall time)."""
    return pd.to_datetime(series, utc=True).dt.tz_convert(tz_name()).dt.tz_localize(None)


def local_to_utc(day: dt.date, time: dt.time) -> dt.datetime:
    """A date and wall-clock time picked in the city's zone, as an aware UTC datetime."""
    return dt.datetime.combine(day, time, tzinfo=get_settings().tz).astimezone(dt.UTC)


def csv_download(frame: pd.DataFrame, filename: str, key: str) -> None:
    st.download_button(
        t("common.download_csv"),
        data=to_csv_bytes(frame),
        file_name=filename,
        mime="text/csv",
        key=key,
        icon=":material/download:",
    )


def pick_screen(frame: pd.DataFrame, key: str, label_key: str = "staff.pick_screen") -> int | None:
    """A screen picker over a screens frame (``id``, ``name``, ``zone``); None when none exist."""
    if frame.empty:
        st.info(t("staff.no_screens"))
        return None
    labels = {
        int(row.id): f"{row.name} · {row.zone or '—'} (#{row.id})" for row in frame.itertuples()
    }
    return st.selectbox(t(label_key), list(labels), format_func=labels.__getitem__, key=key)


FLASH_KEY = "staff_flash"


def flash(kind: str, text: str, secret: str | None = None) -> None:
    """Keep a message for the next run and rerun, so the page redraws with fresh data.

    ``secret`` (a new screen token) is shown once, on that next run only, then forgotten.
    """
    st.session_state[FLASH_KEY] = (kind, text, secret)
    st.rerun()


def show_flash() -> None:
    kind, text, secret = st.session_state.pop(FLASH_KEY, (None, None, None))
    if kind is None:
        return
    getattr(st, kind)(text)
    if secret:
        st.code(secret, language=None)


def labels(prefix: str, values: list[str]) -> Callable[[str], str]:
    """A ``format_func`` translating ``values`` now, in this run's language.

    A lambda calling ``t`` would run later, possibly outside the session (Streamlit's test
    harness formats options in its own thread), and then speak the default language.
    """
    names = {value: t(f"{prefix}{value}") for value in values}
    return names.__getitem__
