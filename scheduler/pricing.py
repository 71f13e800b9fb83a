"""Demand pricing of a play, and the quote an owner sees before booking.

price per play = round( screen base price
                        × tier multiplier            (tier by the screen-hour's forecast traffic)
                        × (1 + surcharge_rate)        if the booked share > surcharge_threshold
                        × (1 − local_discount) )      for verified small-local businesses

Booked share of a screen-hour = plays asked for by the campaigns eligible there / its slots, where
each campaign asks for its day's paced spend spread evenly over its eligible screen-hours of that
day at the tier price. It is computed before allocating, so prices are fixed inputs to the plan
(and frozen into it). Public notices are free. Impressions per play (OpenRTB ``qty.multiplier``)
= forecast × slot_seconds / 3600 × visibility_factor.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Tier:
    name: str
    min_traffic: float
    multiplier: float


DEFAULT_TIERS: tuple[Tier, ...] = (
    Tier("off-peak", 0.0, 0.8),
    Tier("standard", 150.0, 1.0),
    Tier("peak", 600.0, 1.5),
)


@dataclass(frozen=True)
class PriceRules:
    local_discount: float = 0.3
    surcharge_threshold: float = 0.8
    surcharge_rate: float = 0.2


def impressions_multiplier(
    forecast: np.ndarray, slot_seconds: np.ndarray, visibility: np.ndarray
) -> np.ndarray:
    """Expected impressions of one play (the industry's prorated formula)."""
    return np.asarray(forecast, np.float64) * np.asarray(slot_seconds) / 3600.0 * visibility


def tier_of(forecast: np.ndarray, tiers: tuple[Tier, ...] | list[Tier]) -> np.ndarray:
    """Index into ``tiers`` (sorted by ``min_traffic``) of each forecast's band."""
    ordered = sorted(tiers, key=lambda t: t.min_traffic)
    bounds = np.array([t.min_traffic for t in ordered], np.float64)
    idx = np.searchsorted(bounds, np.asarray(forecast, np.float64), side="right") - 1
    return np.clip(idx, 0, len(ordered) - 1)


def list_prices(base_price: np.ndarray, tier_multiplier: np.ndarray) -> np.ndarray:
    """Base × tier, before surcharge and discount (what demand is measured in)."""
    return np.asarray(base_price, np.float64) * np.asarray(tier_multiplier, np.float64)


def booked_share(
    eligible: pd.DataFrame, screen_hours: pd.DataFrame, day_caps: pd.DataFrame
) -> np.ndarray:
    """Booked share per screen-hour (row position ``sh``).

    ``eligible``: ``sh``, ``campaign_id``, ``list_price`` (paid campaigns only);
    ``screen_hours``: ``capacity``, ``day``; ``day_caps``: ``campaign_id``, ``day``, ``cap_krw``.
    """
    n_sh = len(screen_hours)
    if eligible.empty:
        return np.zeros(n_sh)
    day = screen_hours["day"].to_numpy(np.int64)
    frame = eligible.assign(day=day[eligible["sh"].to_numpy(np.int64)])
    frame["n"] = frame.groupby(["campaign_id", "day"])["sh"].transform("size")
    frame = frame.merge(day_caps, on=["campaign_id", "day"], how="left").fillna({"cap_krw": 0})
    asked = frame["cap_krw"] / frame["n"] / np.maximum(frame["list_price"], 1e-9)
    demand = np.bincount(frame["sh"].to_numpy(np.int64), weights=asked, minlength=n_sh)
    return demand / np.maximum(screen_hours["capacity"].to_numpy(np.float64), 1.0)


def play_prices(
    list_price: np.ndarray, surcharged: np.ndarray, is_local: np.ndarray, rules: PriceRules
) -> np.ndarray:
    """Whole-won price per play."""
    price = np.asarray(list_price, np.float64)
    price = price * np.where(surcharged, 1.0 + rules.surcharge_rate, 1.0)
    price = price * np.where(is_local, 1.0 - rules.local_discount, 1.0)
    return np.rint(price).astype(np.int64)


# --------------------------------------------------------------------------- quote


@dataclass
class Quote:
    """What a draft campaign would get, before booking."""

    expected_plays: int
    impressions: float
    cost_krw: int
    cost_per_day_krw: float
    tiers_used: dict[str, int]
    days: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "expected_plays": self.expected_plays,
            "impressions": round(self.impressions, 1),
            "cost_krw": self.cost_krw,
            "cost_per_day_krw": round(self.cost_per_day_krw, 1),
            "tiers_used": self.tiers_used,
            "days": self.days,
            "notes": self.notes,
        }


def quote(session: Any, draft: Any, now: dt.datetime | None = None) -> Quote:
    """Expected plays, impressions and cost per day of a draft campaign (see ``plan_inputs``)."""
    from scheduler.quote import quote_draft  # the DB edge lives beside the planner inputs

    return quote_draft(session, draft, now=now)
