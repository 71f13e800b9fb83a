"""The city-staff pages through Streamlit's AppTest, on the small dashboard city.

Every staff page runs as staff and as admin without an exception; the actions change the database
(approve, reject with a reason, verify, register, edit, revoke) and refusals show our message.
"""

from __future__ import annotations

import re

import pytest
from dashboard_city import app_as, assert_clean, city_env, page_text  # noqa: F401
from sqlalchemy import select

from dashboard import nav
from dashboard.i18n import CATALOGUE
from scheduler.db import session_scope
from scheduler.models import Business, Campaign, Creative, ModerationDecision, Screen

STAFF_PAGES = [spec.path for spec in nav.STAFF_PAGES]
KEY_LIKE = re.compile(r"\b(?:staff|page|common)\.[a-z_]+(?:\.[a-z_]+)?\b")


def open_page(env, path: str, username: str = "staff", lang: str = "en"):  # noqa: ANN001, ANN201
    at = app_as(env, username, lang=lang)
    at.switch_page(path).run()
    return at


@pytest.mark.parametrize("username,lang", [("staff", "en"), ("admin", "ko")])
def test_every_staff_page_runs_cleanly(city_env, username: str, lang: str) -> None:  # noqa: F811
    """One session walks through every staff page (staff in English, admin in Korean)."""
    at = app_as(city_env, username, lang=lang)
    for spec in nav.STAFF_PAGES:
        at.switch_page(spec.path).run()
        assert_clean(at)
        assert CATALOGUE[spec.title_key][lang] in [t.value for t in at.title], spec.path
        # No label fell through the catalogue (an unknown key shows itself).
        assert not KEY_LIKE.findall(page_text(at)), spec.path


def test_every_label_key_of_the_staff_pages_is_in_the_catalogue() -> None:
    sources = [spec.file.read_text() for spec in nav.STAFF_PAGES]
    sources.append((nav.DASHBOARD_DIR / "staff_ui.py").read_text())
    used = {key for text in sources for key in re.findall(r"\bt\(\s*\"([a-z_.]+)\"", text)}
    assert len(used) > 100
    assert sorted(used - set(CATALOGUE)) == []


def test_owner_cannot_open_staff_pages_by_url(city_env) -> None:  # noqa: F811
    from streamlit.util import calc_hash

    at = app_as(city_env, "owner_a")
    for spec in nav.STAFF_PAGES:
        at._page_hash = calc_hash(spec.url_path)
        at.run()
        assert not at.exception
        assert CATALOGUE[spec.title_key]["en"] not in [t.value for t in at.title]


def _reset_review(env, creative_id: int, campaign_id: int) -> None:  # noqa: ANN001
    with session_scope(env.engine) as s:
        s.get(Creative, creative_id).status = "pending"
        s.get(Creative, creative_id).reject_reason = None
        s.get(Campaign, campaign_id).status = "pending"


def test_review_approve_and_reject_change_the_database(city_env) -> None:  # noqa: F811
    city = city_env.city
    _reset_review(city_env, city.creative_b, city.campaign_b)
    at = open_page(city_env, "views/staff_review.py")
    assert_clean(at)
    assert "B secret tulips" in page_text(at)

    # A rejection without a reason is refused before reaching the core.
    at.button(key=f"reject_creative_{city.creative_b}").click().run()
    assert "Write a reason" in page_text(at)
    with session_scope(city_env.engine) as s:
        assert s.get(Creative, city.creative_b).status == "pending"

    at.text_input(key=f"reason_creative_{city.creative_b}").input("Text too small to read")
    at.button(key=f"reject_creative_{city.creative_b}").click().run()
    assert_clean(at)
    with session_scope(city_env.engine) as s:
        creative = s.get(Creative, city.creative_b)
        assert (creative.status, creative.reject_reason) == ("rejected", "Text too small to read")
        decision = s.scalars(
            select(ModerationDecision)
            .where(ModerationDecision.subject == "creative")
            .order_by(ModerationDecision.id.desc())
        ).first()
        assert decision.subject_id == city.creative_b and decision.decision == "rejected"

    at.button(key=f"approve_campaign_{city.campaign_b}").click().run()
    assert_clean(at)
    with session_scope(city_env.engine) as s:
        assert s.get(Campaign, city.campaign_b).status == "approved"
    assert "approved" in page_text(at)


def test_verify_business_records_who_and_when(city_env) -> None:  # noqa: F811
    business_id = city_env.city.business_b
    at = open_page(city_env, "views/staff_businesses.py")
    at.selectbox(key="biz_pick").select(business_id).run()
    at.button(key="biz_verify").click().run()
    assert_clean(at)
    with session_scope(city_env.engine) as s:
        business = s.get(Business, business_id)
        assert business.is_small_local is True
        assert business.local_verified_at is not None
        assert business.local_verified_by_id is not None
    at.selectbox(key="biz_pick").select(business_id).run()
    at.button(key="biz_unverify").click().run()
    assert_clean(at)
    with session_scope(city_env.engine) as s:
        assert s.get(Business, business_id).is_small_local is False


def test_register_screen_shows_token_once_and_edit_saves(city_env) -> None:  # noqa: F811
    at = open_page(city_env, "views/staff_screens.py")
    at.text_input(key="reg_name").input("Test kiosk")
    at.number_input(key="reg_vis").set_value(0.8)
    next(b for b in at.button if b.label == "Register").click().run()
    assert_clean(at)
    tokens = [c.value for c in at.code if c.value.startswith("scr_")]
    assert len(tokens) == 1
    with session_scope(city_env.engine) as s:
        screen = s.scalar(select(Screen).where(Screen.name == "Test kiosk"))
        assert screen.visibility_factor == pytest.approx(0.8)
        assert screen.token_hash is not None
        screen_id = screen.id
    at.run()  # the next run no longer shows the token
    assert not [c for c in at.code if c.value.startswith("scr_")]

    # Editing refuses impossible hours with our message, then saves good values.
    at.selectbox(key="edit_screen").select(screen_id).run()
    # Form fields are sent with the submit, as in a browser: no run in between.
    at.slider(key=f"edit_{screen_id}_hours").set_value((20, 20))
    next(b for b in at.button if b.label == "Save").click().run()
    assert not at.exception
    assert any("Operating hours" in e.value for e in at.error)
    at.slider(key=f"edit_{screen_id}_hours").set_value((7, 22))
    at.text_input(key=f"edit_{screen_id}_loc").input("Sensor 12")
    next(b for b in at.button if b.label == "Save").click().run()
    assert_clean(at)
    with session_scope(city_env.engine) as s:
        screen = s.get(Screen, screen_id)
        assert (screen.open_hour, screen.close_hour) == (7, 22)
        assert screen.traffic_location == "Sensor 12"

    # Revoking needs the confirmation, then clears the token.
    at.selectbox(key="token_screen").select(screen_id).run()
    at.checkbox(key="revoke_confirm").check().run()
    at.button(key="revoke").click().run()
    assert_clean(at)
    with session_scope(city_env.engine) as s:
        assert s.get(Screen, screen_id).token_hash is None


def test_pairing_an_unknown_code_shows_a_message(city_env) -> None:  # noqa: F811
    at = open_page(city_env, "views/staff_screens.py")
    at.text_input(key="pair_code").input("ZZZZZZ")
    at.text_input(key="pair_name").input("Paired kiosk")
    next(b for b in at.button if b.label == "Pair").click().run()
    assert not at.exception
    assert any("ZZZZZZ" in e.value for e in at.error)
    with session_scope(city_env.engine) as s:
        assert s.scalar(select(Screen).where(Screen.name == "Paired kiosk")) is None
