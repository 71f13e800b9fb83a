"""A small city for the dashboard tests: two zones, four screens, two shops with one owner each.

Shop A and shop B each have an ad, a campaign, a published plan, plays and billed days, so that
every page has something to show and an owner of A has something of B's to try to reach.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import Engine

from assets.ingest import ingest_upload
from assets.storage import LocalStorage
from scheduler.campaigns import create_campaign
from scheduler.db import session_scope
from scheduler.models import (
    BillingDaily,
    Business,
    PlanAllocation,
    PlanRun,
    Play,
    Screen,
    Zone,
    utcnow,
)
from scheduler.users import create_user

PASSWORD = "correct-horse-9"
APP = Path(__file__).resolve().parent.parent / "dashboard" / "app.py"


@dataclass(frozen=True)
class City:
    business_a: int
    business_b: int
    campaign_a: int
    campaign_b: int
    creative_a: int
    creative_b: int
    screen_ids: list[int]


def png(colour: str, size: tuple[int, int] = (600, 400)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "PNG")
    return buffer.getvalue()


def seed_city(engine: Engine, assets_dir) -> City:
    storage = LocalStorage(assets_dir)
    today = dt.date.today()
    with session_scope(engine) as s:
        north = Zone(name="North market", kind="market", latitude=37.57, longitude=126.98)
        lake = Zone(name="Lake park", kind="park", latitude=37.51, longitude=127.10)
        s.add_all([north, lake])
        s.flush()
        screens = [
            Screen(name="N1 bus stop", zone_id=north.id, latitude=37.571, longitude=126.981),
            Screen(name="N2 plaza", zone_id=north.id, latitude=37.569, longitude=126.979),
            Screen(
                name="L1 gate",
                zone_id=lake.id,
                latitude=37.511,
                longitude=127.101,
                width_px=1920,
                height_px=1080,
            ),
            Screen(name="L2 cafe", zone_id=lake.id, latitude=37.509, longitude=127.099),
        ]
        s.add_all(screens)
        a = Business(name="Bakery A", is_small_local=True, claims_small_local=True)
        b = Business(name="Florist B")
        s.add_all([a, b])
        s.flush()
        owner_a = create_user(s, "owner_a", PASSWORD, "owner", business_id=a.id)
        owner_b = create_user(s, "owner_b", PASSWORD, "owner", business_id=b.id)
        create_user(s, "staff", PASSWORD, "staff")
        create_user(s, "admin", PASSWORD, "admin")
        creative_a = ingest_upload(
            s, storage, png("#d04020"), "bread.png", business_id=a.id, name="Fresh bread"
        )
        creative_b = ingest_upload(
            s, storage, png("#20a040"), "tulips.png", business_id=b.id, name="B secret tulips"
        )
        campaigns = []
        for business, owner, creative, name in (
            (a, owner_a, creative_a, "A spring sale"),
            (b, owner_b, creative_b, "B secret campaign"),
        ):
            campaign = create_campaign(
                s,
                business.id,
                name=name,
                starts_on=today - dt.timedelta(days=3),
                ends_on=today + dt.timedelta(days=10),
                budget_krw=500_000,
                creative_id=creative.id,
                user=owner,
                today=today - dt.timedelta(days=3),
            )
            campaign.status = "approved"
            campaigns.append(campaign)
        creative_a.status = "approved"
        creative_b.status = "rejected"
        creative_b.reject_reason = "B private rejection reason"
        s.flush()
        now = utcnow().replace(minute=0, second=0, microsecond=0)
        run = PlanRun(
            horizon_start=now - dt.timedelta(days=2),
            horizon_end=now + dt.timedelta(hours=48),
            status="published",
            finished_at=now,
        )
        s.add(run)
        s.flush()
        for hours_ago in range(-24, 48, 6):
            hour = now - dt.timedelta(hours=hours_ago)
            for campaign in campaigns:
                s.add(
                    PlanAllocation(
                        plan_run_id=run.id,
                        screen_id=screens[0].id,
                        hour_start=hour,
                        campaign_id=campaign.id,
                        plays=12,
                        price_krw=120,
                        tier="standard",
                        forecast=400.0,
                        impressions_multiplier=1.1,
                        rule="local_quota" if campaign.business_id == a.id else "paid",
                    )
                )
        for i in range(30):
            for campaign in campaigns:
                s.add(
                    Play(
                        screen_id=screens[0].id,
                        play_uid=f"p{campaign.id}-{i}",
                        item_id="a1",
                        campaign_id=campaign.id,
                        creative_id=campaign.creative_id,
                        started_at=now - dt.timedelta(hours=i),
                        duration_ms=10_000,
                        price_krw=120,
                        impressions=1.1,
                    )
                )
        for days_ago in (1, 2, 40):
            for campaign in campaigns:
                s.add(
                    BillingDaily(
                        campaign_id=campaign.id,
                        day=today - dt.timedelta(days=days_ago),
                        plays=10,
                        impressions=11.0,
                        charge_krw=1200 if campaign.business_id == a.id else 987_654,
                    )
                )
        s.flush()
        return City(
            business_a=a.id,
            business_b=b.id,
            campaign_a=campaigns[0].id,
            campaign_b=campaigns[1].id,
            creative_a=creative_a.id,
            creative_b=creative_b.id,
            screen_ids=[sc.id for sc in screens],
        )


# ------------------------------------------------------------------ fixtures for AppTest


@dataclass
class CityEnv:
    city: City
    engine: Engine
    data_dir: object


def _truncate(engine: Engine) -> None:
    from sqlalchemy import text

    from scheduler.models import Base

    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def city_env(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """The seeded city, with the dashboard's settings (env) pointing at it for the module."""
    from scheduler.db import engine_for
    from scheduler.migrate import upgrade
    from scheduler.settings import get_settings

    data_dir = tmp_path_factory.mktemp("dashboard")
    patch = pytest.MonkeyPatch()
    patch.setenv("LOCALCAST_DATA_DIR", str(data_dir))
    patch.setenv("LOCALCAST_TIMEZONE", "Asia/Seoul")
    if request.param == "postgres":
        url = request.getfixturevalue("postgres_database")
        patch.setenv("LOCALCAST_DATABASE_URL", url)
    else:
        patch.delenv("LOCALCAST_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    engine = engine_for(get_settings().effective_database_url)
    if request.param == "postgres":
        _truncate(engine)
    else:
        upgrade(engine)
    city = seed_city(engine, get_settings().assets_dir)
    yield CityEnv(city=city, engine=engine, data_dir=data_dir)
    patch.undo()
    get_settings.cache_clear()


def app_as(env: CityEnv, username: str | None, lang: str = "en"):
    """An AppTest of the dashboard, logged in as ``username`` (None: logged out), run once."""
    from streamlit.testing.v1 import AppTest

    from dashboard import auth

    at = AppTest.from_file(str(APP), default_timeout=30)
    at.session_state["lang"] = lang
    if username is not None:
        at.session_state["lc_token"] = auth.log_in(env.engine, username, PASSWORD, hours=1)
    return at.run()


def page_text(at) -> str:
    """Every piece of text the run put on screen, for 'is it shown' checks."""
    parts: list[str] = []
    for kind in (
        "title",
        "header",
        "subheader",
        "markdown",
        "caption",
        "text",
        "info",
        "warning",
        "error",
        "success",
        "metric",
    ):
        for element in getattr(at, kind):
            parts.append(str(getattr(element, "value", "")))
            parts.append(str(getattr(element, "label", "")))
    for frame in at.dataframe:
        parts.append(frame.value.to_string())
    for box in [*at.selectbox, *at.multiselect, *at.radio]:
        parts.extend(str(option) for option in box.options)
    return "\n".join(parts)


def assert_clean(at) -> None:
    """No exception element and no error box on the page."""
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
