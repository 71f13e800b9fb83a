"""Every label the dashboard shows, in Korean and English, plus money and time formatting.

One catalogue: ``CATALOGUE[key] = {"ko": ..., "en": ...}``. Text may hold ``{name}`` fields that
``t(key, name=...)`` fills in. Owner keys and staff keys live in separate sections so that the two
dashboard engineers can add keys without touching each other's lines.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
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
    "ads.show_on_screens": {"ko": "스크린별로 보기", "en": "Show on each screen size"},
    "ads.rendering": {"ko": "스크린 크기별로 만드는 중…", "en": "Rendering for each screen size…"},
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
    "page.staff_screens": {"ko": "스크린", "en": "Screens"},
    "page.staff_traffic": {"ko": "유동 인구", "en": "Foot traffic"},
    "page.staff_policy": {"ko": "쿼터와 요금", "en": "Quotas and pricing"},
    "page.staff_review": {"ko": "심사", "en": "Review"},
    "page.staff_businesses": {"ko": "사업장 확인", "en": "Businesses"},
    "page.staff_schedule": {"ko": "편성표", "en": "Schedule"},
    "page.staff_reports": {"ko": "보고서", "en": "Reports"},
    "page.staff_jobs": {"ko": "작업", "en": "Jobs"},
    "staff.screen": {"ko": "스크린", "en": "Screen"},
    "staff.zone": {"ko": "구역", "en": "Zone"},
    "staff.who": {"ko": "처리자", "en": "By"},
    "staff.when": {"ko": "일시", "en": "When"},
    "staff.pick_screen": {"ko": "스크린 선택", "en": "Screen"},
    "staff.no_screens": {"ko": "등록된 스크린이 없습니다.", "en": "No screens are registered yet."},
    "staff.status.pending": {"ko": "심사 대기", "en": "pending"},
    "staff.status.approved": {"ko": "승인됨", "en": "approved"},
    "staff.status.rejected": {"ko": "반려됨", "en": "rejected"},
    "staff.rule.local_quota": {"ko": "지역 소상공인 쿼터", "en": "local quota"},
    "staff.rule.public_quota": {"ko": "공공 안내 쿼터", "en": "public quota"},
    "staff.rule.paid": {"ko": "유료 광고", "en": "paid"},
    "staff.rule.released": {"ko": "미사용 지역 몫 개방", "en": "released local reserve"},
    "staff.rule.house": {"ko": "자체 콘텐츠", "en": "house content"},
    # screens
    "staff.screens.caption": {
        "ko": "스크린 상태(5분 안에 연결되면 온라인), 페어링, 직접 등록, 설정과 토큰.",
        "en": "Screen state (online = seen in the last 5 minutes), pairing, registration, "
        "settings and tokens.",
    },
    "staff.screens.total": {"ko": "전체", "en": "Screens"},
    "staff.screens.online": {"ko": "온라인", "en": "Online"},
    "staff.screens.offline": {"ko": "오프라인", "en": "Offline"},
    "staff.screens.never": {"ko": "연결 기록 없음", "en": "Never seen"},
    "staff.screens.state_online": {"ko": "온라인", "en": "online"},
    "staff.screens.state_offline": {"ko": "오프라인", "en": "offline"},
    "staff.screens.state_never": {"ko": "연결 기록 없음", "en": "never seen"},
    "staff.screens.map_legend": {
        "ko": "초록: 온라인 · 빨강: 오프라인 · 회색: 연결 기록 없음. "
        "점에 마우스를 올리면 자세히 보입니다.",
        "en": "Green: online · red: offline · grey: never seen. Hover a dot for details.",
    },
    "staff.screens.name": {"ko": "이름", "en": "Name"},
    "staff.screens.state": {"ko": "상태", "en": "State"},
    "staff.screens.last_seen": {"ko": "마지막 연결", "en": "Last seen"},
    "staff.screens.size": {"ko": "해상도", "en": "Size"},
    "staff.screens.hours": {"ko": "운영 시간", "en": "Operating hours"},
    "staff.screens.visibility": {"ko": "가시성 계수", "en": "Visibility factor"},
    "staff.screens.visibility_help": {
        "ko": "지나가는 사람 중 화면을 볼 수 있는 비율 (1 = 모두).",
        "en": "Share of passers-by who can see the screen (1 = all of them).",
    },
    "staff.screens.base_price": {"ko": "기본 단가 (원/회)", "en": "Base price (KRW per play)"},
    "staff.screens.status": {"ko": "운영", "en": "Status"},
    "staff.screens.has_token": {"ko": "토큰", "en": "Token"},
    "staff.screens.latitude": {"ko": "위도", "en": "Latitude"},
    "staff.screens.longitude": {"ko": "경도", "en": "Longitude"},
    "staff.screens.width": {"ko": "가로 (px)", "en": "Width (px)"},
    "staff.screens.height": {"ko": "세로 (px)", "en": "Height (px)"},
    "staff.screens.slot": {"ko": "슬롯 길이 (초)", "en": "Slot length (s)"},
    "staff.screens.traffic_location": {
        "ko": "유동 인구 측정 지점",
        "en": "Foot-traffic location",
    },
    "staff.screens.retired": {"ko": "운영 종료", "en": "Retired"},
    "staff.screens.tab_pair": {"ko": "페어링", "en": "Pair"},
    "staff.screens.tab_register": {"ko": "직접 등록", "en": "Register"},
    "staff.screens.tab_edit": {"ko": "설정 변경", "en": "Edit"},
    "staff.screens.tab_token": {"ko": "토큰", "en": "Token"},
    "staff.screens.pair_help": {
        "ko": "새 스크린의 화면에 표시된 코드를 입력하세요. 스크린은 다음 요청 때 토큰을 받습니다.",
        "en": "Enter the code the new screen shows. "
        "The screen receives its token on its next poll.",
    },
    "staff.screens.pair_for": {"ko": "연결할 스크린", "en": "Pair as"},
    "staff.screens.pair_new": {"ko": "새 스크린", "en": "a new screen"},
    "staff.screens.pair_existing": {"ko": "기존 스크린 (토큰 교체)", "en": "an existing screen"},
    "staff.screens.pair_code": {"ko": "페어링 코드", "en": "Pairing code"},
    "staff.screens.pair_code_missing": {
        "ko": "스크린에 표시된 페어링 코드를 입력하세요.",
        "en": "Enter the pairing code the screen shows.",
    },
    "staff.screens.pair_submit": {"ko": "페어링", "en": "Pair"},
    "staff.screens.paired": {
        "ko": "{name} (#{id}) 페어링 완료. 스크린이 곧 토큰을 받습니다.",
        "en": "Paired {name} (#{id}). The screen picks up its token shortly.",
    },
    "staff.screens.register_help": {
        "ko": "스크린을 직접 등록합니다. 토큰은 한 번만 표시됩니다.",
        "en": "Register a screen directly. Its token is shown once.",
    },
    "staff.screens.register_submit": {"ko": "등록", "en": "Register"},
    "staff.screens.token_once": {
        "ko": "{name}의 토큰입니다. 지금 복사하세요. 다시 표시되지 않습니다.",
        "en": "The token of {name}. Copy it now: it is not shown again.",
    },
    "staff.screens.saved": {"ko": "{name} 저장됨.", "en": "Saved {name}."},
    "staff.screens.gone": {
        "ko": "그 스크린은 더 이상 없습니다.",
        "en": "That screen no longer exists.",
    },
    "staff.screens.token_help": {
        "ko": "토큰을 교체하면 이전 토큰은 바로 사용할 수 없습니다. "
        "폐기하면 스크린이 재생 목록을 받지 못합니다.",
        "en": "Rotating stops the old token at once. Revoking leaves the screen without access.",
    },
    "staff.screens.token_state": {
        "ko": "토큰: {state} · 발급: {when}",
        "en": "Token: {state} · issued {when}",
    },
    "staff.screens.token_yes": {"ko": "있음", "en": "active"},
    "staff.screens.token_no": {"ko": "없음", "en": "none"},
    "staff.screens.rotate": {"ko": "새 토큰 발급", "en": "Rotate token"},
    "staff.screens.revoke_confirm": {"ko": "폐기를 확인합니다", "en": "I want to revoke it"},
    "staff.screens.revoke": {"ko": "토큰 폐기", "en": "Revoke token"},
    "staff.screens.revoked": {"ko": "토큰을 폐기했습니다.", "en": "Token revoked."},
    # traffic
    "staff.traffic.caption": {
        "ko": "유동 인구 CSV 가져오기, 요일 × 시간 분포, 예측과 실제, 예측 성능.",
        "en": "Import foot-traffic CSVs; weekday × hour patterns, forecast against actual, "
        "forecast skill.",
    },
    "staff.traffic.tab_import": {"ko": "가져오기", "en": "Import"},
    "staff.traffic.tab_heatmap": {"ko": "요일 × 시간", "en": "Weekday × hour"},
    "staff.traffic.tab_forecast": {"ko": "예측과 실제", "en": "Forecast vs actual"},
    "staff.traffic.tab_backtest": {"ko": "예측 성능", "en": "Backtest"},
    "staff.traffic.files": {"ko": "CSV 파일 (long 또는 wide)", "en": "CSV files (long or wide)"},
    "staff.traffic.mapping": {
        "ko": "지점 → 스크린 대응표 (선택)",
        "en": "Location → screen mapping (optional)",
    },
    "staff.traffic.mapping_help": {
        "ko": "location, screen 두 열의 CSV.",
        "en": "A CSV with the columns location and screen.",
    },
    "staff.traffic.sensors": {"ko": "센서 위치 파일 (선택)", "en": "Sensor locations (optional)"},
    "staff.traffic.sensors_help": {
        "ko": "센서 좌표로 가장 가까운 스크린에 연결합니다.",
        "en": "Maps each screen to its nearest sensor by coordinates.",
    },
    "staff.traffic.tz": {"ko": "파일의 시간대", "en": "Time zone of the file"},
    "staff.traffic.tz_help": {
        "ko": "파일의 시각이 기록된 지역 시간대 (예: Asia/Seoul).",
        "en": "The zone the file's local times are in (e.g. Asia/Seoul).",
    },
    "staff.traffic.dry_run": {"ko": "검사만 (저장 안 함)", "en": "Check only (dry run)"},
    "staff.traffic.import": {"ko": "가져오기", "en": "Import"},
    "staff.traffic.no_files": {
        "ko": "CSV 파일을 선택하세요.",
        "en": "Choose at least one CSV file.",
    },
    "staff.traffic.progress": {
        "ko": "{name}: {done} / {total}",
        "en": "{name}: {done} of {total}",
    },
    "staff.traffic.done": {"ko": "파일 {n}개 처리 완료.", "en": "{n} file(s) processed."},
    "staff.traffic.kept": {"ko": "반영", "en": "Kept"},
    "staff.traffic.rejected": {"ko": "거부", "en": "Rejected"},
    "staff.traffic.missing": {"ko": "누락", "en": "Missing"},
    "staff.traffic.suspect": {"ko": "센서 이상 의심", "en": "Suspect (dead sensor)"},
    "staff.traffic.written": {"ko": "저장", "en": "Written"},
    "staff.traffic.dry_run_note": {
        "ko": "검사만 했습니다. 아무것도 저장하지 않았습니다.",
        "en": "Checked only; nothing was stored.",
    },
    "staff.traffic.already": {
        "ko": "이미 가져온 파일입니다. 바뀐 값만 반영했습니다.",
        "en": "This file was imported before; only changed values were written.",
    },
    "staff.traffic.locations": {"ko": "지점 {n}곳", "en": "{n} location(s)"},
    "staff.traffic.history": {"ko": "최근 가져오기", "en": "Recent imports"},
    "staff.traffic.file": {"ko": "파일", "en": "File"},
    "staff.traffic.by": {"ko": "보기 단위", "en": "Show for"},
    "staff.traffic.hour": {"ko": "시각", "en": "Hour"},
    "staff.traffic.weekday": {"ko": "요일", "en": "Weekday"},
    "staff.traffic.mean": {"ko": "평균 통행량", "en": "Mean passers-by"},
    "staff.traffic.observations": {"ko": "관측 시간 수", "en": "Hours observed"},
    "staff.traffic.no_counts": {
        "ko": "아직 유동 인구 자료가 없습니다.",
        "en": "No foot-traffic data yet.",
    },
    "staff.traffic.heat_caption": {
        "ko": "{first} ~ {last}, {n}개 시간 자료 (센서 이상 시간 제외).",
        "en": "{n} hourly counts from {first} to {last} (dead-sensor hours left out).",
    },
    "staff.traffic.holdout_note": {
        "ko": "마지막 7일을 그 이전 자료만으로 예측해 실제와 비교했습니다 (평균 절대 오차, 명).",
        "en": "The last 7 days forecast from the weeks before them, against what came "
        "(mean absolute error, people per hour).",
    },
    "staff.traffic.series_expected": {"ko": "모델 예측", "en": "model forecast"},
    "staff.traffic.series_naive": {"ko": "지난주 같은 시간", "en": "same hour last week"},
    "staff.traffic.series_actual": {"ko": "실제", "en": "actual"},
    "staff.traffic.series_ahead": {"ko": "예측 (앞으로)", "en": "forecast (ahead)"},
    "staff.traffic.passers": {"ko": "시간당 통행량", "en": "Passers-by per hour"},
    "staff.traffic.holdout_days": {"ko": "검증 기간 (일)", "en": "Held-out days"},
    "staff.traffic.run_backtest": {"ko": "예측 성능 측정", "en": "Run backtest"},
    "staff.traffic.backtesting": {"ko": "측정 중…", "en": "Backtesting…"},
    "staff.traffic.backtest_hint": {
        "ko": "최근 며칠을 빼고 예측한 뒤 실제와 비교합니다.",
        "en": "Forecasts the last days from the history before them and compares with what came.",
    },
    "staff.traffic.mae_model": {"ko": "모델 MAE", "en": "Model MAE"},
    "staff.traffic.mae_naive": {"ko": "지난주 같은 시간 MAE", "en": "Same hour last week MAE"},
    "staff.traffic.skill": {"ko": "개선율", "en": "Skill"},
    "staff.traffic.skill_help": {
        "ko": "개선율 = 1 − 모델 오차 / 단순 예측 오차. 0보다 크면 모델이 더 낫습니다.",
        "en": "Skill = 1 − model error / seasonal-naive error; above zero the model is better.",
    },
    "staff.traffic.backtest_scope": {
        "ko": "마지막 {days}일, 스크린 {screens}대, {hours} 스크린-시간 · "
        "MAPE {mape}% (단순 예측 {mape_naive}%)",
        "en": "Last {days} days, {screens} screens, {hours} screen-hours · "
        "MAPE {mape}% (seasonal-naive {mape_naive}%)",
    },
    "staff.traffic.mae_axis": {
        "ko": "평균 절대 오차 (시간당 명)",
        "en": "Mean absolute error (people per hour)",
    },
    # policy
    "staff.policy.caption": {
        "ko": "지역 소상공인 쿼터와 요금 구간. 변경은 적용 시점부터 유효하며 이력이 남습니다.",
        "en": "The local-business quota and pricing tiers. Changes apply from their effective "
        "date; the history is kept.",
    },
    "staff.policy.tab_quota": {"ko": "쿼터", "en": "Quota"},
    "staff.policy.tab_tiers": {"ko": "요금 구간", "en": "Pricing tiers"},
    "staff.policy.in_force": {
        "ko": "현재 정책 적용 시작: {when}",
        "en": "Policy in force since {when}",
    },
    "staff.policy.tiers_in_force": {
        "ko": "현재 요금 구간 적용 시작: {when}",
        "en": "Tiers in force since {when}",
    },
    "staff.policy.local_min_share": {"ko": "지역 소상공인 최소 비율", "en": "Local minimum share"},
    "staff.policy.local_min_help": {
        "ko": "매 스크린-시간 송출 시간 중 지역 소상공인 몫.",
        "en": "Share of every screen-hour's airtime kept for small local businesses.",
    },
    "staff.policy.public_min_share": {"ko": "공공 안내 최소 비율", "en": "Public notices minimum"},
    "staff.policy.advertiser_max_share": {
        "ko": "광고주 1곳 최대 비율",
        "en": "One advertiser at most",
    },
    "staff.policy.release_unused_local": {
        "ko": "남는 지역 몫을 다른 광고주에게 개방",
        "en": "Release an unused local reserve to other advertisers",
    },
    "staff.policy.release_help": {
        "ko": "끄면 남는 몫은 공공 안내와 자체 콘텐츠에 쓰입니다.",
        "en": "Off: an unused reserve goes to public notices and house content.",
    },
    "staff.policy.local_discount": {"ko": "소상공인 할인율", "en": "Local discount"},
    "staff.policy.surcharge_threshold": {
        "ko": "할증 기준 예약률",
        "en": "Surcharge above booked share",
    },
    "staff.policy.surcharge_rate": {"ko": "할증률", "en": "Surcharge rate"},
    "staff.policy.note": {"ko": "메모", "en": "Note"},
    "staff.policy.effective_day": {"ko": "적용 날짜", "en": "Effective date"},
    "staff.policy.effective_time": {"ko": "적용 시각", "en": "Effective time"},
    "staff.policy.effective": {"ko": "적용 시작", "en": "Effective from"},
    "staff.policy.save_quota": {"ko": "쿼터 저장", "en": "Save quota"},
    "staff.policy.save_tiers": {"ko": "요금 구간 저장", "en": "Save tiers"},
    "staff.policy.saved": {
        "ko": "저장했습니다. {when}부터 적용됩니다.",
        "en": "Saved; in force from {when}.",
    },
    "staff.policy.history": {"ko": "이력", "en": "History"},
    "staff.policy.col_local": {"ko": "지역 최소", "en": "Local min"},
    "staff.policy.col_public": {"ko": "공공 최소", "en": "Public min"},
    "staff.policy.col_adv": {"ko": "광고주 최대", "en": "Advertiser max"},
    "staff.policy.col_release": {"ko": "남는 몫 개방", "en": "Release unused"},
    "staff.policy.col_discount": {"ko": "할인", "en": "Local discount"},
    "staff.policy.col_threshold": {"ko": "할증 기준", "en": "Surcharge above"},
    "staff.policy.col_rate": {"ko": "할증률", "en": "Surcharge"},
    "staff.policy.tier_name": {"ko": "구간", "en": "Tier"},
    "staff.policy.min_traffic": {"ko": "최소 예측 통행량", "en": "From forecast passers-by"},
    "staff.policy.multiplier": {"ko": "배수", "en": "Multiplier"},
    "staff.policy.no_tiers": {
        "ko": "구간을 하나 이상 입력하세요.",
        "en": "Enter at least one tier.",
    },
    "staff.policy.base_price": {"ko": "스크린 기본 단가", "en": "Screen base price"},
    "staff.policy.traffic": {"ko": "예측 통행량 (시간당)", "en": "Forecast passers-by per hour"},
    "staff.policy.price": {"ko": "1회 단가 (원)", "en": "Price per play (KRW)"},
    "staff.policy.case_list": {"ko": "정가", "en": "list price"},
    "staff.policy.case_surcharged": {"ko": "할증", "en": "with surcharge"},
    "staff.policy.case_local": {"ko": "소상공인 할인", "en": "small-local"},
    "staff.policy.screen_hours": {
        "ko": "스크린-시간 (48시간 예측)",
        "en": "Screen-hours (next 48 h)",
    },
    "staff.policy.share": {"ko": "비율 (변경안)", "en": "Share (proposed)"},
    "staff.policy.now_hours": {"ko": "스크린-시간 (현재)", "en": "Screen-hours (now)"},
    "staff.policy.now_share": {"ko": "비율 (현재)", "en": "Share (now)"},
    "staff.policy.plot_hint": {
        "ko": "선: 변경안의 1회 단가. 막대: 앞으로 48시간 스크린-시간의 예측 통행량 분포. "
        "점선: 구간 경계.",
        "en": "Lines: the proposed price per play. Bars: forecast passers-by of the next 48 h of "
        "screen-hours. Dashed: tier bounds.",
    },
    # review
    "staff.review.caption": {
        "ko": "심사 대기 중인 광고와 캠페인. 반려할 때는 사업주가 읽을 사유를 적어 주세요.",
        "en": "Ads and campaigns waiting for review. "
        "A rejection needs a reason the owner will read.",
    },
    "staff.review.tab_ads": {"ko": "광고 ({n})", "en": "Ads ({n})"},
    "staff.review.tab_campaigns": {"ko": "캠페인 ({n})", "en": "Campaigns ({n})"},
    "staff.review.tab_history": {"ko": "최근 결정", "en": "Recent decisions"},
    "staff.review.ads": {"ko": "심사 대기 광고 {n}건", "en": "{n} ad(s) waiting"},
    "staff.review.campaigns": {"ko": "심사 대기 캠페인 {n}건", "en": "{n} campaign(s) waiting"},
    "staff.review.no_ads": {"ko": "심사할 광고가 없습니다.", "en": "No ads are waiting."},
    "staff.review.no_campaigns": {
        "ko": "심사할 캠페인이 없습니다.",
        "en": "No campaigns are waiting.",
    },
    "staff.review.no_image": {"ko": "이미지 없음", "en": "no image"},
    "staff.review.ad_meta": {
        "ko": "{business} · {size} {fmt} · {kb} KB · 업로드 {when}",
        "en": "{business} · {size} {fmt} · {kb} KB · uploaded {when}",
    },
    "staff.review.campaign_meta": {
        "ko": "{start} ~ {end} · 예산 {budget} · {targets} · 주당 {hours}시간",
        "en": "{start} to {end} · budget {budget} · {targets} · {hours} hours a week",
    },
    "staff.review.campaign_creative": {
        "ko": "광고: {name} ({status})",
        "en": "Ad: {name} ({status})",
    },
    "staff.review.targets": {
        "ko": "구역 {zones}곳, 스크린 {screens}대",
        "en": "{zones} zone(s), {screens} screen(s)",
    },
    "staff.review.all_screens": {"ko": "모든 스크린", "en": "every screen"},
    "staff.review.small_local": {"ko": "지역 소상공인", "en": "small local"},
    "staff.review.reason": {"ko": "반려 사유", "en": "Reason (for a rejection)"},
    "staff.review.reason_placeholder": {
        "ko": "예: 글자가 너무 작아 읽기 어렵습니다",
        "en": "e.g. the text is too small to read",
    },
    "staff.review.reason_needed": {
        "ko": "반려하려면 사업주가 읽을 사유를 적어 주세요.",
        "en": "Write a reason the owner will read before rejecting.",
    },
    "staff.review.approve": {"ko": "승인", "en": "Approve"},
    "staff.review.reject": {"ko": "반려", "en": "Reject"},
    "staff.review.creative": {"ko": "광고", "en": "Ad"},
    "staff.review.campaign": {"ko": "캠페인", "en": "Campaign"},
    "staff.review.approved": {"ko": "{what} #{id} 승인했습니다.", "en": "{what} #{id} approved."},
    "staff.review.rejected": {"ko": "{what} #{id} 반려했습니다.", "en": "{what} #{id} rejected."},
    "staff.review.subject": {"ko": "대상", "en": "Subject"},
    "staff.review.decision": {"ko": "결정", "en": "Decision"},
    # businesses
    "staff.biz.caption": {
        "ko": "지역 소상공인 여부를 확인합니다. 확인된 사업장만 지역 쿼터와 할인을 받습니다.",
        "en": "Verify small-local status. "
        "Only verified businesses get the local quota and discount.",
    },
    "staff.biz.total": {"ko": "사업장", "en": "Businesses"},
    "staff.biz.verified": {"ko": "확인된 소상공인", "en": "Verified small-local"},
    "staff.biz.waiting": {"ko": "확인 대기", "en": "Waiting"},
    "staff.biz.show": {"ko": "보기", "en": "Show"},
    "staff.biz.show_waiting": {"ko": "확인 대기", "en": "waiting"},
    "staff.biz.show_verified": {"ko": "확인됨", "en": "verified"},
    "staff.biz.show_all": {"ko": "전체", "en": "all"},
    "staff.biz.name": {"ko": "상호", "en": "Name"},
    "staff.biz.kind": {"ko": "종류", "en": "Kind"},
    "staff.biz.category": {"ko": "업종", "en": "Category"},
    "staff.biz.claims": {"ko": "소상공인 신청", "en": "Claims small-local"},
    "staff.biz.is_local": {"ko": "확인됨", "en": "Verified"},
    "staff.biz.decide": {"ko": "확인하기", "en": "Verify"},
    "staff.biz.pick": {"ko": "사업장", "en": "Business"},
    "staff.biz.current": {
        "ko": "현재: {state} · 신청: {claims} · 처리자 {who} · {when}",
        "en": "Now: {state} · claims: {claims} · by {who} · {when}",
    },
    "staff.biz.state_yes": {"ko": "예", "en": "yes"},
    "staff.biz.state_no": {"ko": "아니오", "en": "no"},
    "staff.biz.verify": {"ko": "소상공인으로 확인", "en": "Verify as small-local"},
    "staff.biz.unverify": {"ko": "확인 취소", "en": "Withdraw verification"},
    "staff.biz.done_yes": {
        "ko": "{name}: 소상공인으로 확인했습니다.",
        "en": "{name} is verified small-local.",
    },
    "staff.biz.done_no": {
        "ko": "{name}: 확인을 취소했습니다.",
        "en": "{name} is no longer verified.",
    },
    "staff.biz.history": {"ko": "확인 이력", "en": "Verification history"},
    # schedule
    "staff.schedule.caption": {
        "ko": "스크린의 앞으로 48시간 편성. 막대나 목록에서 항목을 고르면 편성 이유가 보입니다.",
        "en": "A screen's next 48 hours. "
        "Pick an item in the chart or the list to see why it is there.",
    },
    "staff.schedule.none": {
        "ko": "이 스크린에는 아직 게시된 재생 목록이 없습니다. 작업 페이지에서 재편성하세요.",
        "en": "This screen has no published playlist yet. Re-plan from the Jobs page.",
    },
    "staff.schedule.empty": {
        "ko": "앞으로 48시간에 편성된 항목이 없습니다.",
        "en": "Nothing is scheduled in the next 48 hours.",
    },
    "staff.schedule.version": {
        "ko": "버전 {version} · 게시 {published} · 유효 {start} ~ {end}",
        "en": "Version {version} · published {published} · valid {start} to {end}",
    },
    "staff.schedule.colour_by": {"ko": "색 구분", "en": "Colour by"},
    "staff.schedule.by_label": {"ko": "캠페인", "en": "campaign"},
    "staff.schedule.by_rule_label": {"ko": "편성 규칙", "en": "rule"},
    "staff.schedule.hour": {"ko": "시각", "en": "Hour"},
    "staff.schedule.minutes": {"ko": "송출 분", "en": "Minutes of airtime"},
    "staff.schedule.item": {"ko": "항목", "en": "Item"},
    "staff.schedule.rule": {"ko": "편성 규칙", "en": "Rule"},
    "staff.schedule.slots": {"ko": "슬롯", "en": "Slots"},
    "staff.schedule.share": {"ko": "비율", "en": "Share"},
    "staff.schedule.click_hint": {
        "ko": "막대를 누르면 그 항목을 설명합니다.",
        "en": "Click a bar to explain that item.",
    },
    "staff.schedule.pick_hour": {"ko": "시각", "en": "Hour"},
    "staff.schedule.pick_item": {"ko": "설명할 항목", "en": "Explain item"},
    "staff.schedule.price": {"ko": "1회 단가", "en": "Price per play"},
    "staff.schedule.tier": {"ko": "요금 구간", "en": "Tier"},
    "staff.schedule.forecast": {"ko": "예측 통행량", "en": "Forecast passers-by"},
    "staff.schedule.item_totals": {
        "ko": "48시간 중 {hours}시간, 슬롯 {slots}개 · 1회당 노출 {multiplier:.2f}",
        "en": "{slots} slots over {hours} hours · {multiplier:.2f} impressions per play",
    },
    "staff.schedule.table": {"ko": "표로 보기", "en": "As a table"},
    # reports
    "staff.reports.caption": {
        "ko": "지역 소상공인 비율 준수, 구간·구역별 매출, 캠페인 집행, 스크린별 도달.",
        "en": "Local-share compliance, revenue by tier and zone, delivery by campaign, audience "
        "per screen.",
    },
    "staff.reports.period": {"ko": "기간", "en": "Period"},
    "staff.reports.tab_quota": {"ko": "쿼터 준수", "en": "Quota compliance"},
    "staff.reports.tab_revenue": {"ko": "매출", "en": "Revenue"},
    "staff.reports.tab_delivery": {"ko": "캠페인 집행", "en": "Delivery"},
    "staff.reports.tab_audience": {"ko": "도달", "en": "Audience"},
    "staff.reports.no_plan": {
        "ko": "이 기간에 게시된 편성이 없습니다.",
        "en": "No published plan in this period.",
    },
    "staff.reports.no_plays": {
        "ko": "이 기간에 재생 기록이 없습니다.",
        "en": "No plays were reported in this period.",
    },
    "staff.reports.no_delivery": {
        "ko": "이 기간에 집행된 캠페인이 없습니다.",
        "en": "No campaign was planned or played in this period.",
    },
    "staff.reports.screen_hours": {"ko": "스크린-시간", "en": "Screen-hours"},
    "staff.reports.met_rate": {"ko": "지역 광고로 충족", "en": "Met by local ads"},
    "staff.reports.compliant_rate": {"ko": "쿼터 준수", "en": "Compliant"},
    "staff.reports.breaches": {"ko": "위반 스크린-시간", "en": "Breaches"},
    "staff.reports.mean_share": {"ko": "평균 지역 비율", "en": "Mean local share"},
    "staff.reports.local_share": {"ko": "지역 비율", "en": "Local share"},
    "staff.reports.quota": {"ko": "쿼터", "en": "Quota"},
    "staff.reports.status": {"ko": "판정", "en": "Status"},
    "staff.reports.shortfall": {"ko": "부족한 지역 재생", "en": "Local plays short"},
    "staff.reports.per_screen": {"ko": "스크린별 표", "en": "Per screen"},
    "staff.reports.status_met": {"ko": "지역 광고로 충족", "en": "met by local ads"},
    "staff.reports.status_reserve_kept": {
        "ko": "지역 수요 부족, 몫 보존",
        "en": "reserve kept (no more local demand)",
    },
    "staff.reports.status_released": {"ko": "정책에 따라 개방", "en": "released by policy"},
    "staff.reports.status_breached": {"ko": "위반", "en": "breached"},
    "staff.reports.quota_hint": {
        "ko": "칸마다 한 스크린-시간, 색은 지역 광고 비율. "
        "굵은 검은 테두리: 다른 광고주가 지역 몫을 차지한 위반. "
        "지역 수요가 없어 몫을 공공 안내·자체 콘텐츠로 채운 시간은 준수입니다.",
        "en": "Each cell is a screen-hour coloured by its local share. A thick black border marks "
        "a breach: other advertisers took the local reserve. Hours short of local ads whose "
        "reserve went to public notices or house content are compliant.",
    },
    "staff.reports.revenue_total": {"ko": "기간 매출", "en": "Revenue in the period"},
    "staff.reports.revenue": {"ko": "매출 (원)", "en": "Revenue (KRW)"},
    "staff.reports.tier": {"ko": "요금 구간", "en": "Tier"},
    "staff.reports.campaign": {"ko": "캠페인", "en": "Campaign"},
    "staff.reports.plays": {"ko": "재생 수", "en": "Plays"},
    "staff.reports.planned_plays": {"ko": "편성", "en": "planned"},
    "staff.reports.played": {"ko": "재생", "en": "played"},
    "staff.reports.delivery_rate": {"ko": "집행률", "en": "Delivered"},
    "staff.reports.budget_used": {"ko": "예산 사용", "en": "Budget used"},
    "staff.reports.audience": {"ko": "추정 노출", "en": "Estimated impressions"},
    "staff.reports.day": {"ko": "날짜", "en": "Day"},
    # jobs
    "staff.jobs.caption": {
        "ko": "예약 작업의 최근 실행 결과와 오류. 지금 바로 재편성할 수 있습니다.",
        "en": "Recent runs of the scheduled jobs, their outcomes and errors; re-plan now.",
    },
    "staff.jobs.replan": {"ko": "지금 재편성", "en": "Re-plan now"},
    "staff.jobs.replanning": {
        "ko": "편성 중… (수십 초 걸릴 수 있습니다)",
        "en": "Planning… (may take a little while)",
    },
    "staff.jobs.replanned": {
        "ko": "재편성 결과: {outcome} ({seconds}초)",
        "en": "Re-plan finished: {outcome} in {seconds} s",
    },
    "staff.jobs.failed": {"ko": "재편성 실패: {error}", "en": "Re-plan failed: {error}"},
    "staff.jobs.none": {"ko": "아직 실행된 작업이 없습니다.", "en": "No job has run yet."},
    "staff.jobs.summary": {"ko": "작업별 요약", "en": "By job"},
    "staff.jobs.recent": {"ko": "최근 실행", "en": "Recent runs"},
    "staff.jobs.job": {"ko": "작업", "en": "Job"},
    "staff.jobs.runs": {"ko": "실행", "en": "Runs"},
    "staff.jobs.errors": {"ko": "오류", "en": "Errors"},
    "staff.jobs.last_outcome": {"ko": "마지막 결과", "en": "Last outcome"},
    "staff.jobs.last_started": {"ko": "마지막 시작", "en": "Last started"},
    "staff.jobs.mean_duration": {"ko": "평균 소요", "en": "Mean duration"},
    "staff.jobs.filter": {"ko": "작업", "en": "Jobs"},
    "staff.jobs.only_errors": {"ko": "오류만", "en": "Errors only"},
    "staff.jobs.worker": {"ko": "워커", "en": "Worker"},
    "staff.jobs.started": {"ko": "시작", "en": "Started"},
    "staff.jobs.finished": {"ko": "종료", "en": "Finished"},
    "staff.jobs.duration": {"ko": "소요 (초)", "en": "Duration (s)"},
    "staff.jobs.outcome": {"ko": "결과", "en": "Outcome"},
    "staff.jobs.error": {"ko": "오류", "en": "Error"},
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


def labeller(prefix: str) -> Callable[[Any], str]:
    """A ``format_func`` showing ``t(prefix + value)``, fixed to the current language.

    Widgets may call it after the run has ended (AppTest does), when the session is not at hand.
    """
    lang = current_lang()
    return lambda value: translate(f"{prefix}{value}", lang)


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
