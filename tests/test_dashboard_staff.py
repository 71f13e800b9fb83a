"""The city-staff pages through Streamlit's AppTest, on the small dashboard city.

Every staff page runs as staff and as admin without an exception; the actions change the database
(approve, reject with a reason, verify, pair, register, edit, revoke, import, save policy,
re-plan) and refusals show our message. That no owner reaches a staff page, listed or by a
crafted URL, is tested for every page and role in tests/test_dashboard_pages.py.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from dashboard_city import CityEnv, app_as, assert_clean, city_env, page_text  # noqa: F401
from sqlalchemy import insert, select
from streamlit.testing.v1 import AppTest

from dashboard import nav
from dashboard.i18n import CATALOGUE
from scheduler.db import session_scope
from scheduler.models import (
    Business,
    Campaign,
    Creative,
    JobRun,
    ModerationDecision,
    PairingCode,
    Playlist,
    PricingTierSet,
    QuotaPolicy,
    Screen,
    TrafficCount,
    User,
    utcnow,
)
from scheduler.pairing import start_pairing

# One seeded SQLite city per module: the pages' queries run on PostgreSQL in the core's own tests
# (tests/test_reports.py), and a second backend here would double the slowest tests of the suite.
sqlite_city = pytest.mark.parametrize("city_env", ["sqlite"], indirect=True)

STAFF_PAGES = [spec.path for spec in nav.STAFF_PAGES]
KEY_LIKE = re.compile(r"\b(?:staff|page|common)\.[a-z_]+(?:\.[a-z_]+)?\b")


def open_page(env: CityEnv, path: str, username: str = "staff", lang: str = "en") -> AppTest:
    at = app_as(env, username, lang=lang)
    at.switch_page(path).run()
    return at


@sqlite_city
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


def _set_pending(env: CityEnv, creative_ids: list[int], campaign_ids: list[int]) -> None:
    with session_scope(env.engine) as s:
        for creative_id in creative_ids:
            s.get(Creative, creative_id).status = "pending"
            s.get(Creative, creative_id).reject_reason = None
        for campaign_id in campaign_ids:
            s.get(Campaign, campaign_id).status = "pending"


@sqlite_city
def test_review_approve_and_reject_change_the_database(city_env) -> None:  # noqa: F811
    city = city_env.city
    _set_pending(city_env, [city.creative_a, city.creative_b], [city.campaign_a, city.campaign_b])
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
        staff_id = s.scalar(select(User.id).where(User.username == "staff"))
        assert decision.decided_by_id == staff_id

    # The core refuses a campaign whose ad was rejected: its message shows, no traceback.
    at.button(key=f"approve_campaign_{city.campaign_b}").click().run()
    assert not at.exception
    assert any("approve the ad first" in e.value for e in at.error)
    with session_scope(city_env.engine) as s:
        assert s.get(Campaign, city.campaign_b).status == "pending"

    at.button(key=f"approve_creative_{city.creative_a}").click().run()
    assert_clean(at)
    at.button(key=f"approve_campaign_{city.campaign_a}").click().run()
    assert_clean(at)
    with session_scope(city_env.engine) as s:
        assert s.get(Creative, city.creative_a).status == "approved"
        assert s.get(Campaign, city.campaign_a).status == "approved"
    assert f"Campaign #{city.campaign_a} approved." in page_text(at)


@sqlite_city
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


@sqlite_city
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


@sqlite_city
def test_pairing_claims_the_code_and_refuses_an_unknown_one(city_env) -> None:  # noqa: F811
    with session_scope(city_env.engine) as s:
        code, _secret = start_pairing(s)
    at = open_page(city_env, "views/staff_screens.py")
    at.text_input(key="pair_code").input("ZZZZZZ")
    at.text_input(key="pair_name").input("Paired kiosk")
    next(b for b in at.button if b.label == "Pair").click().run()
    assert not at.exception
    assert any("ZZZZZZ" in e.value for e in at.error)
    with session_scope(city_env.engine) as s:
        assert s.scalar(select(Screen).where(Screen.name == "Paired kiosk")) is None

    at.text_input(key="pair_code").input(code.lower())
    at.text_input(key="pair_name").input("Paired kiosk")
    next(b for b in at.button if b.label == "Pair").click().run()
    assert_clean(at)
    assert any("Paired kiosk" in m.value for m in at.success)
    with session_scope(city_env.engine) as s:
        screen = s.scalar(select(Screen).where(Screen.name == "Paired kiosk"))
        pairing = s.scalar(select(PairingCode).where(PairingCode.code == code))
        assert screen is not None and screen.token_hash is not None
        assert pairing.screen_id == screen.id and pairing.claimed_by_id is not None


@sqlite_city
def test_traffic_upload_reports_rows_and_stores_counts(city_env) -> None:  # noqa: F811
    screen_id = city_env.city.screen_ids[1]
    csv = (
        "screen_id,timestamp,count\n"
        f"{screen_id},2026-01-05 08:00,120\n"
        f"{screen_id},2026-01-05 09:00,-5\n"
        f"{screen_id},2026-01-05 10:00,90\n"
    ).encode()
    at = open_page(city_env, "views/staff_traffic.py")
    at.file_uploader(key="tr_files").upload("counts.csv", csv, "text/csv")
    next(b for b in at.button if b.label == "Import").click().run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["Kept"], metrics["Rejected"]) == ("2", "1")
    assert "counts.csv" in page_text(at)
    with session_scope(city_env.engine) as s:
        stored = s.scalars(select(TrafficCount.count).where(TrafficCount.screen_id == screen_id))
        assert sorted(stored) == [90, 120]


@sqlite_city
def test_traffic_heatmap_and_holdout_on_three_weeks(city_env) -> None:  # noqa: F811
    screen_id = city_env.city.screen_ids[2]
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    hours = [start + dt.timedelta(hours=h) for h in range(24 * 21)]
    with session_scope(city_env.engine) as s:
        s.execute(
            insert(TrafficCount),
            [{"screen_id": screen_id, "hour_start": h, "count": 50 + h.hour * 3} for h in hours],
        )
    at = open_page(city_env, "views/staff_traffic.py")
    at.selectbox(key="fc_screen").select(screen_id).run()
    assert_clean(at)
    labels = [m.label for m in at.metric]
    assert "Model MAE" in labels and "Same hour last week MAE" in labels
    at.button(key="bt_run").click().run()
    assert_clean(at)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Skill"].endswith("%")


@sqlite_city
def test_schedule_explains_an_item_of_the_current_playlist(city_env) -> None:  # noqa: F811
    city = city_env.city
    hour = utcnow().replace(minute=0, second=0, microsecond=0)
    document = {
        "screen_id": city.screen_ids[3],
        "version": 1,
        "valid_from": hour.isoformat(),
        "valid_until": (hour + dt.timedelta(hours=48)).isoformat(),
        "slot_seconds": 10,
        "items": {
            "a77": {
                "campaign_id": city.campaign_a,
                "duration_s": 10,
                "rule": "local_quota",
                "impressions_multiplier": 0.8,
                "explain": {
                    "campaign": "A spring sale",
                    "price_krw": 84,
                    "tier": "standard",
                    "forecast": 290.0,
                    "rule": "Placed by the local quota: Bakery A is a verified small local shop.",
                },
            },
            "house": {"duration_s": 10, "rule": "house"},
        },
        "hours": [
            {
                "start": (hour + dt.timedelta(hours=h)).isoformat(),
                "sequence": ["a77", "house", "a77"] * 120,
            }
            for h in range(48)
        ],
    }
    with session_scope(city_env.engine) as s:
        s.add(
            Playlist(
                screen_id=city.screen_ids[3],
                version=1,
                valid_from=hour,
                valid_until=hour + dt.timedelta(hours=48),
                etag="t1",
                document=document,
                is_current=True,
            )
        )
    at = open_page(city_env, "views/staff_schedule.py")
    at.selectbox(key="schedule_screen").select(city.screen_ids[3]).run()
    assert_clean(at)
    text = page_text(at)
    assert "Placed by the local quota" in text  # the most-played item is explained first
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Tier"] == "standard" and metrics["Price per play"] == "₩84"
    picker = next(b for b in at.selectbox if (b.key or "").startswith("schedule_item_"))
    assert picker.options[0].startswith("A spring sale") and "house" in picker.options[1]


@sqlite_city
def test_reports_show_compliance_and_offer_csv(city_env) -> None:  # noqa: F811
    at = open_page(city_env, "views/staff_reports.py")
    assert_clean(at)
    metrics = {m.label: m.value for m in at.metric}
    # The dashboard city plans 12 local and 12 other paid plays of 360 slots per screen-hour:
    # never met by local ads, yet compliant (the rest of the reserve is not sold to others).
    assert metrics["Met by local ads"] == "0.0%"
    assert metrics["Compliant"] == "100.0%" and metrics["Breaches"] == "0"
    assert metrics["Revenue in the period"].startswith("₩")
    assert len(at.get("download_button")) == 4


@sqlite_city
def test_replan_now_publishes_and_the_schedule_shows_the_campaign(city_env) -> None:  # noqa: F811
    """Re-plan from the Jobs page, then find the approved campaign in a screen's schedule."""
    at = open_page(city_env, "views/staff_jobs.py")
    at.button(key="replan").click().run(timeout=120)
    assert_clean(at)
    assert any(m.value.startswith("Re-plan finished: ok") for m in at.success)
    with session_scope(city_env.engine) as s:
        run = s.scalars(select(JobRun).where(JobRun.job == "replan")).all()[-1]
        assert run.outcome == "ok", run.error
        screen_id = next(
            p.screen_id
            for p in s.scalars(select(Playlist).where(Playlist.is_current.is_(True)))
            if any(
                item.get("campaign_id") == city_env.city.campaign_a
                for item in p.document["items"].values()
            )
        )
    at.switch_page("views/staff_schedule.py").run()
    at.selectbox(key="schedule_screen").select(screen_id).run()
    assert_clean(at)
    picker = next(b for b in at.selectbox if (b.key or "").startswith("schedule_item_"))
    assert "A spring sale" in picker.options
    picker.select("A spring sale").run()
    assert_clean(at)
    assert any("A spring sale" in m.value for m in at.markdown if m.value.startswith("####"))


@sqlite_city
def test_policy_and_tiers_save_new_versions(city_env) -> None:  # noqa: F811
    at = open_page(city_env, "views/staff_policy.py")
    assert_clean(at)
    at.slider(key="q_local").set_value(0.5)
    at.text_input(key="q_note").input("more room for others")
    next(b for b in at.button if b.label == "Save quota").click().run()
    assert_clean(at)
    next(b for b in at.button if b.label == "Save tiers").click().run()
    assert_clean(at)
    with session_scope(city_env.engine) as s:
        policy = s.scalars(select(QuotaPolicy).order_by(QuotaPolicy.id.desc())).first()
        assert policy.local_min_share == pytest.approx(0.5)
        assert policy.note == "more room for others"
        assert policy.effective_from > utcnow()
        staff_id = s.scalar(select(User.id).where(User.username == "staff"))
        assert policy.created_by_id == staff_id
        tier_set = s.scalars(select(PricingTierSet).order_by(PricingTierSet.id.desc())).first()
        assert tier_set is not None and len(tier_set.tiers) >= 1
    assert "in force from" in page_text(at) or len(at.dataframe) >= 2
