"""The dashboard through Streamlit's AppTest: login, sessions, every page as every role, actions."""

from __future__ import annotations

import datetime as dt

import pytest

pytest.register_assert_rewrite("dashboard_city")  # before the import below

from dashboard_city import PASSWORD, app_as, assert_clean, page_text, png  # noqa: E402
from sqlalchemy import select, update  # noqa: E402

from dashboard import auth, nav  # noqa: E402
from dashboard.i18n import CATALOGUE, translate  # noqa: E402
from scheduler.models import (  # noqa: E402
    Campaign,
    Creative,
    LoginSession,
    Rendition,
    User,
    Zone,
)

pytest_plugins = ("dashboard_city",)  # the city_env fixture
ALL_SPECS = {spec.path: spec for specs in nav.PAGES.values() for spec in specs}


def _title(spec: nav.PageSpec) -> str:
    return translate(spec.title_key, "en")


def test_login_form_opens_a_session_and_logout_ends_it(city_env) -> None:
    at = app_as(city_env, None)
    assert at.text_input(key="login_username") is not None
    at.text_input(key="login_username").input("owner_a")
    at.text_input(key="login_password").input(PASSWORD)
    at.button[0].click().run()
    assert_clean(at)
    token = at.session_state["lc_token"]
    assert auth.user_for_token(city_env.engine, token).username == "owner_a"
    assert "Signed in as owner_a" in page_text(at)
    at.button(key="logout").click().run()
    assert "lc_token" not in at.session_state
    assert "You are logged out." in page_text(at)
    # The old token is dead even if someone kept a copy.
    assert auth.user_for_token(city_env.engine, token) is None


def test_wrong_password_is_refused_without_saying_which_part(city_env) -> None:
    at = app_as(city_env, None)
    at.text_input(key="login_username").input("owner_a")
    at.text_input(key="login_password").input("not-the-password")
    at.button[0].click().run()
    assert [e.value for e in at.error] == ["Wrong username or password."]
    assert "lc_token" not in at.session_state


def test_expired_and_disabled_sessions_return_to_login(city_env) -> None:
    at = app_as(city_env, "owner_b")
    token = at.session_state["lc_token"]
    with city_env.engine.begin() as conn:
        conn.execute(
            update(LoginSession)
            .where(LoginSession.token_hash == auth.hash_token(token))
            .values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1))
        )
    at.run()
    assert "lc_token" not in at.session_state
    assert "Your session has ended" in page_text(at)

    at = app_as(city_env, "owner_b")
    with city_env.engine.begin() as conn:
        conn.execute(update(User).where(User.username == "owner_b").values(disabled=True))
    try:
        at.run()
        assert "lc_token" not in at.session_state
        assert "Log in" in page_text(at)
    finally:
        with city_env.engine.begin() as conn:
            conn.execute(update(User).where(User.username == "owner_b").values(disabled=False))


@pytest.mark.parametrize(
    "role,username", [("owner", "owner_a"), ("staff", "staff"), ("admin", "admin")]
)
def test_every_page_as_every_role(city_env, role: str, username: str) -> None:
    """The role's pages, and only those, are listed; each runs without an error."""
    at = app_as(city_env, username)
    assert_clean(at)
    allowed = {spec.path for spec in nav.pages_for(role)}
    assert allowed, f"{role} has no pages"
    listed = sorted(str(p.get("script_path")) for p in at._registered_pages.values())
    assert listed == sorted(str(spec.file) for spec in nav.pages_for(role))
    for path in allowed:
        at.switch_page(path).run()
        assert_clean(at)
        assert _title(ALL_SPECS[path]) in [t.value for t in at.title], path
    # Pages of other roles: see test_dashboard_access.py (typed-in URLs and switch_page).


def test_language_switch_changes_labels(city_env) -> None:
    at = app_as(city_env, "owner_a", lang="ko")
    at.switch_page("views/owner_campaigns.py").run()
    assert CATALOGUE["page.owner_campaigns"]["ko"] in [t.value for t in at.title]
    at.selectbox(key="lang").select("en").run()
    assert "My campaigns" in [t.value for t in at.title]
    assert_clean(at)


def test_catalogue_has_both_languages_for_every_key() -> None:
    missing = [k for k, v in CATALOGUE.items() if not v.get("ko") or not v.get("en")]
    assert missing == []


def test_owner_uploads_an_ad_with_previews(city_env) -> None:
    at = app_as(city_env, "owner_a")
    at.switch_page("views/owner_ads.py").run()
    at.file_uploader(key="ad_file").upload("menu.png", png("#3366cc", (800, 800)), "image/png")
    at.run()
    assert_clean(at)
    # One preview per distinct screen size of the city (portrait 1080×1920 and landscape).
    captions = [img.caption for element in at.get("image") for img in element.proto.imgs]
    assert any("1080×1920" in c for c in captions) and any("1920×1080" in c for c in captions)
    at.text_input(key="ad_name").input("Lunch menu")
    at.button(key="ad_submit").click().run()
    assert_clean(at)
    assert any("Lunch menu" in s.value for s in at.success)
    with city_env.engine.connect() as conn:
        row = conn.execute(
            select(Creative.business_id, Creative.status).where(Creative.name == "Lunch menu")
        ).one()
    assert row == (city_env.city.business_a, "pending")


