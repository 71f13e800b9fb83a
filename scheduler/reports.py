"""Staff reports: pure pandas functions over small frames, plus a thin query edge that loads them.

The pure functions take and return DataFrames and never touch the database, so they are tested on
hand-made frames. Times in the input are UTC; functions that group by local day or hour take the
city's time zone explicitly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.forecast import forecast_hours, seasonal_naive
from scheduler.models import (
    Business,
    Campaign,
    PlanAllocation,
    PlanRun,
    Play,
    QuotaPolicy,
    Screen,
    Zone,
)
from scheduler.pricing import PriceRules, Tier, list_prices, play_prices, tier_of

ONLINE_WINDOW = dt.timedelta(minutes=5)
SHARE_TOLERANCE = 1e-9


def _utc(series: pd.Series) -> pd.Series:
    return pd.to_datetime(series, utc=True)


# --------------------------------------------------------------------------- pure functions


def latest_plan_rows(alloc: pd.DataFrame) -> pd.DataFrame:
    """Keep, for every screen-hour, only the rows of the newest plan run that covered it.

    The planner re-plans hourly over a rolling horizon, so one screen-hour appears in many runs;
    the newest published run is the one screens received.
    """
    if alloc.empty:
        return alloc.copy()
    newest = alloc.groupby(["screen_id", "hour_start"])["plan_run_id"].transform("max")
    return alloc[alloc["plan_run_id"] == newest].reset_index(drop=True)


def local_share_compliance(alloc: pd.DataFrame) -> pd.DataFrame:
    """Small-local share of airtime per screen-hour against the quota in force.

    ``alloc`` columns: ``screen_id``, ``hour_start``, ``plays``, ``is_local`` (bool), ``rule``,
    ``slots`` (slots the hour offers) and ``quota`` (``local_min_share`` in force). Shares are of
    the hour's available airtime, as the design states the quota.

    The quota binds "as long as local demand exists", so an hour short of local ads is not a
    breach by itself. ``status`` says which case an hour is in:

    - ``met``: local ads filled at least the quota;
    - ``reserve_kept``: fewer local ads (no more local demand), and the rest of the local reserve
      went to public notices or house content, not to other advertisers;
    - ``released``: fewer local ads and part of the reserve was released to other advertisers,
      which the policy allowed (placement rule ``released``);
    - ``breached``: paid ads of other advertisers took more than ``1 - quota`` of the airtime.

    ``compliant`` is every status but ``breached``; ``shortfall_plays`` counts the local plays
    missing to reach the quota.
    """
    cols = [
        "screen_id",
        "hour_start",
        "local_plays",
        "other_paid_plays",
        "released_plays",
        "total_plays",
        "slots",
        "local_share",
        "quota",
        "meets",
        "status",
        "compliant",
        "shortfall_plays",
    ]
    if alloc.empty:
        return pd.DataFrame(columns=cols)
    local = alloc["is_local"].astype(bool)
    frame = alloc.assign(
        local_plays=alloc["plays"].where(local, 0),
        other_paid_plays=alloc["plays"].where(~local & (alloc["rule"] == "paid"), 0),
        released_plays=alloc["plays"].where(~local & (alloc["rule"] == "released"), 0),
    )
    grouped = frame.groupby(["screen_id", "hour_start"], as_index=False).agg(
        local_plays=("local_plays", "sum"),
        other_paid_plays=("other_paid_plays", "sum"),
        released_plays=("released_plays", "sum"),
        total_plays=("plays", "sum"),
        slots=("slots", "max"),
        quota=("quota", "max"),
    )
    airtime = grouped["slots"].where(grouped["slots"] > 0, grouped["total_plays"]).clip(lower=1)
    grouped["local_share"] = grouped["local_plays"] / airtime
    grouped["meets"] = grouped["local_share"] + SHARE_TOLERANCE >= grouped["quota"]
    breached = grouped["other_paid_plays"] / airtime > 1 - grouped["quota"] + SHARE_TOLERANCE
    grouped["status"] = np.select(
        [grouped["meets"], breached, grouped["released_plays"] > 0],
        ["met", "breached", "released"],
        default="reserve_kept",
    )
    grouped["compliant"] = grouped["status"] != "breached"
    needed = np.ceil(grouped["quota"] * airtime - SHARE_TOLERANCE)
    grouped["shortfall_plays"] = (needed - grouped["local_plays"]).clip(lower=0).astype(int)
    return grouped[cols].sort_values(["screen_id", "hour_start"]).reset_index(drop=True)


def compliance_by_screen(compliance: pd.DataFrame) -> pd.DataFrame:
    """Per screen: hours planned, hours where local ads met the quota, hours compliant (met, or
    the reserve kept for lack of local demand), their rates and the mean local share."""
    cols = [
        "screen_id",
        "hours",
        "hours_met",
        "met_rate",
        "hours_compliant",
        "compliant_rate",
        "mean_local_share",
    ]
    if compliance.empty:
        return pd.DataFrame(columns=cols)
    out = compliance.groupby("screen_id", as_index=False).agg(
        hours=("hour_start", "count"),
        hours_met=("meets", "sum"),
        hours_compliant=("compliant", "sum"),
        mean_local_share=("local_share", "mean"),
    )
    out["met_rate"] = out["hours_met"] / out["hours"]
    out["compliant_rate"] = out["hours_compliant"] / out["hours"]
    return out[cols]


def revenue_by_tier_zone(plays: pd.DataFrame) -> pd.DataFrame:
    """Plays, audience and revenue (KRW) per pricing tier and zone.

    ``plays`` columns: ``tier`` (None for house content), ``zone`` (None when unzoned),
    ``price_krw``, ``impressions``.
    """
    cols = ["tier", "zone", "plays", "impressions", "revenue_krw"]
    if plays.empty:
        return pd.DataFrame(columns=cols)
    frame = plays.assign(
        tier=plays["tier"].fillna("house"),
        zone=plays["zone"].fillna("—"),
    )
    out = frame.groupby(["tier", "zone"], as_index=False).agg(
        plays=("price_krw", "size"),
        impressions=("impressions", "sum"),
        revenue_krw=("price_krw", "sum"),
    )
    out["revenue_krw"] = out["revenue_krw"].astype("int64")
    return (
        out[cols]
        .sort_values(["revenue_krw", "tier"], ascending=[False, True])
        .reset_index(drop=True)
    )


def delivery_by_campaign(
    campaigns: pd.DataFrame, planned: pd.DataFrame, plays: pd.DataFrame
) -> pd.DataFrame:
    """Planned against delivered plays per campaign, with audience, spend and budget.

    ``campaigns``: ``campaign_id``, ``name``, ``business``, ``status``, ``budget_krw``.
    ``planned``: ``campaign_id``, ``plays`` (already reduced to the newest plan per screen-hour).
    ``plays``: ``campaign_id``, ``price_krw``, ``impressions`` (one row per proof of play).
    """
    cols = [
        "campaign_id",
        "name",
        "business",
        "status",
        "planned_plays",
        "played",
        "delivery_rate",
        "impressions",
        "spend_krw",
        "budget_krw",
        "budget_used",
    ]
    if campaigns.empty:
        return pd.DataFrame(columns=cols)
    plan = (
        planned.dropna(subset=["campaign_id"])
        .groupby("campaign_id")["plays"]
        .sum()
        .rename("planned_plays")
    )
    done = (
        plays.dropna(subset=["campaign_id"])
        .groupby("campaign_id")
        .agg(
            played=("price_krw", "size"),
            impressions=("impressions", "sum"),
            spend_krw=("price_krw", "sum"),
        )
    )
    out = campaigns.set_index("campaign_id").join(plan).join(done).reset_index()
    out[["planned_plays", "played", "spend_krw"]] = (
        out[["planned_plays", "played", "spend_krw"]].fillna(0).astype("int64")
    )
    out["impressions"] = out["impressions"].fillna(0.0).astype(float)
    out["delivery_rate"] = (
        out["played"] / out["planned_plays"].where(out["planned_plays"] > 0)
    ).astype(float)
    out["budget_used"] = (out["spend_krw"] / out["budget_krw"].where(out["budget_krw"] > 0)).astype(
        float
    )
    return out[cols].sort_values("campaign_id").reset_index(drop=True)


def audience_per_screen(plays: pd.DataFrame, tz: str) -> pd.DataFrame:
    """Plays and estimated audience per screen and city-local day.

    ``plays`` columns: ``screen_id``, ``screen``, ``started_at`` (UTC), ``impressions``.
    """
    cols = ["screen_id", "screen", "day", "plays", "impressions"]
    if plays.empty:
        return pd.DataFrame(columns=cols)
    local = _utc(plays["started_at"]).dt.tz_convert(tz)
    frame = plays.assign(day=local.dt.date)
    out = frame.groupby(["screen_id", "screen", "day"], as_index=False).agg(
        plays=("impressions", "size"), impressions=("impressions", "sum")
    )
    return out[cols].sort_values(["screen_id", "day"]).reset_index(drop=True)


def hour_weekday_matrix(counts: pd.DataFrame, tz: str) -> pd.DataFrame:
    """Mean passers-by per city-local weekday (0 = Monday) and hour, suspect hours left out.

    ``counts`` columns: ``hour_start`` (UTC), ``count``, optional ``suspect``.
    Returns long rows ``weekday``, ``hour``, ``mean_count``, ``hours`` (observations).
    """
    cols = ["weekday", "hour", "mean_count", "hours"]
    if counts.empty:
        return pd.DataFrame(columns=cols)
    frame = counts
    if "suspect" in frame:
        frame = frame[~frame["suspect"].astype(bool)]
    local = _utc(frame["hour_start"]).dt.tz_convert(tz)
    frame = frame.assign(weekday=local.dt.day_of_week, hour=local.dt.hour)
    out = frame.groupby(["weekday", "hour"], as_index=False).agg(
        mean_count=("count", "mean"), hours=("count", "size")
    )
    return out[cols]


def holdout_comparison(counts: pd.DataFrame, tz: str, days: int = 7) -> pd.DataFrame:
    """A screen's last ``days`` of counts against the model and the seasonal-naive baseline, both
    forecast from the history before those days only.

    ``counts``: ``screen_id``, ``hour_start`` (UTC), ``count``, optional ``suspect`` (left out).
    Returns long rows ``hour_start``, ``kind`` (actual, expected, naive), ``value``.
    """
    cols = ["hour_start", "kind", "value"]
    history = counts
    if "suspect" in history:
        history = history[~history["suspect"].astype(bool)]
    if history.empty:
        return pd.DataFrame(columns=cols)
    history = history.assign(hour_start=_utc(history["hour_start"]))
    cutoff = history["hour_start"].max() - pd.Timedelta(days=days)
    before = history[history["hour_start"] <= cutoff]
    after = history[history["hour_start"] > cutoff]
    parts = [after.assign(kind="actual", value=after["count"].astype(float))[cols]]
    if len(before):
        target = pd.DatetimeIndex(after["hour_start"].unique())
        for kind, fn in (("expected", forecast_hours), ("naive", seasonal_naive)):
            predicted = fn(before, target, tz=tz)
            parts.append(predicted.assign(kind=kind, value=predicted["expected"])[cols])
    return (
        pd.concat(parts, ignore_index=True)
        .sort_values(["kind", "hour_start"])
        .reset_index(drop=True)
    )


def screen_status(screens: pd.DataFrame, now: dt.datetime) -> pd.DataFrame:
    """Add ``online`` (seen within five minutes) and ``minutes_since_seen`` to a screens frame."""
    frame = screens.copy()
    seen = _utc(frame["last_seen_at"]) if len(frame) else pd.Series([], dtype="datetime64[ns, UTC]")
    age = (pd.Timestamp(now).tz_convert("UTC") - seen).dt.total_seconds() / 60.0
    frame["minutes_since_seen"] = age
    frame["online"] = (age <= ONLINE_WINDOW.total_seconds() / 60.0).fillna(False).astype(bool)
    return frame


def job_run_summary(runs: pd.DataFrame) -> pd.DataFrame:
    """Per job: runs, errors, the last outcome and when, and mean duration in seconds."""
    cols = ["job", "runs", "errors", "last_outcome", "last_started", "mean_duration_s"]
    if runs.empty:
        return pd.DataFrame(columns=cols)
    ordered = runs.sort_values("started_at")
    out = ordered.groupby("job", as_index=False).agg(
        runs=("outcome", "size"),
        errors=("outcome", lambda s: int((s == "error").sum())),
        last_outcome=("outcome", "last"),
        last_started=("started_at", "last"),
        mean_duration_s=("duration_s", "mean"),
    )
    return out[cols]


def playlist_timeline(document: dict[str, Any], tz: str) -> pd.DataFrame:
    """One row per (hour, item) of a playlist document: how many slots the item fills and why.

    Columns: ``hour_start`` (city-local), ``item_id``, ``label``, ``rule``, ``campaign_id``,
    ``business_id``, ``slots``, ``seconds``, ``share`` (of the hour's slots).
    """
    cols = [
        "hour_start",
        "item_id",
        "label",
        "rule",
        "campaign_id",
        "business_id",
        "slots",
        "seconds",
        "share",
    ]
    items: dict[str, Any] = document.get("items") or {}
    rows: list[dict[str, Any]] = []
    for hour in document.get("hours") or []:
        sequence: Sequence[str] = hour.get("sequence") or []
        if not sequence:
            continue
        start = pd.Timestamp(hour["start"]).tz_convert(tz)
        counts = pd.Series(list(sequence)).value_counts()
        for item_id, slots in counts.items():
            item = items.get(str(item_id), {})
            explain = item.get("explain") or {}
            label = explain.get("campaign") or (
                "house" if item_id == "house" else f"campaign {item.get('campaign_id')}"
            )
            rows.append(
                {
                    "hour_start": start,
                    "item_id": str(item_id),
                    "label": str(label),
                    "rule": item.get("rule", "house" if item_id == "house" else None),
                    "campaign_id": item.get("campaign_id"),
                    "business_id": item.get("business_id"),
                    "slots": int(slots),
                    "seconds": int(slots) * int(item.get("duration_s") or 0),
                    "share": int(slots) / len(sequence),
                }
            )
    if not rows:
        return pd.DataFrame(columns=cols)
    out = pd.DataFrame(rows)
    return (
        out[cols]
        .sort_values(["hour_start", "slots"], ascending=[True, False])
        .reset_index(drop=True)
    )


def tier_price_curve(
    tiers: Sequence[Tier],
    base_price_krw: int,
    rules: PriceRules,
    max_traffic: float,
    points: int = 241,
) -> pd.DataFrame:
    """Price per play against forecast passers-by under ``tiers`` at ``base_price_krw``.

    Rows per traffic level and pricing case (``list``, ``surcharged``, ``local``), from the core's
    own price functions so that the plot shows exactly what the planner will charge.
    """
    ordered = sorted(tiers, key=lambda tier: tier.min_traffic)
    top = max(float(max_traffic), ordered[-1].min_traffic * 1.25 if ordered else 0.0, 1.0)
    traffic = np.linspace(0.0, top, points)
    idx = tier_of(traffic, ordered)
    listed = list_prices(np.full(points, base_price_krw), [ordered[i].multiplier for i in idx])
    names = [ordered[i].name for i in idx]
    cases = {
        "list": play_prices(listed, np.zeros(points, bool), np.zeros(points, bool), rules),
        "surcharged": play_prices(listed, np.ones(points, bool), np.zeros(points, bool), rules),
        "local": play_prices(listed, np.zeros(points, bool), np.ones(points, bool), rules),
    }
    return pd.concat(
        [
            pd.DataFrame({"traffic": traffic, "tier": names, "case": case, "price_krw": price})
            for case, price in cases.items()
        ],
        ignore_index=True,
    )


def tier_usage(levels: pd.Series, tiers: Sequence[Tier]) -> pd.DataFrame:
    """How many forecast screen-hours fall in each tier (every tier listed, even when unused)."""
    ordered = sorted(tiers, key=lambda tier: tier.min_traffic)
    names = [tier.name for tier in ordered]
    idx = tier_of(levels.to_numpy(dtype=float), ordered) if len(levels) else np.array([], int)
    counts = np.bincount(idx, minlength=len(ordered)) if len(ordered) else np.array([], int)
    total = max(int(counts.sum()), 1)
    return pd.DataFrame({"tier": names, "screen_hours": counts, "share": counts / total})


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """CSV for a download button; UTF-8 with a byte-order mark so spreadsheet apps read Hangul."""
    return frame.to_csv(index=False).encode("utf-8-sig")


# --------------------------------------------------------------------------- query edge


def _frame(rows: Sequence[Any], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame([tuple(r) for r in rows], columns=columns)


def load_allocations(session: Session, start: dt.datetime, end: dt.datetime) -> pd.DataFrame:
    """Published plan allocations for hours in [start, end), newest run per screen-hour.

    Adds ``is_local`` (the campaign's business is a verified small-local one, or the row was
    placed by the local quota), ``slots`` (from the screen's slot length) and ``quota``
    (``local_min_share`` of the policy the run used; the default 0.6 when it had none).
    """
    stmt = (
        select(
            PlanAllocation.plan_run_id,
            PlanAllocation.screen_id,
            PlanAllocation.hour_start,
            PlanAllocation.campaign_id,
            PlanAllocation.plays,
            PlanAllocation.price_krw,
            PlanAllocation.tier,
            PlanAllocation.rule,
            PlanAllocation.impressions_multiplier,
            Business.is_small_local,
            Screen.slot_seconds,
            QuotaPolicy.local_min_share,
        )
        .join(PlanRun, PlanRun.id == PlanAllocation.plan_run_id)
        .join(Screen, Screen.id == PlanAllocation.screen_id)
        .outerjoin(Campaign, Campaign.id == PlanAllocation.campaign_id)
        .outerjoin(Business, Business.id == Campaign.business_id)
        .outerjoin(QuotaPolicy, QuotaPolicy.id == PlanRun.quota_policy_id)
        .where(PlanRun.status == "published")
        .where(PlanAllocation.hour_start >= start, PlanAllocation.hour_start < end)
    )
    cols = [
        "plan_run_id",
        "screen_id",
        "hour_start",
        "campaign_id",
        "plays",
        "price_krw",
        "tier",
        "rule",
        "impressions_multiplier",
        "is_small_local",
        "slot_seconds",
        "quota",
    ]
    frame = _frame(session.execute(stmt).all(), cols)
    if frame.empty:
        return frame.assign(is_local=pd.Series(dtype=bool), slots=pd.Series(dtype=int))
    frame["hour_start"] = _utc(frame["hour_start"])
    frame = latest_plan_rows(frame)
    frame["is_local"] = frame["is_small_local"].fillna(False).astype(bool) | (
        frame["rule"] == "local_quota"
    )
    frame["slots"] = (3600 // frame["slot_seconds"]).astype(int)
    frame["quota"] = frame["quota"].fillna(0.6).astype(float)
    return frame


def load_plays(session: Session, start: dt.datetime, end: dt.datetime) -> pd.DataFrame:
    """Proof-of-play rows in [start, end) with screen, zone and the planned tier."""
    stmt = (
        select(
            Play.screen_id,
            Screen.name,
            Zone.name,
            Play.campaign_id,
            Play.started_at,
            Play.price_krw,
            Play.impressions,
            PlanAllocation.tier,
        )
        .join(Screen, Screen.id == Play.screen_id)
        .outerjoin(Zone, Zone.id == Screen.zone_id)
        .outerjoin(PlanAllocation, PlanAllocation.id == Play.allocation_id)
        .where(Play.started_at >= start, Play.started_at < end)
    )
    cols = [
        "screen_id",
        "screen",
        "zone",
        "campaign_id",
        "started_at",
        "price_krw",
        "impressions",
        "tier",
    ]
    frame = _frame(session.execute(stmt).all(), cols)
    if not frame.empty:
        frame["started_at"] = _utc(frame["started_at"])
    return frame


def load_campaigns(session: Session) -> pd.DataFrame:
    stmt = select(
        Campaign.id, Campaign.name, Business.name, Campaign.status, Campaign.budget_krw
    ).join(Business, Business.id == Campaign.business_id)
    return _frame(
        session.execute(stmt).all(), ["campaign_id", "name", "business", "status", "budget_krw"]
    )
