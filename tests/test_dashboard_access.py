"""An owner sees and changes only their own business, whatever URL or session state they craft."""

from __future__ import annotations

import pytest

pytest.register_assert_rewrite("dashboard_city")  # before the import below

from dashboard_city import app_as, assert_clean, page_text  # noqa: E402
from sqlalchemy import select  # noqa: E402
from streamlit.util import calc_hash  # noqa: E402

from dashboard import nav  # noqa: E402
from dashboard.i18n import translate  # noqa: E402
from scheduler.models import Campaign  # noqa: E402

B_SECRETS = ("Florist B", "B secret campaign", "B secret tulips", "B private rejection", "987,654")
pytest_plugins = ("dashboard_city",)  # the city_env fixture
OWNER_PAGES = [spec.path for spec in nav.OWNER_PAGES]


def _assert_nothing_of_b(at) -> None:
    text = page_text(at)
    leaked = [secret for secret in B_SECRETS if secret in text]
    assert leaked == [], leaked


def test_owner_b_sees_own_data_so_the_check_above_can_fail(city_env) -> None:
    at = app_as(city_env, "owner_b")
    at.switch_page("views/owner_campaigns.py").run()
    assert "B secret campaign" in page_text(at)
    at.switch_page("views/owner_statement.py").run()
    assert "987,654" in page_text(at) or "₩2,962,962" in page_text(at)


def test_crafted_query_param_for_another_campaign_is_refused(city_env) -> None:
    at = app_as(city_env, "owner_a")
    at.query_params["campaign"] = str(city_env.city.campaign_b)
    at.switch_page("views/owner_campaigns.py").run()
    assert not at.exception
    assert any("not found" in w.value for w in at.warning)
    _assert_nothing_of_b(at)
    assert at.selectbox(key="camp_pick").value == city_env.city.campaign_a


def test_crafted_session_state_cannot_switch_business_or_campaign(city_env) -> None:
    at = app_as(city_env, "owner_a")
    # Keys a curious owner might guess; the pages take the business from the login only.
    for key, value in {
        "business_id": city_env.city.business_b,
        "lc_business_id": city_env.city.business_b,
        "user_id": 2,
        "role": "admin",
        "campaign_id": city_env.city.campaign_b,
    }.items():
        at.session_state[key] = value
    for path in OWNER_PAGES:
        at.switch_page(path).run()
        assert_clean(at)
        _assert_nothing_of_b(at)
    # (A widget's value cannot be forged to an option it does not offer: the browser sends
    # an index into the options, and the campaign picker offers only the owner's campaigns.)


def test_owner_cannot_pause_another_business_campaign(city_env) -> None:
    at = app_as(city_env, "owner_a")
    at.query_params["campaign"] = str(city_env.city.campaign_b)
    at.switch_page("views/owner_campaigns.py").run()
    pause = [b for b in at.button if b.key == "camp_pause"]
    assert pause, "owner A's own approved campaign offers pause"
    pause[0].click().run()
    with city_env.engine.begin() as conn:
        statuses = dict(conn.execute(select(Campaign.id, Campaign.status)).all())
        # Put A's campaign back for the other tests.
        conn.execute(
            Campaign.__table__.update()
            .where(Campaign.id == city_env.city.campaign_a)
            .values(status="approved")
        )
    assert statuses[city_env.city.campaign_b] == "approved"
    assert statuses[city_env.city.campaign_a] == "paused"


def test_owner_cannot_open_staff_pages_by_url_or_switch_page(city_env) -> None:
    at = app_as(city_env, "owner_a")
    listed = [str(p.get("script_path")) for p in at._registered_pages.values()]
    assert listed and all("/owner_" in path for path in listed), listed
    for spec in nav.STAFF_PAGES + nav.ADMIN_PAGES:
        if spec.file.is_file():
            with pytest.raises(ValueError):
                at.switch_page(spec.path)  # not registered for an owner
        at._page_hash = calc_hash(spec.url_path)  # the hash a typed-in /<url_path> asks for
        at.run()
        assert not at.exception
        titles = [t.value for t in at.title]
        assert titles == ["My ads"], (spec.url_path, titles)  # the owner's default page


def test_staff_cannot_open_admin_user_management(city_env) -> None:
    at = app_as(city_env, "staff")
    at._page_hash = calc_hash("admin_users")
    at.run()
    assert "Users" not in [t.value for t in at.title]


def test_forged_token_in_session_state_is_not_a_login(city_env) -> None:
    at = app_as(city_env, None)
    at.session_state["lc_token"] = "ds_forged-token"
    at._page_hash = calc_hash("owner_campaigns")
    at.run()
    assert not at.exception
    assert "lc_token" not in at.session_state
    assert "Log in" in page_text(at)
    _assert_nothing_of_b(at)
    assert "A spring sale" not in page_text(at)


def test_page_guard_refuses_a_role_even_if_navigation_let_it_through(city_env) -> None:
    """Defence in depth: a staff page run for an owner stops at its own guard."""
    from dashboard_city import PASSWORD
    from streamlit.testing.v1 import AppTest

    from dashboard import auth

    script = nav.DASHBOARD_DIR / "views" / "owner_statement.py"
    at = AppTest.from_file(str(script), default_timeout=30)
    at.session_state["lang"] = "en"
    at.session_state["lc_token"] = auth.log_in(city_env.engine, "staff", PASSWORD, hours=1)
    at.run()
    assert [e.value for e in at.error] == ["You do not have access to this page."]
    at = AppTest.from_file(str(script), default_timeout=30)
    at.session_state["lang"] = "en"
    at.run()
    assert "Please log in." in [w.value for w in at.warning]
    assert not at.dataframe


def test_staff_cannot_open_owner_pages_by_url(city_env) -> None:
    at = app_as(city_env, "staff")
    for spec in nav.OWNER_PAGES:
        at._page_hash = calc_hash(spec.url_path)
        at.run()
        assert not at.exception
        assert translate(spec.title_key, "en") not in [t.value for t in at.title]
