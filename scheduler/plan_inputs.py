"""The database edge of planning: screens, campaigns, forecast, policy and prices as plain frames.

Everything the pure allocator, checker and ordering need is loaded here once; nothing after
this touches the database until publishing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from scheduler.allocate import Quotas
from scheduler.models import (
    Business,
    Campaign,
    Creative,
    Play,
    PricingTierSet,
    QuotaPolicy,
    Rendition,
    Screen,
)
from scheduler.pacing import day_caps as pace_day_caps
from scheduler.policy import policy_at, price_rules_of, quotas_of, tier_list, tiers_at
from scheduler.pricing import (
    PriceRules,
    Tier,
    booked_share,
    impressions_multiplier,
    list_prices,
    play_prices,
    tier_of,
)

CONTENT_TYPES = {
    "webp": "image/webp",
    "png": "image/png",
    "jpeg": "image/jpeg",
    "jpg": "image/jpeg",
}


@dataclass
class PlanInputs:
    horizon_start: dt.datetime
    horizon_end: dt.datetime
    timezone: str
    policy: QuotaPolicy
    tier_set: PricingTierSet
    quotas: Quotas
    rules: PriceRules
    tiers: tuple[Tier, ...]
    screens: pd.DataFrame
    screen_hours: pd.DataFrame
    campaigns: pd.DataFrame
    day_caps: pd.DataFrame
    eligible: pd.DataFrame
    media: dict[tuple[int, int, int], dict[str, Any]]  # (creative, width, height) -> media entry
    house: dict[int, tuple[int, dict[str, Any]] | None]  # screen -> (creative id, media entry)
    notes: list[str] = field(default_factory=list)


def horizon(now: dt.datetime, hours: int) -> tuple[dt.datetime, dt.datetime]:
    """[start of the current hour, at least ``hours`` after ``now``)."""
    start = now.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)
    extra = 1 if now > start else 0
    return start, start + dt.timedelta(hours=hours + extra)


def hour_frame(start: dt.datetime, end: dt.datetime, tz: str) -> pd.DataFrame:
    """Every UTC hour in [start, end) with its city-local date, weekday and hour."""
    utc = pd.date_range(start, end, freq="h", inclusive="left", tz="UTC")
    local = utc.tz_convert(ZoneInfo(tz))
    dates = local.date
    first = dates[0] if len(dates) else start.date()
    return pd.DataFrame(
        {
            "hour_start": utc,
            "local_date": dates,
            "weekday": local.day_of_week,
            "local_hour": local.hour,
            "day": [(d - first).days for d in dates],
        }
    )


def _media_entry(rendition: Rendition) -> dict[str, Any]:
    return {
        "sha256": rendition.sha256,
        "size_bytes": int(rendition.size_bytes),
        "content_type": CONTENT_TYPES.get(rendition.format.lower(), f"image/{rendition.format}"),
        "width": int(rendition.width_px),
        "height": int(rendition.height_px),
    }


def load_inputs(
    session: Session,
    start: dt.datetime,
    end: dt.datetime,
    forecast: pd.DataFrame,
    tz: str,
) -> PlanInputs:
    """Frames for planning [start, end) with ``forecast`` (``screen_id``, ``hour_start``,
    ``expected``) from ``scheduler.forecast.refresh_forecasts``."""
    policy = policy_at(session, start)
    tier_set = tiers_at(session, start)
    quotas, rules, tiers = quotas_of(policy), price_rules_of(policy), tier_list(tier_set)
    notes: list[str] = []

    screens = pd.DataFrame(
        session.execute(
            select(
                Screen.id.label("screen_id"),
                Screen.zone_id,
                Screen.width_px,
                Screen.height_px,
                Screen.slot_seconds,
                Screen.open_hour,
                Screen.close_hour,
                Screen.visibility_factor,
                Screen.base_price_krw,
            )
            .where(Screen.status == "active")
            .order_by(Screen.id)
        ).all()
    )
    hours = hour_frame(start, end, tz)
    if screens.empty:
        return PlanInputs(
            start, end, tz, policy, tier_set, quotas, rules, tiers, _empty_screens(),
            _empty_screen_hours(), _empty_campaigns(), _empty_caps(), _empty_eligible(), {}, {},
            ["no active screens: nothing to plan"],
        )  # fmt: skip

    # Screen-hours the screens are open, with forecast, audience per play and tier.
    grid = screens.merge(hours, how="cross")
    is_open = (grid["local_hour"] >= grid["open_hour"]) & (grid["local_hour"] < grid["close_hour"])
    grid = grid[is_open].reset_index(drop=True)
    fc = forecast[["screen_id", "hour_start", "expected"]].copy()
    fc["hour_start"] = pd.to_datetime(fc["hour_start"], utc=True)
    grid = grid.merge(fc, on=["screen_id", "hour_start"], how="left")
    missing = int(grid["expected"].isna().sum())
    if missing:
        notes.append(f"{missing} open screen-hours have no forecast; planned with 0 passers-by")
    grid["forecast"] = grid["expected"].fillna(0.0).clip(lower=0.0)
    grid["sh"] = np.arange(len(grid))
    grid["capacity"] = (3600 // grid["slot_seconds"]).astype(np.int64)
    grid["audience"] = impressions_multiplier(
        grid["forecast"], grid["slot_seconds"], grid["visibility_factor"]
    )
    ordered = sorted(tiers, key=lambda t: t.min_traffic)
    tier_idx = tier_of(grid["forecast"].to_numpy(), ordered)
    grid["tier"] = [ordered[i].name for i in tier_idx]
    grid["tier_multiplier"] = [ordered[i].multiplier for i in tier_idx]
    grid["list_price"] = list_prices(grid["base_price_krw"], grid["tier_multiplier"])

    campaigns, eligible, caps, media, house = _campaign_frames(
        session, screens, grid, hours, start, tz, notes
    )
    paid = ~eligible["campaign_id"].map(campaigns.set_index("campaign_id")["is_public"]).astype(
        bool
    )
    sh_idx = eligible["sh"].to_numpy(np.int64)
    lp = grid["list_price"].to_numpy()[sh_idx]
    share = booked_share(
        pd.DataFrame(
            {
                "sh": sh_idx[paid],
                "campaign_id": eligible["campaign_id"][paid],
                "list_price": lp[paid],
            }
        ),
        grid,
        caps,
    )
    grid["booked_share"] = share
    is_local = eligible["campaign_id"].map(campaigns.set_index("campaign_id")["is_local"])
    price = play_prices(
        lp, share[sh_idx] > rules.surcharge_threshold, is_local.to_numpy(bool), rules
    )
    eligible = eligible.assign(price_krw=np.where(paid, price, 0).astype(np.int64))
    return PlanInputs(
        start, end, tz, policy, tier_set, quotas, rules, tiers, screens, grid, campaigns, caps,
        eligible, media, house, notes,
    )  # fmt: skip


def _typed(columns: dict[str, str]) -> pd.DataFrame:
    """An empty frame with real column types, so merges on it behave as on a full one."""
    return pd.DataFrame({name: pd.Series(dtype=kind) for name, kind in columns.items()})


def _empty_screens() -> pd.DataFrame:
    return _typed(
        {"screen_id": "int64", "zone_id": "int64", "width_px": "int64", "height_px": "int64",
         "slot_seconds": "int64", "open_hour": "int64", "close_hour": "int64",
         "visibility_factor": "float64", "base_price_krw": "int64"}
    )  # fmt: skip


def _empty_screen_hours() -> pd.DataFrame:
    frame = _typed(
        {"sh": "int64", "screen_id": "int64", "capacity": "int64", "audience": "float64",
         "day": "int64", "forecast": "float64", "tier": "object", "booked_share": "float64",
         "slot_seconds": "int64"}
    )  # fmt: skip
    frame.insert(2, "hour_start", pd.Series(dtype="datetime64[ns, UTC]"))
    return frame


def _empty_campaigns() -> pd.DataFrame:
    return _typed(
        {"campaign_id": "int64", "business_id": "int64", "name": "object", "is_local": "bool",
         "is_public": "bool", "remaining_krw": "int64", "days_left": "int64",
         "creative_id": "int64"}
    )  # fmt: skip


def _empty_caps() -> pd.DataFrame:
    return _typed({"campaign_id": "int64", "day": "int64", "cap_krw": "int64"})


def _empty_eligible() -> pd.DataFrame:
    return _typed({"sh": "int64", "campaign_id": "int64", "price_krw": "int64"})


def _campaign_frames(
    session: Session,
    screens: pd.DataFrame,
    grid: pd.DataFrame,
    hours: pd.DataFrame,
    start: dt.datetime,
    tz: str,
    notes: list[str],
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, dict, dict]:
    first_day = hours["local_date"].iloc[0]
    last_day = hours["local_date"].iloc[-1]
    rows = session.execute(
        select(Campaign, Business.kind, Business.is_small_local, Creative.status)
        .join(Business, Business.id == Campaign.business_id)
        .outerjoin(Creative, Creative.id == Campaign.creative_id)
        .where(
            Campaign.status == "approved",
            Campaign.starts_on <= last_day,
            Campaign.ends_on >= first_day,
        )
        .order_by(Campaign.id)
    ).all()
    spent = dict(
        session.execute(
            select(Play.campaign_id, func.coalesce(func.sum(Play.price_krw), 0)).group_by(
                Play.campaign_id
            )
        ).all()
    )
    renditions = session.scalars(select(Rendition).where(Rendition.purpose == "screen")).all()
    media: dict[tuple[int, int, int], dict[str, Any]] = {
        (r.creative_id, r.width_px, r.height_px): _media_entry(r) for r in renditions
    }
    today = (
        dt.datetime.now(ZoneInfo(tz)).date()
        if start is None
        else start.astimezone(ZoneInfo(tz)).date()
    )

    camp_rows: list[dict[str, Any]] = []
    pair_parts: list[pd.DataFrame] = []
    hour_rows: list[tuple[int, int, int, int]] = []
    sizes = screens.set_index("screen_id")[["width_px", "height_px"]]
    zone_of = screens.set_index("screen_id")["zone_id"]
    wd = hours["weekday"].to_numpy()
    hr = hours["local_hour"].to_numpy()
    dates = hours["local_date"].to_numpy()
    days = hours["day"].to_numpy()
    for campaign, kind, small_local, creative_status in rows:
        label = f"campaign {campaign.id} ({campaign.name})"
        if campaign.creative_id is None or creative_status != "approved":
            notes.append(f"{label} has no approved creative; not planned")
            continue
        targets = set(int(s) for s in campaign.target_screen_ids or [])
        zones = set(int(z) for z in campaign.target_zone_ids or [])
        chosen = sizes.index[
            sizes.index.isin(list(targets)) | zone_of.isin(list(zones))
            if (targets or zones)
            else np.ones(len(sizes), bool)
        ]
        fitting = [
            s
            for s in chosen
            if (campaign.creative_id, int(sizes.at[s, "width_px"]), int(sizes.at[s, "height_px"]))
            in media
        ]
        if len(fitting) < len(chosen):
            notes.append(
                f"{label}: {len(chosen) - len(fitting)} targeted screen(s) have no rendition of "
                "its creative for their size; it does not play there"
            )
        dayparts = campaign.dayparts or [list(range(24))] * 7
        allowed = np.zeros((7, 24), bool)
        for weekday, listed in enumerate(dayparts[:7]):
            for h in listed:
                if 0 <= int(h) < 24:
                    allowed[weekday, int(h)] = True
        in_flight = (dates >= campaign.starts_on) & (dates <= campaign.ends_on)
        ok_hours = allowed[wd, hr] & in_flight
        for d in np.unique(days[ok_hours]):
            weekday = int(wd[days == d][0])
            hour_rows.append(
                (campaign.id, int(d), int(np.sum(ok_hours & (days == d))),
                 int(allowed[weekday].sum()))
            )  # fmt: skip
        ok_starts = hours["hour_start"][ok_hours]
        pairs = grid.loc[
            grid["screen_id"].isin(fitting) & grid["hour_start"].isin(ok_starts), ["sh"]
        ]
        pair_parts.append(pairs.assign(campaign_id=campaign.id))
        left = int(campaign.budget_krw) - int(spent.get(campaign.id, 0))
        camp_rows.append(
            {
                "campaign_id": campaign.id,
                "business_id": campaign.business_id,
                "name": campaign.name,
                "is_local": bool(small_local) and kind != "public",
                "is_public": kind == "public",
                "remaining_krw": max(left, 0),
                "days_left": (campaign.ends_on - max(today, campaign.starts_on)).days + 1,
                "creative_id": campaign.creative_id,
            }
        )
        if kind != "public" and left <= 0:
            notes.append(f"{label} has spent its budget; not planned")
    campaigns = pd.DataFrame(camp_rows) if camp_rows else _empty_campaigns()
    eligible = (
        pd.concat(pair_parts, ignore_index=True)
        if pair_parts
        else _empty_eligible()[["sh", "campaign_id"]]
    )
    hours_frame = pd.DataFrame(
        hour_rows, columns=["campaign_id", "day", "hours_in_horizon", "hours_in_day"]
    ).astype("int64")
    caps = pace_day_caps(campaigns, hours_frame) if len(campaigns) else _empty_caps()
    house = _house_media(session, screens, media)
    return campaigns, eligible, caps, media, house


def _house_media(
    session: Session, screens: pd.DataFrame, media: dict[tuple[int, int, int], dict[str, Any]]
) -> dict[int, tuple[int, dict[str, Any]] | None]:
    """Per screen, a city-owned approved creative with a rendition for its size (or None)."""
    creatives = session.scalars(
        select(Creative.id)
        .join(Business, Business.id == Creative.business_id)
        .where(Business.kind == "public", Creative.status == "approved")
        .order_by(Creative.id)
    ).all()
    house: dict[int, tuple[int, dict[str, Any]] | None] = {}
    for row in screens.itertuples():
        fits = [c for c in creatives if (c, row.width_px, row.height_px) in media]
        # Rotate through the city's creatives so neighbouring screens do not all show one.
        pick = fits[int(row.screen_id) % len(fits)] if fits else None
        house[int(row.screen_id)] = (
            (pick, media[(pick, row.width_px, row.height_px)]) if pick is not None else None
        )
    return house
