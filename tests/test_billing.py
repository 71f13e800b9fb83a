"""Daily billing roll-up from plays and the owner's monthly statement, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select

from scheduler.billing import local_day_bounds, roll_up_billing, statement
from scheduler.db import session_scope
from scheduler.errors import ValidationFailed
from scheduler.models import BillingDaily, Business, Campaign, Play, Screen

SEOUL = ZoneInfo("Asia/Seoul")
DAY = dt.date(2026, 11, 23)  # in Seoul: 2026-11-22 15:00 UTC to 2026-11-23 15:00 UTC
_uid = itertools.count()


def _play(screen: Screen, campaign: Campaign | None, at: dt.datetime, price: int) -> Play:
    return Play(
        screen_id=screen.id,
        play_uid=f"p{next(_uid)}",
        item_id="house" if campaign is None else "a1",
        campaign_id=campaign.id if campaign else None,
        started_at=at,
        duration_ms=10_000,
        price_krw=price,
        impressions=0.5,
    )


def _utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def test_local_day_bounds_follow_the_city_zone() -> None:
    assert local_day_bounds(DAY, SEOUL) == (_utc(2026, 11, 22, 15), _utc(2026, 11, 23, 15))
    # A DST day in a zone that has it is 23 hours long.
    start, end = local_day_bounds(dt.date(2026, 10, 4), ZoneInfo("Australia/Melbourne"))
    assert end - start == dt.timedelta(hours=23)


def test_roll_up_counts_the_city_day_and_is_idempotent(engine: Engine) -> None:
    with session_scope(engine) as session:
        shop, other = Business(name="Bakery"), Business(name="Chain")
        screen = Screen(name="Plaza")
        session.add_all([shop, other, screen])
        session.flush()
        common = {"starts_on": DAY, "ends_on": DAY, "budget_krw": 10_000, "status": "approved"}
        bread = Campaign(business_id=shop.id, name="Bread", **common)
        cake = Campaign(business_id=shop.id, name="Cake", **common)
        sale = Campaign(business_id=other.id, name="Sale", **common)
        session.add_all([bread, cake, sale])
        session.flush()
        session.add_all(
            [
                _play(screen, bread, _utc(2026, 11, 22, 14, 59, 59), 999),  # the day before
                _play(screen, bread, _utc(2026, 11, 22, 15), 120),  # local midnight
                _play(screen, bread, _utc(2026, 11, 23, 3), 150),
                _play(screen, bread, _utc(2026, 11, 23, 14, 59, 59), 80),
                _play(screen, bread, _utc(2026, 11, 23, 15), 999),  # the day after
                _play(screen, cake, _utc(2026, 11, 23, 1), 100),
                _play(screen, sale, _utc(2026, 11, 23, 2), 300),
                _play(screen, None, _utc(2026, 11, 23, 2), 0),  # house content bills nobody
            ]
        )
        ids = {"bread": bread.id, "cake": cake.id, "sale": sale.id, "shop": shop.id}

    def billed() -> dict[int, tuple[int, float, int]]:
        with session_scope(engine) as session:
            rows = session.scalars(select(BillingDaily).where(BillingDaily.day == DAY)).all()
            return {r.campaign_id: (r.plays, r.impressions, r.charge_krw) for r in rows}

    with session_scope(engine) as session:
        summary = roll_up_billing(session, DAY, tz=SEOUL)
    assert (summary.campaigns, summary.plays, summary.charge_krw) == (3, 5, 750)
    first = billed()
    assert first == {
        ids["bread"]: (3, 1.5, 350),
        ids["cake"]: (1, 0.5, 100),
        ids["sale"]: (1, 0.5, 300),
    }
    with session_scope(engine) as session:
        roll_up_billing(session, DAY, tz=SEOUL)
        roll_up_billing(session, DAY - dt.timedelta(days=1), tz=SEOUL)  # leaves DAY alone
    assert billed() == first

    # A screen that was offline reports a play late; re-running picks it up, replacing the row.
    with session_scope(engine) as session:
        screen = session.scalars(select(Screen)).one()
        late = _play(screen, session.get(Campaign, ids["cake"]), _utc(2026, 11, 23, 5), 110)
        session.add(late)
    with session_scope(engine) as session:
        roll_up_billing(session, DAY, tz=SEOUL)
    assert billed()[ids["cake"]] == (2, 1.0, 210)

    with session_scope(engine) as session:
        rows = statement(session, ids["shop"], "2026-11")
        # Bread's row for the 22nd (the 999-won play) is in November too; Sale is another shop's.
        assert [(r.campaign, r.month, r.days, r.plays, r.charge_krw) for r in rows] == [
            ("Bread", "2026-11", 2, 4, 350 + 999),
            ("Cake", "2026-11", 1, 2, 210),
        ]
        assert statement(session, ids["shop"]) == rows
        assert statement(session, ids["shop"], dt.date(2026, 12, 5)) == []
        with pytest.raises(ValidationFailed, match="2026-11"):
            statement(session, ids["shop"], "November")
