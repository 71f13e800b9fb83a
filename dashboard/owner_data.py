"""What the owner pages read: always scoped to one business, so an owner sees only their own.

Every query takes ``business_id`` from the logged-in user (never from page input); a campaign or
ad id from page input is looked up *within* that business, and an id of someone else's is
reported as not found, exactly like an id that does not exist.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dashboard.queries import screen_table
from scheduler.errors import NotFound
from scheduler.models import (
    Campaign,
    Creative,
    PlanAllocation,
    PlanRun,
    Play,
    Rendition,
)
from scheduler.reports import latest_plan_rows

SCREEN_FIELDS = (
    "id",
    "name",
    "zone_id",
    "zone",
    "latitude",
    "longitude",
    "width_px",
    "height_px",
    "base_price_krw",
)
DAILY_COLUMNS = [
    "day",
    "planned_plays",
    "planned_audience",
    "planned_spend",
    "plays",
    "audience",
    "spend",
]


def creatives_for(session: Session, business_id: int) -> list[Creative]:
    return list(
        session.scalars(
            select(Creative)
            .where(Creative.business_id == business_id)
            .order_by(Creative.created_at.desc(), Creative.id.desc())
        )
    )


def creative_for(session: Session, business_id: int, creative_id: int) -> Creative:
    creative = session.get(Creative, creative_id)
    if creative is None or creative.business_id != business_id:
        raise NotFound(f"There is no ad with id {creative_id} in your business.")
    return creative


def thumbnail_sha(session: Session, creative: Creative) -> str:
    """The smallest stored picture of a creative: its thumbnail rendition, else the master."""
    sha = session.scalar(
        select(Rendition.sha256)
        .where(Rendition.creative_id == creative.id)
        .order_by((Rendition.purpose != "thumbnail"), Rendition.width_px * Rendition.height_px)
        .limit(1)
    )
    return sha or creative.sha256


def screens_frame(session: Session) -> pd.DataFrame:
    """Active screens with their zone and position, for the targeting map and pickers."""
    return screen_table(session, SCREEN_FIELDS, active_only=True, by_zone=True)


def screen_sizes(
    screens: pd.DataFrame, screen_ids: list[int] | None = None
) -> list[tuple[int, int]]:
    """Distinct (width, height) of the given screens (all when None), largest audience first."""
    frame = screens if screen_ids is None else screens[screens["id"].isin(screen_ids)]
    if frame.empty:
        return []
    counts = frame.groupby(["width_px", "height_px"]).size().sort_values(ascending=False)
    return [(int(w), int(h)) for w, h in counts.index]


def targeted_screen_ids(
    screens: pd.DataFrame, zone_ids: list[int], screen_ids: list[int]
) -> list[int]:
    """The screens a targeting reaches: listed screens plus every screen of listed zones.

    Both empty means every screen (the model's convention for an untargeted campaign).
    """
    if not zone_ids and not screen_ids:
        return [int(i) for i in screens["id"]]
    mask = screens["id"].isin(screen_ids) | screens["zone_id"].isin(zone_ids)
    return [int(i) for i in screens.loc[mask, "id"]]


def campaigns_for(session: Session, business_id: int) -> list[Campaign]:
    return list(
        session.scalars(
            select(Campaign)
            .where(Campaign.business_id == business_id)
            .order_by(Campaign.created_at.desc(), Campaign.id.desc())
        )
    )


def campaign_for(session: Session, business_id: int, campaign_id: int) -> Campaign:
    campaign = session.get(Campaign, campaign_id)
    if campaign is None or campaign.business_id != business_id:
        raise NotFound(f"There is no campaign with id {campaign_id} in your business.")
    return campaign


def spend_by_campaign(session: Session, business_id: int) -> dict[int, tuple[int, float, int]]:
    """Delivered (plays, audience, spend KRW) per campaign of the business, from proof of play."""
    rows = session.execute(
        select(
            Play.campaign_id,
            func.count(Play.id),
            func.coalesce(func.sum(Play.impressions), 0.0),
            func.coalesce(func.sum(Play.price_krw), 0),
        )
        .join(Campaign, Campaign.id == Play.campaign_id)
        .where(Campaign.business_id == business_id)
        .group_by(Play.campaign_id)
    ).all()
    return {int(cid): (int(n), float(aud), int(spend)) for cid, n, aud, spend in rows}


# ------------------------------------------------------------------ delivery against plan


def daily_plan(alloc: pd.DataFrame, tz: str) -> pd.DataFrame:
    """Planned plays, audience and spend per city-local day from allocation rows.

    ``alloc`` columns: ``plan_run_id``, ``screen_id``, ``hour_start`` (UTC), ``plays``,
    ``price_krw``, ``impressions_multiplier``. A screen-hour planned by several runs counts once,
    from the newest run (the one the screen received).
    """
    columns = ["day", "planned_plays", "planned_audience", "planned_spend"]
    if alloc.empty:
        return pd.DataFrame(columns=columns)
    frame = latest_plan_rows(alloc.assign(hour_start=pd.to_datetime(alloc["hour_start"], utc=True)))
    frame = frame.assign(
        day=frame["hour_start"].dt.tz_convert(tz).dt.date,
        planned_audience=frame["plays"] * frame["impressions_multiplier"],
        planned_spend=frame["plays"] * frame["price_krw"],
    )
    out = (
        frame.groupby("day")
        .agg(
            planned_plays=("plays", "sum"),
            planned_audience=("planned_audience", "sum"),
            planned_spend=("planned_spend", "sum"),
        )
        .reset_index()
    )
    return out[columns]


def daily_delivery(plays: pd.DataFrame, tz: str) -> pd.DataFrame:
    """Delivered plays, audience and spend per city-local day from proof-of-play rows.

    ``plays`` columns: ``started_at`` (UTC), ``impressions``, ``price_krw``.
    """
    columns = ["day", "plays", "audience", "spend"]
    if plays.empty:
        return pd.DataFrame(columns=columns)
    started = pd.to_datetime(plays["started_at"], utc=True)
    frame = plays.assign(day=started.dt.tz_convert(tz).dt.date)
    out = (
        frame.groupby("day")
        .agg(
            plays=("impressions", "size"),
            audience=("impressions", "sum"),
            spend=("price_krw", "sum"),
        )
        .reset_index()
    )
    return out[columns]


def plan_vs_delivery(plan: pd.DataFrame, delivered: pd.DataFrame) -> pd.DataFrame:
    """One row per day with the plan and the delivery side by side (zeros where one is missing)."""
    merged = pd.merge(plan, delivered, on="day", how="outer")
    for column in DAILY_COLUMNS[1:]:
        if column not in merged:
            merged[column] = 0
        merged[column] = pd.to_numeric(merged[column], errors="coerce").fillna(0)
    for column in ("planned_plays", "plays", "planned_spend", "spend"):
        merged[column] = merged[column].round().astype("int64")
    return merged.sort_values("day").reset_index(drop=True)[DAILY_COLUMNS]


def campaign_delivery(
    session: Session, business_id: int, campaign_id: int, tz: str
) -> pd.DataFrame:
    """Plan against delivery per day for one of the business's campaigns."""
    campaign_for(session, business_id, campaign_id)  # refuses someone else's campaign
    alloc_rows = session.execute(
        select(
            PlanAllocation.plan_run_id,
            PlanAllocation.screen_id,
            PlanAllocation.hour_start,
            PlanAllocation.plays,
            PlanAllocation.price_krw,
            PlanAllocation.impressions_multiplier,
        )
        .join(PlanRun, PlanRun.id == PlanAllocation.plan_run_id)
        .where(PlanAllocation.campaign_id == campaign_id, PlanRun.status == "published")
    ).all()
    alloc = pd.DataFrame(
        alloc_rows,
        columns=[
            "plan_run_id",
            "screen_id",
            "hour_start",
            "plays",
            "price_krw",
            "impressions_multiplier",
        ],
    )
    play_rows = session.execute(
        select(Play.started_at, Play.impressions, Play.price_krw).where(
            Play.campaign_id == campaign_id
        )
    ).all()
    plays = pd.DataFrame(play_rows, columns=["started_at", "impressions", "price_krw"])
    return plan_vs_delivery(daily_plan(alloc, tz), daily_delivery(plays, tz))


# ------------------------------------------------------------------------------ statement


def statement_frame(rows: list[Any]) -> pd.DataFrame:
    """``scheduler.billing.statement`` rows as a table, newest month first."""
    columns = ["month", "campaign_id", "campaign", "days", "plays", "impressions", "charge_krw"]
    if not rows:
        return pd.DataFrame(columns=columns)
    frame = pd.DataFrame([row.as_dict() for row in rows])[columns]
    return frame.sort_values(["month", "campaign_id"], ascending=[False, True]).reset_index(
        drop=True
    )
