"""Every label the dashboard shows, in Korean and English, plus money and time formatting.

One catalogue: ``CATALOGUE[key] = {"ko": ..., "en": ...}``. Text may hold ``{name}`` fields that
``t(key, name=...)`` fills in. Owner keys and staff keys live in separate sections so that the two
dashboard engineers can add keys without touching each other's lines.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

LANGS = ("ko", "en")
DEFAULT_LANG = "ko"
LANG_NAMES = {"ko": "한국어", "en": "English"}
WEEKDAYS = {
    "ko": ["월", "화", "수", "목", "금", "토", "일"],
    "en": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
}

CATALOGUE: dict[str, dict[str, str]] = {
    # --- framework: app, login, navigation -------------------------------------------------
    "app.title": {"ko": "로컬캐스트", "en": "localcast"},
    "app.tagline": {
        "ko": "우리 동네 공공 스크린 광고",
        "en": "Ads on your city's public screens",
    },
    "app.language": {"ko": "언어", "en": "Language"},
    "app.signed_in_as": {"ko": "{name} ({role}) 로그인 중", "en": "Signed in as {name} ({role})"},
    "app.business": {"ko": "사업장: {name}", "en": "Business: {name}"},
    "app.logout": {"ko": "로그아웃", "en": "Log out"},
    "app.session_ends": {"ko": "세션 만료: {when}", "en": "Session ends {when}"},
    "app.error_generic": {
        "ko": "문제가 발생했습니다. 잠시 후 다시 시도하거나 시청 담당자에게 문의하세요.",
        "en": "Something went wrong. Try again in a moment, or contact city staff.",
    },
    "app.access_denied": {
        "ko": "이 페이지를 볼 권한이 없습니다.",
        "en": "You do not have access to this page.",
    },
    "app.not_logged_in": {
        "ko": "로그인이 필요합니다.",
        "en": "Please log in.",
    },
    "app.not_ready": {
        "ko": "이 기능은 아직 준비 중입니다.",
        "en": "This feature is not available yet.",
    },
    "role.owner": {"ko": "사업주", "en": "shop owner"},
    "role.staff": {"ko": "시청 직원", "en": "city staff"},
    "role.admin": {"ko": "관리자", "en": "administrator"},
    "section.owner": {"ko": "내 사업장", "en": "My business"},
    "section.staff": {"ko": "시 운영", "en": "City operations"},
    "section.admin": {"ko": "관리", "en": "Administration"},
    "login.title": {"ko": "로그인", "en": "Log in"},
    "login.username": {"ko": "아이디", "en": "Username"},
    "login.password": {"ko": "비밀번호", "en": "Password"},
    "login.submit": {"ko": "로그인", "en": "Log in"},
    "login.missing": {
        "ko": "아이디와 비밀번호를 입력하세요.",
        "en": "Enter your username and password.",
    },
    "login.expired": {
        "ko": "세션이 만료되었습니다. 다시 로그인하세요.",
        "en": "Your session has ended. Please log in again.",
    },
    "login.logged_out": {"ko": "로그아웃되었습니다.", "en": "You are logged out."},
    # --- admin: user management -------------------------------------------------------------
    "page.admin_users": {"ko": "사용자 관리", "en": "Users"},
    "users.list": {"ko": "로그인 목록", "en": "Logins"},
    "users.add": {"ko": "로그인 추가", "en": "Add a login"},
    "users.username": {"ko": "아이디", "en": "Username"},
    "users.password": {"ko": "초기 비밀번호", "en": "Initial password"},
    "users.role": {"ko": "역할", "en": "Role"},
    "users.business": {"ko": "사업장 (사업주만)", "en": "Business (owners only)"},
    "users.display_name": {"ko": "표시 이름", "en": "Display name"},
    "users.created": {"ko": "{name} 로그인을 만들었습니다.", "en": "Created the login {name}."},
    "users.disable": {"ko": "로그인 사용 중지/재개", "en": "Disable or enable a login"},
    "users.pick": {"ko": "로그인 선택", "en": "Login"},
    "users.toggle": {"ko": "상태 바꾸기", "en": "Toggle"},
    "users.disabled": {"ko": "사용 중지", "en": "disabled"},
    "users.active": {"ko": "사용 중", "en": "active"},
    "users.toggled": {"ko": "{name}: {state}", "en": "{name}: {state}"},
    "users.self": {
        "ko": "자기 자신의 로그인은 중지할 수 없습니다.",
        "en": "You cannot disable your own login.",
    },
    "users.created_at": {"ko": "만든 때", "en": "Created"},
    "users.state": {"ko": "상태", "en": "State"},
    "common.none": {"ko": "없음", "en": "none"},
    "common.save": {"ko": "저장", "en": "Save"},
    "common.download_csv": {"ko": "CSV 내려받기", "en": "Download CSV"},
    "common.empty": {"ko": "아직 아무것도 없습니다.", "en": "Nothing here yet."},
    # --- owner pages ------------------------------------------------------------------------
    # --- staff pages (Engineer D2 adds keys below this line) -------------------------------
}


def normalise_lang(lang: str | None) -> str:
    return lang if lang in LANGS else DEFAULT_LANG


def translate(key: str, lang: str, **kw: Any) -> str:
    """The text for ``key`` in ``lang``; an unknown key shows itself so that it gets noticed."""
    entry = CATALOGUE.get(key)
    if entry is None:
        return key
    text = entry.get(normalise_lang(lang)) or entry.get("en") or key
    return text.format(**kw) if kw else text


def current_lang() -> str:
    """The language picked in this browser session (Korean until the user switches)."""
    try:
        import streamlit as st

        return normalise_lang(st.session_state.get("lang"))
    except Exception:  # outside a Streamlit run (unit tests, scripts)
        return DEFAULT_LANG


def t(key: str, **kw: Any) -> str:
    """Translate ``key`` into the session's language, filling ``{fields}`` from ``kw``."""
    return translate(key, current_lang(), **kw)


def money(krw: float | int | None) -> str:
    """Whole Korean won with a thousands separator: ``₩12,300``."""
    if krw is None:
        return "—"
    value = int(round(float(krw)))
    sign = "-" if value < 0 else ""
    return f"{sign}₩{abs(value):,}"


def city_tz() -> dt.tzinfo:
    from scheduler.settings import get_settings

    return get_settings().tz


def local_time(when: dt.datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """An aware UTC datetime shown in the city's zone; ``—`` when missing."""
    if when is None:
        return "—"
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.astimezone(city_tz()).strftime(fmt)


def weekday_names(lang: str | None = None) -> list[str]:
    return WEEKDAYS[normalise_lang(lang or current_lang())]