def test_refused_upload_shows_the_reason_and_stores_nothing(city_env) -> None:
    at = app_as(city_env, "owner_a")
    at.switch_page("views/owner_ads.py").run()
    at.file_uploader(key="ad_file").upload("notes.png", b"this is not an image", "image/png")
    at.run()
    assert not at.exception
    assert len(at.error) == 1 and "image" in at.error[0].value.lower()
    assert not [b for b in at.button if b.key == "ad_submit"]


def test_owner_pauses_and_resumes_own_campaign(city_env) -> None:
    at = app_as(city_env, "owner_a")
    at.switch_page("views/owner_campaigns.py").run()
    assert_clean(at)
    at.button(key="camp_pause").click().run()
    assert_clean(at)
    with city_env.engine.connect() as conn:
        status = conn.scalar(select(Campaign.status).where(Campaign.id == city_env.city.campaign_a))
    assert status == "paused"
    at.button(key="camp_resume").click().run()
    with city_env.engine.connect() as conn:
        status = conn.scalar(select(Campaign.status).where(Campaign.id == city_env.city.campaign_a))
    assert status == "approved"


def test_delivery_charts_and_statement_download(city_env) -> None:
    at = app_as(city_env, "owner_a")
    at.switch_page("views/owner_campaigns.py").run()
    assert_clean(at)
    assert len(at.get("vega_lite_chart")) == 3  # plays, audience, spend per day
    at.switch_page("views/owner_statement.py").run()
    assert_clean(at)
    text = page_text(at)
    assert "A spring sale" in text and "₩3,600" in text  # three billed days of ₩1,200


def test_admin_adds_a_login(city_env) -> None:
    at = app_as(city_env, "admin")
    at.switch_page("views/admin_users.py").run()
    at.text_input(key="add_username").input("owner_new")
    at.text_input(key="add_password").input("long-enough-1")
    at.selectbox(key="add_role").select("staff")
    at.button[0].click()
    at.form_submit_button[0].click().run() if at.form_submit_button else None
    assert_clean(at)
    with city_env.engine.connect() as conn:
        assert conn.scalar(select(User.role).where(User.username == "owner_new")) == "staff"


def test_no_pages_folder_beside_the_entry_script() -> None:
    """Streamlit would serve a dashboard/pages/ folder as unguarded old-style pages."""
    assert not (nav.DASHBOARD_DIR / "pages").exists(), "put dashboard pages in dashboard/views/"
    assert all(spec.path.startswith("views/") for specs in nav.PAGES.values() for spec in specs)


def test_owner_books_a_campaign_after_a_live_quote(city_env) -> None:
    at = app_as(city_env, "owner_a")
    at.switch_page("views/owner_new_campaign.py").run()
    assert_clean(at)
    assert "Give the campaign a name." in [i.value for i in at.info]  # no quote before a name
    at.text_input(key="new_name").input("Weekend loaves")
    at.radio(key="new_mode").set_value("zones").run()
    with city_env.engine.connect() as conn:
        north = conn.scalar(select(Zone.id).where(Zone.name == "North market"))
    at.multiselect(key="new_z").select(north).run()
    assert_clean(at)
    metrics = {m.label: m.value for m in at.metric}
    assert int(metrics["Expected plays"].replace(",", "")) > 0
    assert metrics["Cost per day"].startswith("₩")
    assert "2 of 4 screens chosen" in page_text(at)
    at.button(key="new_submit").click().run()
    assert_clean(at)
    assert any("Weekend loaves" in s.value for s in at.success)
    with city_env.engine.connect() as conn:
        row = conn.execute(
            select(Campaign.business_id, Campaign.status, Campaign.target_zone_ids).where(
                Campaign.name == "Weekend loaves"
            )
        ).one()
    assert row[0] == city_env.city.business_a and row[1] == "pending" and len(row[2]) == 1


def test_every_literal_label_key_is_in_the_catalogue() -> None:
    import re

    used: set[str] = set()
    for path in [*nav.DASHBOARD_DIR.glob("*.py"), *nav.DASHBOARD_DIR.glob("views/*.py")]:
        used |= set(re.findall(r"\bt\(\s*\"([a-z_]+\.[a-z_.]+)\"", path.read_text()))
    assert used, "no label keys found"
    assert sorted(used - set(CATALOGUE)) == []


def test_money_and_times_are_shown_the_city_way(city_env) -> None:
    from dashboard.i18n import local_time, money

    assert money(12300) == "₩12,300" and money(-5) == "-₩5" and money(None) == "—"
    noon_utc = dt.datetime(2026, 3, 1, 3, 0, tzinfo=dt.UTC)
    assert local_time(noon_utc) == "2026-03-01 12:00"  # Asia/Seoul is UTC+9


def test_owner_sees_a_stored_ad_on_every_screen_size(city_env) -> None:
    at = app_as(city_env, "owner_a")
    at.switch_page("views/owner_ads.py").run()

    def count() -> int:
        return sum(len(element.proto.imgs) for element in at.get("image"))

    thumbnails = count()
    at.toggle(key=f"ad_screens_{city_env.city.creative_a}").set_value(True).run()
    assert_clean(at)
    assert count() == thumbnails + 1  # the renditions for both screen sizes, side by side
    with city_env.engine.connect() as conn:
        sizes = set(
            conn.execute(
                select(Rendition.width_px, Rendition.height_px).where(
                    Rendition.creative_id == city_env.city.creative_a,
                    Rendition.purpose == "screen",
                )
            ).all()
        )
    assert {(1080, 1920), (1920, 1080)} <= sizes
