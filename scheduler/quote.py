"""The quote for a draft campaign: what its budget buys per day, before booking.

The draft is priced like the planner prices a booked campaign (tier by forecast, local discount)
and its daily pace is spent on its best audience-per-won screen-hours, at most one advertiser's
share of each, as the allocator would without competition. Forecasts come from the latest
forecast run, as an hour-of-week profile per screen, so any flight length can be quoted.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler import forecast as forecasting
from scheduler.errors import ValidationFailed
from scheduler.models import Business, Forecast, Screen, utcnow
from scheduler.policy import policy_at, price_rules_of, quotas_of, tier_list, tiers_at
from scheduler.pricing import Quote, impressions_multiplier, play_prices, tier_of
from scheduler.settings import get_settings

MAX_QUOTED_DAYS = 92


def _profile(session: Session, start: dt.datetime, tz: str) -> pd.DataFrame:
    """Mean expected passers-by per (screen, local weekday, local hour)."""
    end = start + dt.timedelta(hours=168)
    rows = session.execute(
        select(Forecast.screen_id, Forecast.hour_start, Forecast.expected).where(
            Forecast.hour_start >= start, Forecast.hour_start < end
        )
    ).all()
    frame = pd.DataFrame(rows, columns=["screen_id", "hour_start", "expected"])
    if frame.empty:
        frame = forecasting.refresh_forecasts(session, start, 168, tz=tz)[
            ["screen_id", "hour_start", "expected"]
        ]
    local = pd.to_datetime(frame["hour_start"], utc=True).dt.tz_convert(ZoneInfo(tz))
    frame = frame.assign(weekday=local.dt.day_of_week, hour=local.dt.hour)
    return frame.groupby(["screen_id", "weekday", "hour"], as_index=False)["expected"].mean()


def quote_draft(session: Session, draft: Any, now: dt.datetime | None = None) -> Quote:
    now = (now or utcnow()).astimezone(dt.UTC)
    tz = get_settings().timezone
    today = now.astimezone(ZoneInfo(tz)).date()
    if draft.ends_on < draft.starts_on:
        raise ValidationFailed("The campaign ends before it starts; check the dates.")
    if draft.ends_on < today:
        raise ValidationFailed("The campaign's dates are in the past; pick dates from today on.")
    business = session.get(Business, draft.business_id)
    if business is None:
        raise ValidationFailed(f"There is no business with id {draft.business_id}.")
    policy = policy_at(session, now)
    rules, quotas = price_rules_of(policy), quotas_of(policy)
    tiers = tier_list(tiers_at(session, now))
    first = max(today, draft.starts_on)
    n_days = (draft.ends_on - first).days + 1
    pace = float(draft.budget_krw) / n_days
    notes: list[str] = []
    if n_days > MAX_QUOTED_DAYS:
        notes.append(f"quoted for the first {MAX_QUOTED_DAYS} days; later days look alike")

    query = select(Screen).where(Screen.status == "active")
    screen_ids, zone_ids = list(draft.screen_ids or []), list(draft.zone_ids or [])
    if screen_ids or zone_ids:
        query = query.where(Screen.id.in_(screen_ids) | Screen.zone_id.in_(zone_ids))
    screens = session.scalars(query.order_by(Screen.id)).all()
    if not screens:
        raise ValidationFailed("No active screen matches the chosen screens and zones.")
    start = now.replace(minute=0, second=0, microsecond=0)
    profile = _profile(session, start, tz).set_index(["screen_id", "weekday", "hour"])["expected"]
    is_local = bool(business.is_small_local) and business.kind != "public"

    days: list[dict[str, Any]] = []
    tiers_used: dict[str, int] = {}
    ordered = sorted(tiers, key=lambda t: t.min_traffic)
    for offset in range(min(n_days, MAX_QUOTED_DAYS)):
        day = first + dt.timedelta(days=offset)
        weekday = day.weekday()
        hours = [int(h) for h in draft.dayparts[weekday]] if draft.dayparts else []
        cells = [
            (s, h)
            for s in screens
            for h in hours
            if s.open_hour <= h < s.close_hour
            and not (day == today and h < now.astimezone(ZoneInfo(tz)).hour)
        ]
        if not cells:
            days.append({"day": day.isoformat(), "plays": 0, "impressions": 0.0, "cost_krw": 0})
            continue
        fc = np.array([float(profile.get((s.id, weekday, h), 0.0)) for s, h in cells])
        slot = np.array([s.slot_seconds for s, _ in cells])
        vis = np.array([s.visibility_factor for s, _ in cells])
        base = np.array([s.base_price_krw for s, _ in cells])
        idx = tier_of(fc, ordered)
        mult = np.array([ordered[i].multiplier for i in idx])
        price = np.maximum(play_prices(base * mult, np.zeros(len(cells), bool), is_local, rules), 1)
        aud = impressions_multiplier(fc, slot, vis)
        cap = np.floor(quotas.advertiser_max_share * (3600 // slot) + 1e-9).astype(int)
        order = np.argsort(-(aud / price), kind="stable")
        left, plays = pace, np.zeros(len(cells), int)
        for i in order:
            k = int(min(cap[i], left // price[i]))
            if k > 0:
                plays[i] = k
                left -= k * price[i]
        for i in np.nonzero(plays)[0]:
            name = ordered[idx[i]].name
            tiers_used[name] = tiers_used.get(name, 0) + int(plays[i])
        days.append(
            {
                "day": day.isoformat(),
                "plays": int(plays.sum()),
                "impressions": round(float(np.dot(plays, aud)), 1),
                "cost_krw": int(np.dot(plays, price)),
            }
        )
    total_cost = sum(d["cost_krw"] for d in days)
    if days and total_cost < 0.9 * pace * len(days):
        notes.append(
            "the chosen screens and hours cannot take the whole budget; add screens or hours"
        )
    if policy.surcharge_rate > 0:
        notes.append(
            f"busy screen-hours (over {policy.surcharge_threshold:.0%} booked) cost "
            f"{policy.surcharge_rate:.0%} more"
        )
    return Quote(
        expected_plays=sum(d["plays"] for d in days),
        impressions=float(sum(d["impressions"] for d in days)),
        cost_krw=total_cost,
        cost_per_day_krw=total_cost / max(len(days), 1),
        tiers_used=tiers_used,
        days=days,
        notes=notes,
    )
