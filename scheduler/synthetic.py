"""Random but city-like planning instances, for property tests and ``bench/plan.py``. Pure.

Screens sit in zones of about 20; each has a daily foot-traffic curve (morning and evening peaks)
at its own level. Campaigns mostly target one zone (small local shops) or a few zones (chains),
within a daypart, and some zones are far more wanted than others, so that hot screen-hours are
contested while quiet ones are not.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from scheduler.allocate import Quotas
from scheduler.pacing import day_caps as pace_day_caps
from scheduler.pricing import (
    DEFAULT_TIERS,
    PriceRules,
    booked_share,
    impressions_multiplier,
    list_prices,
    play_prices,
    tier_of,
)

_PROFILE = np.array(
    [0.05, 0.03, 0.02, 0.02, 0.05, 0.15, 0.4, 0.8, 1.0, 0.7, 0.6, 0.7]
    + [0.95, 0.9, 0.65, 0.6, 0.7, 0.9, 1.0, 0.85, 0.6, 0.4, 0.25, 0.12]
)


@dataclass
class Instance:
    screen_hours: pd.DataFrame  # sh, screen, hour, day, capacity, forecast, audience, tier
    campaigns: pd.DataFrame  # campaign_id, business_id, is_local, is_public, remaining_krw
    day_caps: pd.DataFrame  # campaign_id, day, cap_krw
    eligible: pd.DataFrame  # sh, campaign_id, price_krw
    quotas: Quotas


def make_instance(
    n_screens: int,
    n_campaigns: int,
    hours: int = 48,
    *,
    seed: int = 0,
    quotas: Quotas | None = None,
    rules: PriceRules | None = None,
    slots: int = 360,
    budget_scale: float = 1.0,
) -> Instance:
    """An instance with ``n_screens`` × ``hours`` screen-hours (open 6-24 local)."""
    rng = np.random.default_rng(seed)
    quotas = quotas or Quotas()
    rules = rules or PriceRules()
    n_zones = max(1, n_screens // 20)
    zone = rng.integers(0, n_zones, n_screens)
    level = rng.lognormal(np.log(300), 0.7, n_screens)
    base = rng.choice([80, 100, 120, 150], n_screens)

    hour = np.arange(hours)
    open_ = (hour % 24 >= 6) & (hour % 24 < 24)
    scr, hr = np.meshgrid(np.arange(n_screens), hour[open_], indexing="ij")
    scr, hr = scr.ravel(), hr.ravel()
    forecast = level[scr] * _PROFILE[hr % 24] * rng.uniform(0.85, 1.15, len(scr))
    capacity = np.full(len(scr), slots, np.int64)
    tiers = DEFAULT_TIERS
    tier = tier_of(forecast, tiers)
    screen_hours = pd.DataFrame(
        {
            "sh": np.arange(len(scr)),
            "screen": scr,
            "hour": hr,
            "day": hr // 24,
            "capacity": capacity,
            "forecast": forecast,
            "audience": impressions_multiplier(forecast, 3600 // capacity, 1.0),
            "tier": tier,
        }
    )
    sh_index = np.full((n_screens, hours), -1, np.int64)
    sh_index[scr, hr] = screen_hours["sh"].to_numpy()

    kind = rng.choice(["local", "chain", "public"], n_campaigns, p=[0.6, 0.35, 0.05])
    n_chains = max(1, n_campaigns // 20)
    business = np.where(
        kind == "local",
        1000 + np.arange(n_campaigns),
        np.where(kind == "chain", rng.integers(0, n_chains, n_campaigns), 999),
    )
    # Some zones are far more wanted than others (Zipf-like popularity).
    popularity = 1.0 / np.arange(1, n_zones + 1) ** 0.8
    popularity = rng.permutation(popularity / popularity.sum())
    pace = np.where(
        kind == "local",
        rng.uniform(20_000, 120_000, n_campaigns),
        rng.uniform(80_000, 600_000, n_campaigns),
    )
    pace = np.where(kind == "public", 0.0, pace * budget_scale)
    days_left = rng.integers((hours + 23) // 24, 31, n_campaigns)
    remaining = np.floor(pace * days_left)

    parts = []
    rows_hours = []
    n_days = (hours + 23) // 24
    for c in range(n_campaigns):
        n_z = 1 if kind[c] != "chain" else int(rng.integers(1, 5))
        zones = rng.choice(n_zones, size=min(n_z, n_zones), replace=False, p=popularity)
        screens = np.nonzero(np.isin(zone, zones))[0]
        if kind[c] == "local" and len(screens) > 3 and rng.random() < 0.4:
            screens = rng.choice(screens, size=int(rng.integers(2, len(screens))), replace=False)
        start = int(rng.integers(6, 16))
        length = int(rng.integers(6, 24 - start + 1))
        day_hours = np.arange(start, start + length)
        hrs = hour[np.isin(hour % 24, day_hours)]
        if len(screens) == 0 or len(hrs) == 0:
            continue
        sh = sh_index[np.ix_(screens, hrs)].ravel()
        sh = sh[sh >= 0]
        parts.append(pd.DataFrame({"sh": sh, "campaign_id": c + 1}))
        for d in range(n_days):
            inside = int(np.sum(hrs // 24 == d))
            if inside:
                rows_hours.append((c + 1, d, inside, length))
    eligible = (
        pd.concat(parts, ignore_index=True)
        if parts
        else pd.DataFrame({"sh": pd.Series(dtype="int64"), "campaign_id": pd.Series(dtype="int64")})
    )
    campaigns = pd.DataFrame(
        {
            "campaign_id": np.arange(1, n_campaigns + 1),
            "business_id": business,
            "is_local": kind == "local",
            "is_public": kind == "public",
            "remaining_krw": remaining.astype(np.int64),
            "days_left": days_left,
        }
    )
    hours_frame = pd.DataFrame(
        rows_hours, columns=["campaign_id", "day", "hours_in_horizon", "hours_in_day"]
    )
    caps = pace_day_caps(campaigns, hours_frame)
    eligible = price_pairs(eligible, screen_hours, campaigns, caps, base[scr], tiers, rules)
    return Instance(screen_hours, campaigns, caps, eligible, quotas)


def price_pairs(
    eligible: pd.DataFrame,
    screen_hours: pd.DataFrame,
    campaigns: pd.DataFrame,
    caps: pd.DataFrame,
    base_price: np.ndarray,
    tiers: tuple,
    rules: PriceRules,
) -> pd.DataFrame:
    """Attach ``price_krw`` to eligible pairs (the planner's pricing, on synthetic data)."""
    mult = np.array([t.multiplier for t in sorted(tiers, key=lambda t: t.min_traffic)])
    tier = screen_hours["tier"].to_numpy(np.int64)
    sh = eligible["sh"].to_numpy(np.int64)
    info = campaigns.set_index("campaign_id").loc[eligible["campaign_id"]]
    lp = list_prices(base_price[sh], mult[tier[sh]])
    paid = ~info["is_public"].to_numpy(bool)
    share = booked_share(
        pd.DataFrame(
            {"sh": sh[paid], "campaign_id": eligible["campaign_id"][paid], "list_price": lp[paid]}
        ),
        screen_hours,
        caps,
    )
    price = play_prices(
        lp, share[sh] > rules.surcharge_threshold, info["is_local"].to_numpy(bool), rules
    )
    return eligible.assign(price_krw=np.where(paid, price, 0))
