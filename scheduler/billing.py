"""Billing: plays rolled up per campaign and city-local day, and the owner's monthly statement.

A play is charged at the price frozen into the plan when it was scheduled (``plays.price_krw``);
``plays`` holds only plays that ran their full length (``scheduler.proof_of_play`` refuses the
rest), so every stored play of a campaign is billed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from scheduler.errors import ValidationFailed
from scheduler.models import BillingDaily, Campaign, Play
from scheduler.settings import get_settings


@dataclass(frozen=True)
class RollUp:
    """What one roll-up wrote for one day."""

    day: dt.date
    campaigns: int
    plays: int
    impressions: float
    charge_krw: int

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "day": self.day.isoformat()}


@dataclass(frozen=True)
class StatementRow:
    """One campaign's totals for one month."""

    campaign_id: int
    campaign: str
    month: str  # YYYY-MM
    days: int
    plays: int
    impressions: float
    charge_krw: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def local_day_bounds(day: dt.date, tz: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """The UTC instants where the city-local ``day`` starts and the next one starts (DST-safe)."""
    start = dt.datetime.combine(day, dt.time(), tzinfo=tz)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=tz)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def roll_up_billing(session: Session, day: dt.date, *, tz: ZoneInfo | None = None) -> RollUp:
    """Replace ``billing_daily`` for the city-local ``day`` with totals from ``plays``.

    Idempotent: running it again (say after late plays arrived) gives the same rows, not more.
    """
    start, end = local_day_bounds(day, tz or get_settings().tz)
    totals = session.execute(
        select(
            Play.campaign_id,
            func.count(Play.id),
            func.coalesce(func.sum(Play.impressions), 0.0),
            func.coalesce(func.sum(Play.price_krw), 0),
        )
        .where(
            Play.campaign_id.is_not(None),
            Play.started_at >= start,
            Play.started_at < end,
        )
        .group_by(Play.campaign_id)
        .order_by(Play.campaign_id)
    ).all()
    session.execute(delete(BillingDaily).where(BillingDaily.day == day))
    rows = [
        BillingDaily(
            campaign_id=campaign_id,
            day=day,
            plays=int(plays),
            impressions=float(impressions),
            charge_krw=int(charge),
        )
        for campaign_id, plays, impressions, charge in totals
    ]
    session.add_all(rows)
    session.flush()
    return RollUp(
        day=day,
        campaigns=len(rows),
        plays=sum(r.plays for r in rows),
        impressions=sum(r.impressions for r in rows),
        charge_krw=sum(r.charge_krw for r in rows),
    )


def _month_bounds(month: dt.date | str) -> tuple[dt.date, dt.date]:
    if isinstance(month, str):
        try:
            year, number = (int(part) for part in month.split("-"))
            first = dt.date(year, number, 1)
        except ValueError:
            raise ValidationFailed(
                f"{month!r} is not a month; write it like 2026-11.", code="bad_month"
            ) from None
    else:
        first = month.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return first, following


def statement(
    session: Session, business_id: int, month: dt.date | str | None = None
) -> list[StatementRow]:
    """The business's billed totals per campaign and month (one month, or every month).

    Reads ``billing_daily``, so it shows what the daily roll-up has charged so far.
    """
    query = (
        select(Campaign.id, Campaign.name, BillingDaily.day, BillingDaily.plays)
        .add_columns(BillingDaily.impressions, BillingDaily.charge_krw)
        .join(Campaign, Campaign.id == BillingDaily.campaign_id)
        .where(Campaign.business_id == business_id)
        .order_by(BillingDaily.day, Campaign.id)
    )
    if month is not None:
        first, following = _month_bounds(month)
        query = query.where(BillingDaily.day >= first, BillingDaily.day < following)
    grouped: dict[tuple[str, int], dict[str, Any]] = {}
    for campaign_id, name, day, plays, impressions, charge in session.execute(query):
        key = (day.strftime("%Y-%m"), campaign_id)
        row = grouped.setdefault(
            key, {"name": name, "days": 0, "plays": 0, "impressions": 0.0, "charge": 0}
        )
        row["days"] += 1
        row["plays"] += plays
        row["impressions"] += impressions
        row["charge"] += charge
    return [
        StatementRow(
            campaign_id=campaign_id,
            campaign=row["name"],
            month=month_key,
            days=row["days"],
            plays=row["plays"],
            impressions=round(row["impressions"], 3),
            charge_krw=row["charge"],
        )
        for (month_key, campaign_id), row in sorted(grouped.items())
    ]
