"""Synthetic hourly foot traffic with the shape each kind of place really has.

Pure functions: a weekly profile per zone kind (7 days × 24 hours, Monday first, city-local time)
and a generator that scales it per screen and adds Poisson noise, drift and a few gaps.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

HOURS = np.arange(24)


def _bump(centre: float, width: float) -> np.ndarray:
    return np.exp(-0.5 * ((HOURS - centre) / width) ** 2)


def _day(*bumps: tuple[float, float, float], base: float = 0.03) -> np.ndarray:
    """A day's curve as a floor plus Gaussian bumps (centre hour, width, height)."""
    curve = np.full(24, base)
    for centre, width, height in bumps:
        curve = curve + height * _bump(centre, width)
    # Nights are quiet everywhere: 1-5 am stays near the floor.
    curve[1:6] = np.minimum(curve[1:6], base * 1.5)
    return curve


def _week(weekday: np.ndarray, saturday: np.ndarray, sunday: np.ndarray) -> np.ndarray:
    return np.vstack([weekday] * 5 + [saturday, sunday])


def weekly_profile(kind: str) -> np.ndarray:
    """Relative passers-by for each (weekday, hour) of a zone kind; the peak hour is 1.0."""
    if kind == "office":
        week = _week(
            _day((8.5, 0.8, 1.0), (12.3, 0.9, 0.75), (18.3, 0.9, 0.9)),
            _day((13, 3, 0.12)),
            _day((13, 3, 0.08)),
        )
    elif kind == "transit":
        week = _week(
            _day((8, 0.9, 1.0), (18, 1.1, 0.95), (13, 3, 0.3)),
            _day((11, 2.5, 0.4), (17, 3, 0.45)),
            _day((12, 3, 0.35), (17, 2.5, 0.35)),
        )
    elif kind == "residential":
        week = _week(
            _day((7.7, 0.9, 0.7), (19.5, 1.5, 0.8), (13, 3, 0.2)),
            _day((11, 2.5, 0.6), (17, 3, 0.7)),
            _day((11, 2.5, 0.55), (16, 3, 0.6)),
        )
    elif kind == "park":
        week = _week(
            _day((7, 1.0, 0.25), (19, 1.5, 0.4), (13, 2, 0.15)),
            _day((15, 2.2, 1.0), (10, 1.5, 0.35)),
            _day((15, 2.2, 0.95), (10, 1.5, 0.35)),
        )
    elif kind == "market":
        week = _week(
            _day((12.5, 1.2, 0.55), (18.5, 1.8, 0.7)),
            _day((14, 3.5, 1.0), (19, 1.5, 0.6)),
            _day((14, 3.5, 0.85)),
        )
    elif kind == "civic":
        week = _week(
            _day((10.5, 1.5, 0.35), (15, 2, 0.4), (19.5, 1.2, 0.5)),
            _day((14, 3, 0.8), (19.5, 1.2, 0.6)),
            _day((14, 3, 0.7)),
        )
    elif kind == "campus":
        week = _week(
            _day((9.5, 1.0, 0.9), (12.5, 1.0, 1.0), (16.5, 1.5, 0.7)),
            _day((14, 3, 0.2)),
            _day((14, 3, 0.15)),
        )
    else:  # mixed
        week = _week(
            _day((8.5, 1, 0.6), (12.5, 1.5, 0.7), (18.5, 1.5, 0.8)),
            _day((14, 3, 0.8)),
            _day((14, 3, 0.7)),
        )
    return week / week.max()


def generate_traffic(
    screens: pd.DataFrame,
    end_local: pd.Timestamp,
    weeks: int,
    seed: int,
    missing_share: float = 0.004,
) -> pd.DataFrame:
    """Hourly counts for ``weeks`` weeks before ``end_local`` (an aware, hour-aligned timestamp).

    ``screens`` has columns ``screen_id``, ``kind`` (zone kind) and ``level`` (passers-by in the
    screen's busiest hour). Returns ``screen_id``, ``hour_start`` (UTC) and ``count``; a small
    share of hours is missing, as it is from real sensors.
    """
    if end_local.tzinfo is None:
        raise ValueError("end_local must be timezone-aware")
    rng = np.random.default_rng(seed)
    local_hours = pd.date_range(
        end=end_local - pd.Timedelta(hours=1), periods=weeks * 7 * 24, freq="h"
    )
    weekday = local_hours.day_of_week.to_numpy()
    hour = local_hours.hour.to_numpy()
    frames = []
    for row in screens.itertuples(index=False):
        profile = weekly_profile(str(row.kind))[weekday, hour]
        # Slow drift (weather, season) and day-to-day variation around the weekly shape.
        days = np.arange(len(local_hours)) // 24
        daily = rng.normal(1.0, 0.08, size=days.max() + 1)[days]
        drift = 1.0 + 0.1 * np.sin(np.arange(len(local_hours)) / (24 * 9.0) + rng.uniform(0, 6))
        expected = float(row.level) * profile * daily * drift
        counts = rng.poisson(np.maximum(expected, 0.0))
        keep = rng.random(len(local_hours)) >= missing_share
        frames.append(
            pd.DataFrame(
                {
                    "screen_id": int(row.screen_id),
                    "hour_start": local_hours[keep].tz_convert("UTC"),
                    "count": counts[keep].astype(np.int64),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)
