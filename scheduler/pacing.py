"""Budget pacing: how much a campaign may spend on each day of the planning horizon. Pure.

Per-day pace = budget left / flight days left (today counts when the flight has started, else
the flight's first day is the first). The planner re-plans every hour over a rolling horizon that
cuts days in part, so the cap of a horizon day is the pace prorated to the campaign's daypart
hours of that day that fall inside the horizon::

    B_cd = floor( left_c / days_left_c · h_cd / H_cd )

with ``H_cd`` the campaign's daypart hours on local day ``d`` and ``h_cd`` those of them inside
[horizon start, horizon end). A full day gets the whole pace; the rest of today gets only its
share, so the hours already played today (planned by earlier runs with the same rule) plus the
hours still to plan never add up to more than one day's pace. Summed over the horizon this is at
most ``left_c · (horizon days) / days_left_c ≤ left_c``: spend never passes the budget, and no
day takes more than its pace (no front-loading, no end-of-flight dump).
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def day_caps(campaigns: pd.DataFrame, hours: pd.DataFrame) -> pd.DataFrame:
    """``B_cd`` per (campaign, horizon day).

    ``campaigns``: ``campaign_id``, ``remaining_krw``, ``days_left`` (≥ 1). ``hours``:
    ``campaign_id``, ``day``, ``hours_in_horizon``, ``hours_in_day``. Returns ``campaign_id``,
    ``day``, ``cap_krw`` (int).
    """
    frame = hours.merge(campaigns[["campaign_id", "remaining_krw", "days_left"]], on="campaign_id")
    left = frame["remaining_krw"].clip(lower=0).to_numpy(np.float64)
    days = frame["days_left"].clip(lower=1).to_numpy(np.float64)
    h = frame["hours_in_horizon"].to_numpy(np.float64)
    full = np.maximum(frame["hours_in_day"].to_numpy(np.float64), 1.0)
    cap = np.floor(left / days * np.minimum(h / full, 1.0) + 1e-9).astype(np.int64)
    return pd.DataFrame(
        {
            "campaign_id": frame["campaign_id"].to_numpy(np.int64),
            "day": frame["day"],
            "cap_krw": cap,
        }
    ).reset_index(drop=True)
