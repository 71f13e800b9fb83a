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
    "page.owner_ads": {"ko": "내 광고", "en": "My ads"},
    "page.owner_new_campaign": {"ko": "새 캠페인", "en": "New campaign"},
    "page.owner_campaigns": {"ko": "내 캠페인", "en": "My campaigns"},
    "page.owner_statement": {"ko": "정산서", "en": "Statement"},
    "ads.caption": {
        "ko": "광고 이미지를 올리면 시청 담당자가 검토합니다. 승인된 광고만 스크린에 나갑니다.",
        "en": "Upload an ad image; city staff review it. Only approved ads reach the screens.",
    },
    "ads.mine": {"ko": "내 광고 목록", "en": "My ads"},
    "ads.upload": {"ko": "새 광고 올리기", "en": "Upload an ad"},
    "ads.file": {"ko": "광고 이미지 파일", "en": "Ad image file"},
    "ads.file_help": {
        "ko": "PNG, JPEG, WebP 이미지. 스크린 크기에 맞게 자동으로 변환됩니다.",
        "en": "A PNG, JPEG or WebP image. It is fitted to each screen size for you.",
    },
    "ads.name": {"ko": "광고 이름", "en": "Name of the ad"},
    "ads.name_placeholder": {"ko": "예: 봄맞이 할인", "en": "e.g. Spring sale"},
    "ads.fit": {"ko": "화면 맞춤", "en": "Fit to the screen"},
    "ads.fit_contain": {"ko": "전체 보이기 (여백 채움)", "en": "Show all (fill the margins)"},
    "ads.fit_cover": {"ko": "화면 채우기 (가장자리 잘림)", "en": "Fill the screen (crop edges)"},
    "ads.background": {"ko": "여백 색", "en": "Margin colour"},
    "ads.focal_x": {"ko": "중심 (가로)", "en": "Focus (across)"},
    "ads.focal_y": {"ko": "중심 (세로)", "en": "Focus (down)"},
    "ads.pick_file": {
        "ko": "이미지를 고르면 스크린 크기별 미리보기가 나타납니다.",
        "en": "Pick an image to see it on every screen size.",
    },
    "ads.preview": {"ko": "스크린별 미리보기", "en": "Preview on each screen size"},
    "ads.preview_caption": {"ko": "{w}×{h} · 스크린 {n}대", "en": "{w}×{h} · {n} screens"},
    "ads.no_screens": {
        "ko": "아직 등록된 스크린이 없습니다.",
        "en": "No screens are registered yet.",
    },
    "ads.submit": {"ko": "검토 요청하기", "en": "Upload for review"},
    "ads.uploaded": {
        "ko": "'{name}' 광고를 올렸습니다. 검토를 기다리는 중입니다.",
        "en": "Uploaded '{name}'. It is waiting for review.",
    },
    "ads.none_yet": {
        "ko": "아직 올린 광고가 없습니다. '새 광고 올리기' 탭에서 시작하세요.",
        "en": "No ads yet. Start in the 'Upload an ad' tab.",
    },
    "ads.no_picture": {"ko": "이미지 없음", "en": "no picture"},
    "ads.status_pending": {"ko": "검토 중", "en": "pending review"},
    "ads.status_approved": {"ko": "승인됨", "en": "approved"},
    "ads.status_rejected": {"ko": "반려됨", "en": "rejected"},
    "ads.details": {
        "ko": "{w}×{h} · {fit} · 올린 때 {when}",
        "en": "{w}×{h} · {fit} · uploaded {when}",
    },
    "ads.rejected_reason": {"ko": "반려 사유: {reason}", "en": "Reason for rejection: {reason}"},
    "new.caption": {
        "ko": "어디에, 언제, 얼마나: 예상 노출과 비용을 확인한 뒤 신청하세요.",
        "en": "Where, when and how much: check the expected plays and cost, then book.",
    },
    "new.need_ad": {
        "ko": "캠페인을 만들려면 먼저 광고 이미지를 올리세요.",
        "en": "Upload an ad image first; a campaign needs one.",
    },
    "new.no_screens": {
        "ko": "예약할 수 있는 스크린이 없습니다.",
        "en": "There are no screens to book.",
    },
    "new.name": {"ko": "캠페인 이름", "en": "Campaign name"},
    "new.creative": {"ko": "광고", "en": "Ad"},
    "new.starts_on": {"ko": "시작일", "en": "First day"},
    "new.ends_on": {"ko": "종료일", "en": "Last day"},
    "new.budget": {"ko": "총 예산 (원)", "en": "Total budget (KRW)"},
    "new.budget_help": {
        "ko": "예산 {amount} 안에서 기간 동안 고르게 집행됩니다.",
        "en": "Up to {amount}, spent evenly over the flight.",
    },
    "new.where": {"ko": "어디에", "en": "Where"},
    "new.target_mode": {"ko": "대상 고르기", "en": "Choose by"},
    "new.mode_zones": {"ko": "구역", "en": "zone"},
    "new.mode_screens": {"ko": "스크린 (지도)", "en": "screen (map)"},
    "new.mode_everywhere": {"ko": "모든 스크린", "en": "every screen"},
    "new.zones": {"ko": "구역", "en": "Zones"},
    "new.screens": {"ko": "스크린", "en": "Screens"},
    "new.map_help": {
        "ko": "지도에서 점을 누르거나 목록에서 스크린을 고르세요. 주황색이 선택된 스크린입니다.",
        "en": "Click dots on the map or pick from the list; orange dots are chosen.",
    },
    "new.reach": {"ko": "스크린 {total}대 중 {n}대 선택", "en": "{n} of {total} screens chosen"},
    "new.when": {"ko": "언제", "en": "When"},
    "new.preset": {"ko": "시간대 빠른 선택", "en": "Quick hours"},
    "new.preset_daytime": {"ko": "매일 07–22시", "en": "Every day 07–22"},
    "new.preset_all_day": {"ko": "하루 종일", "en": "All day"},
    "new.preset_commute": {"ko": "평일 출퇴근", "en": "Weekday commute"},
    "new.preset_lunch": {"ko": "점심 11–14시", "en": "Lunch 11–14"},
    "new.preset_evenings": {"ko": "저녁 17–23시", "en": "Evenings 17–23"},
    "new.preset_weekends": {"ko": "주말", "en": "Weekends"},
    "new.hours_chosen": {"ko": "주당 {n}시간 선택", "en": "{n} hours a week chosen"},
    "new.quote": {"ko": "예상 견적", "en": "Quote"},
    "new.quoting": {"ko": "견적 계산 중…", "en": "Working out the quote…"},
    "new.need_name": {"ko": "캠페인 이름을 입력하세요.", "en": "Give the campaign a name."},
    "new.need_dates": {"ko": "기간을 고르세요.", "en": "Choose the dates."},
    "new.dates_order": {
        "ko": "종료일이 시작일보다 앞설 수 없습니다.",
        "en": "The last day cannot come before the first day.",
    },
    "new.need_budget": {"ko": "예산을 입력하세요.", "en": "Enter a budget."},
    "new.need_hours": {"ko": "시간대를 하나 이상 고르세요.", "en": "Choose at least one hour."},
    "new.need_screens": {"ko": "스크린을 하나 이상 고르세요.", "en": "Choose at least one screen."},
    "new.submit": {"ko": "캠페인 신청", "en": "Book the campaign"},
    "new.submitted": {
        "ko": "'{name}' 캠페인을 신청했습니다. 시청 승인 후 방송됩니다.",
        "en": "Booked '{name}'. It plays once city staff approve it.",
    },
    "quote.plays": {"ko": "예상 재생 수", "en": "Expected plays"},
    "quote.audience": {"ko": "예상 노출 인원", "en": "Expected audience"},
    "quote.cost_per_day": {"ko": "하루 비용", "en": "Cost per day"},
    "quote.total": {"ko": "총 비용", "en": "Total cost"},
    "quote.tiers": {"ko": "적용 요금 등급: {tiers}", "en": "Price tiers used: {tiers}"},
    "quote.per_day": {"ko": "일별 예상", "en": "Per day"},
    "quote.day": {"ko": "날짜", "en": "Day"},
    "quote.col_plays": {"ko": "재생", "en": "Plays"},
    "quote.col_audience": {"ko": "노출", "en": "Audience"},
    "quote.col_cost": {"ko": "비용", "en": "Cost"},
    "quote.tier_table": {"ko": "요금 등급별", "en": "By price tier"},
    "quote.tier": {"ko": "등급", "en": "Tier"},
    "quote.budget_short": {
        "ko": "예산으로 예상 재생의 일부만 가능합니다: 예산을 늘리거나 대상을 줄이세요.",
        "en": "The budget buys only part of what is available: raise it or narrow the targeting.",
    },
    "camp.caption": {
        "ko": "계획 대비 실제 재생, 노출, 지출을 날짜별로 봅니다.",
        "en": "Plays, audience and spend per day, planned against delivered.",
    },
    "camp.none_yet": {"ko": "아직 캠페인이 없습니다.", "en": "No campaigns yet."},
    "camp.col_name": {"ko": "캠페인", "en": "Campaign"},
    "camp.col_status": {"ko": "상태", "en": "Status"},
    "camp.col_flight": {"ko": "기간", "en": "Flight"},
    "camp.col_budget": {"ko": "예산", "en": "Budget"},
    "camp.col_plays": {"ko": "재생", "en": "Plays"},
    "camp.col_spend": {"ko": "지출", "en": "Spend"},
    "camp.pick": {"ko": "자세히 볼 캠페인", "en": "Campaign to look at"},
    "camp.not_yours": {
        "ko": "요청한 캠페인을 찾을 수 없습니다.",
        "en": "The campaign you asked for was not found.",
    },
    "camp.status_draft": {"ko": "작성 중", "en": "draft"},
    "camp.status_pending": {"ko": "승인 대기", "en": "waiting for approval"},
    "camp.status_approved": {"ko": "진행 중", "en": "approved"},
    "camp.status_paused": {"ko": "일시 중지", "en": "paused"},
    "camp.status_rejected": {"ko": "반려됨", "en": "rejected"},
    "camp.status_completed": {"ko": "종료", "en": "completed"},
    "camp.status_cancelled": {"ko": "취소됨", "en": "cancelled"},
    "camp.rejected_reason": {"ko": "반려 사유: {reason}", "en": "Reason for rejection: {reason}"},
    "camp.plays": {"ko": "재생 수", "en": "Plays"},
    "camp.plays_help": {
        "ko": "스크린이 끝까지 재생했다고 보고한 횟수",
        "en": "Plays the screens reported as run in full",
    },
    "camp.audience": {"ko": "노출 인원", "en": "Audience"},
    "camp.audience_help": {
        "ko": "예상 유동인구 × 재생 시간 / 3600 × 가시성",
        "en": "Forecast passers-by × play length / 3600 × visibility",
    },
    "camp.spend": {"ko": "지출", "en": "Spend"},
    "camp.budget_left": {"ko": "남은 예산", "en": "Budget left"},
    "camp.no_delivery": {
        "ko": "아직 계획되거나 재생된 내역이 없습니다. 승인 후 다음 계획에 반영됩니다.",
        "en": "Nothing planned or played yet; an approved campaign joins the next plan.",
    },
    "camp.planned": {"ko": "계획", "en": "planned"},
    "camp.delivered": {"ko": "실제", "en": "delivered"},
    "camp.chart_plays": {"ko": "일별 재생 수", "en": "Plays per day"},
    "camp.chart_audience": {"ko": "일별 노출 인원", "en": "Audience per day"},
    "camp.chart_spend": {"ko": "일별 지출 (원)", "en": "Spend per day (KRW)"},
    "camp.pause": {"ko": "일시 중지", "en": "Pause"},
    "camp.resume": {"ko": "다시 시작", "en": "Resume"},
    "stmt.caption": {
        "ko": "캠페인별, 월별 재생과 청구 금액 (일일 정산 기준).",
        "en": "Plays and charges per campaign and month, as billed by the daily roll-up.",
    },
    "stmt.none_yet": {"ko": "아직 청구 내역이 없습니다.", "en": "Nothing has been billed yet."},
    "stmt.month": {"ko": "월", "en": "Month"},
    "stmt.all_months": {"ko": "전체 기간", "en": "All months"},
    "stmt.plays": {"ko": "재생 수", "en": "Plays"},
    "stmt.audience": {"ko": "노출 인원", "en": "Audience"},
    "stmt.charges": {"ko": "청구 금액", "en": "Charges"},
    "stmt.col_month": {"ko": "월", "en": "Month"},
    "stmt.col_campaign": {"ko": "캠페인", "en": "Campaign"},
    "stmt.col_days": {"ko": "일수", "en": "Days"},
    "stmt.col_plays": {"ko": "재생", "en": "Plays"},
    "stmt.col_audience": {"ko": "노출", "en": "Audience"},
    "stmt.col_charge": {"ko": "청구 (원)", "en": "Charge (KRW)"},
    "stmt.chart": {"ko": "월별 청구 금액", "en": "Charges per month"},
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
