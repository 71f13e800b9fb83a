"""Expected passers-by per screen-hour: a robust seasonal profile times the recent level.

The model, per screen, on its history (suspect counts left out), in the city's local time:

1. ``week[how]``: the median count at each hour of the week (``how`` = weekday x 24 + hour) and
   ``n[how]``, how many weeks observed it.
2. ``day[type, hour]``: the median count at that hour over every day of the same type
   (Monday-Friday, Saturday, Sunday). It pools five times the data for weekdays, so it is far
   less noisy than one week's value.
3. ``profile = (n x week + K x day) / (n + K)``: each hour of the week leans on its own weeks as
   they accumulate and on its day type while they are few (``K = SHRINK_WEEKS``). An hour never
   observed takes the day-type value, then the all-days value at that hour.
4. ``level``: the last ``LEVEL_DAYS`` days of counts over the profile at the same hours, summed
   (robust to gaps: only observed hours count), clipped to ``LEVEL_CLIP``; it carries a recent
   rise or fall the medians are slow to see. ``expected = profile x level ** LEVEL_WEIGHT``.

A screen with fewer than ``MIN_HISTORY_HOURS`` observations borrows: the mean expected count of
the screens with history in its zone, scaled by the screen's own few counts against that mean
when it has any (source ``"zone"``). With no such zone the mean of the whole city is used
(source ``"city"``); with no history anywhere the forecast is 0 (source ``"none"``).

Seasonal-naive, the baseline, predicts each hour by the latest observed count at the same hour of
the week (one week earlier when that hour was observed).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from sqlalchemy import BigInteger, String, cast, delete, func, select, type_coerce
from sqlalchemy.orm import Session

from scheduler.bulk_upsert import upsert_rows
from scheduler.errors import ValidationFailed
from scheduler.models import Forecast, Screen, TrafficCount, utcnow
from scheduler.settings import get_settings

SHRINK_WEEKS = 4.0
LEVEL_DAYS = 7
LEVEL_CLIP = (0.5, 2.0)
LEVEL_WEIGHT = 0.5
MIN_HISTORY_HOURS = 24
LOOKBACK_WEEKS = 8
KEEP_FORECAST_DAYS = 30

Holidays = frozenset[dt.date]


def _local_parts(
    hours: pd.Series | pd.DatetimeIndex, tz: str, holidays: Holidays = frozenset()
) -> pd.DataFrame:
    """Hour of week, day type and hour of day in local time; holidays count as Sundays."""
    local = pd.DatetimeIndex(hours).tz_convert(tz)
    dow = local.day_of_week.to_numpy()
    if holidays:
        dow = np.where(pd.Index(local.date).isin(list(holidays)), 6, dow)
    hod = local.hour.to_numpy()
    return pd.DataFrame(
        {"how": dow * 24 + hod, "dtype": np.minimum(np.maximum(dow - 4, 0), 2), "hod": hod}
    )


def weekly_profile(
    history: pd.DataFrame, tz: str, holidays: Holidays = frozenset()
) -> pd.DataFrame:
    """Profile per screen and hour of week: columns screen_id, how, profile (168 rows a screen)."""
    parts = _local_parts(history["hour_start"], tz, holidays)
    hist = pd.concat(
        [history[["screen_id", "count"]].reset_index(drop=True), parts], axis=1
    ).astype({"count": float})
    week = hist.groupby(["screen_id", "how"])["count"].agg(["median", "size"])
    day = hist.groupby(["screen_id", "dtype", "hod"])["count"].median().rename("day")
    anyday = hist.groupby(["screen_id", "hod"])["count"].median().rename("anyday")

    screens = np.sort(hist["screen_id"].unique())
    grid = pd.DataFrame(
        {"screen_id": np.repeat(screens, 168), "how": np.tile(np.arange(168), len(screens))}
    )
    grid["dtype"] = np.minimum(np.maximum(grid["how"] // 24 - 4, 0), 2)
    grid["hod"] = grid["how"] % 24
    grid = grid.join(week, on=["screen_id", "how"]).join(day, on=["screen_id", "dtype", "hod"])
    grid = grid.join(anyday, on=["screen_id", "hod"])
    n = grid["size"].fillna(0.0)
    pooled = grid["day"].fillna(grid["anyday"])
    mixed = (n * grid["median"].fillna(0.0) + SHRINK_WEEKS * pooled) / (n + SHRINK_WEEKS)
    grid["profile"] = mixed.where(pooled.notna(), grid["median"])
    return grid[["screen_id", "how", "profile"]]


def recent_level(
    history: pd.DataFrame, profile: pd.DataFrame, tz: str, holidays: Holidays = frozenset()
) -> pd.Series:
    """Per screen: recent counts over the profile at the same hours, clipped (1 if unknown)."""
    end = history["hour_start"].max()
    recent = history[history["hour_start"] > end - pd.Timedelta(days=LEVEL_DAYS)]
    parts = _local_parts(recent["hour_start"], tz, holidays)
    frame = pd.DataFrame(
        {
            "screen_id": recent["screen_id"].to_numpy(),
            "how": parts["how"].to_numpy(),
            "count": recent["count"].to_numpy(dtype=float),
        }
    )
    frame = frame.merge(profile, on=["screen_id", "how"], how="left")
    sums = frame.groupby("screen_id")[["count", "profile"]].sum()
    ratio = (sums["count"] / sums["profile"].where(sums["profile"] > 0)).fillna(1.0)
    return ratio.clip(*LEVEL_CLIP)


def forecast_hours(
    history: pd.DataFrame,
    target_hours: pd.DatetimeIndex,
    *,
    tz: str | None = None,
    screens: pd.DataFrame | None = None,
    holidays: Holidays = frozenset(),
) -> pd.DataFrame:
    """Expected count for every screen and target hour (see the module docstring).

    ``holidays`` are local dates treated as Sundays, in the history and in the targets.

    ``history``: screen_id, hour_start (UTC), count - usable counts only. ``screens``:
    screen_id, zone_id of every screen to forecast (default: those in ``history``).
    Returns screen_id, hour_start (UTC), expected, source.
    """
    zone = tz or get_settings().timezone
    targets = pd.DatetimeIndex(target_hours)
    targets = targets.tz_localize("UTC") if targets.tz is None else targets.tz_convert("UTC")
    if screens is None:
        screens = pd.DataFrame({"screen_id": np.sort(history["screen_id"].unique())})
    if "zone_id" not in screens:
        screens = screens.assign(zone_id=np.nan)
    screens = screens[["screen_id", "zone_id"]].drop_duplicates("screen_id")

    seen = history.groupby("screen_id").size()
    rich = seen[seen >= MIN_HISTORY_HOURS].index
    own_hist = history[history["screen_id"].isin(rich)]
    if len(own_hist):
        profile = weekly_profile(own_hist, zone, holidays)
        level = recent_level(own_hist, profile, zone, holidays) ** LEVEL_WEIGHT
        table = profile.pivot(index="screen_id", columns="how", values="profile")
        table = table.mul(level.reindex(table.index).fillna(1.0), axis=0).fillna(0.0)
    else:
        table = pd.DataFrame(columns=range(168), dtype=float)
    table, source = _borrow(table, screens, history, zone, holidays)
    table = table.reindex(screens["screen_id"].to_numpy())
    target_how = _local_parts(targets, zone, holidays)["how"].to_numpy()
    values = table.to_numpy(dtype=float)[:, target_how]
    return pd.DataFrame(
        {
            "screen_id": np.repeat(table.index.to_numpy(), len(targets)).astype("int64"),
            "hour_start": np.tile(targets, len(table)),
            "expected": np.clip(np.nan_to_num(values.ravel(), nan=0.0), 0.0, None),
            "source": np.repeat(source.reindex(table.index).to_numpy(), len(targets)),
        }
    )


def _borrow(
    table: pd.DataFrame,
    screens: pd.DataFrame,
    history: pd.DataFrame,
    tz: str,
    holidays: Holidays,
) -> tuple[pd.DataFrame, pd.Series]:
    """Add weekly rows for screens without enough history, from their zone's (or city's) mean
    row, scaled by their own few counts where they have some. Returns the table and sources."""
    source = pd.Series("screen", index=table.index, dtype=object)
    needy = screens[~screens["screen_id"].isin(table.index)]
    if needy.empty:
        return table, source
    zone_of = screens.set_index("screen_id")["zone_id"]
    zone_means = table.groupby(zone_of.reindex(table.index).to_numpy()).mean()
    city_mean = table.mean() if len(table) else pd.Series(0.0, index=range(168))
    rows, sources = {}, {}
    for screen_id, zone_id in zip(needy["screen_id"], needy["zone_id"], strict=True):
        if pd.notna(zone_id) and zone_id in zone_means.index:
            mean, sources[screen_id] = zone_means.loc[zone_id], "zone"
        else:
            mean, sources[screen_id] = city_mean, "city" if len(table) else "none"
        own = history[history["screen_id"] == screen_id]
        rows[screen_id] = mean * _scale(own, mean, tz, holidays)
    extra = pd.DataFrame.from_dict(rows, orient="index", columns=table.columns)
    return pd.concat([table, extra]), pd.concat([source, pd.Series(sources, dtype=object)])


def _scale(own: pd.DataFrame, mean: pd.Series, tz: str, holidays: Holidays) -> float:
    """A new screen's few counts against the borrowed mean at the same hours (1 without any)."""
    if own.empty:
        return 1.0
    how = _local_parts(own["hour_start"], tz, holidays)["how"].to_numpy()
    expected = float(mean.to_numpy()[how].sum())
    if expected <= 0:
        return 1.0
    return float(np.clip(own["count"].sum() / expected, 0.25, 4.0))


def seasonal_naive(
    history: pd.DataFrame, target_hours: pd.DatetimeIndex, *, tz: str | None = None
) -> pd.DataFrame:
    """The baseline: the latest observed count at the same local hour of the week.

    Returns screen_id, hour_start, expected; hours never observed at that hour of week are absent.
    """
    zone = tz or get_settings().timezone
    targets = pd.DatetimeIndex(target_hours)
    targets = targets.tz_localize("UTC") if targets.tz is None else targets.tz_convert("UTC")
    hist = history.sort_values("hour_start")
    latest = (
        pd.DataFrame(
            {
                "screen_id": hist["screen_id"].to_numpy(),
                "how": _local_parts(hist["hour_start"], zone)["how"].to_numpy(),
                "expected": hist["count"].to_numpy(dtype=float),
            }
        )
        .groupby(["screen_id", "how"])["expected"]
        .last()
    )
    grid = pd.DataFrame(
        {
            "screen_id": np.repeat(hist["screen_id"].unique(), len(targets)),
            "hour_start": np.tile(targets, hist["screen_id"].nunique()),
        }
    )
    grid["how"] = _local_parts(grid["hour_start"], zone)["how"].to_numpy()
    grid = grid.join(latest, on=["screen_id", "how"]).dropna(subset=["expected"])
    return grid.drop(columns="how").reset_index(drop=True)


def errors(actual: pd.DataFrame, predicted: pd.DataFrame) -> dict[str, float | int]:
    """MAE and MAPE of ``predicted`` on ``actual`` (both screen_id, hour_start, a value column:
    ``count`` and ``expected``). MAPE leaves out hours with a zero count."""
    both = actual.merge(predicted, on=["screen_id", "hour_start"], how="inner")
    err = (both["expected"] - both["count"]).abs()
    nonzero = both["count"] > 0
    return {
        "hours": int(len(both)),
        "mae": float(err.mean()) if len(both) else float("nan"),
        "mape": float((err[nonzero] / both["count"][nonzero]).mean() * 100)
        if nonzero.any()
        else float("nan"),
    }


# ---- database edge --------------------------------------------------------------------------


def _history(session: Session, since: dt.datetime, until: dt.datetime) -> pd.DataFrame:
    """Usable counts (not suspect) of active screens in [since, until)."""
    counts = TrafficCount.__table__
    hour = counts.c.hour_start
    sqlite = session.get_bind().dialect.name == "sqlite"
    # Thousands of screens x weeks of hours: skip per-row type processing and parse the
    # column in one vectorised call instead (SQLite keeps UTC text; PostgreSQL sends epoch
    # seconds, as building a datetime object per row took half of the forecast stage).
    raw_hour = (
        type_coerce(hour, String)
        if sqlite
        else cast(func.extract("epoch", hour), BigInteger).label("epoch")
    )
    stmt = (
        select(counts.c.screen_id, raw_hour, counts.c.count)
        .join(Screen.__table__, Screen.id == counts.c.screen_id)
        .where(
            Screen.status == "active",
            counts.c.suspect.is_(False),
            hour >= since,
            hour < until,
        )
    )
    rows = session.connection().execute(stmt).fetchall()
    screen_ids, hours, values = (
        (list(col) for col in zip(*rows, strict=True)) if rows else ([], [], [])
    )
    return pd.DataFrame(
        {
            "screen_id": np.asarray(screen_ids, dtype="int64"),
            "hour_start": (
                pd.to_datetime(hours, utc=True, format="ISO8601")
                if sqlite
                else pd.to_datetime(np.asarray(hours, dtype="int64"), unit="s", utc=True)
            ),
            "count": np.asarray(values, dtype="int64"),
        }
    )


def _active_screens(session: Session) -> pd.DataFrame:
    rows = session.execute(
        select(Screen.id, Screen.zone_id).where(Screen.status == "active").order_by(Screen.id)
    ).all()
    return pd.DataFrame(rows, columns=["screen_id", "zone_id"])


def _hour(when: dt.datetime) -> dt.datetime:
    if when.tzinfo is None:
        raise ValueError("forecast times must be timezone-aware")
    return when.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)


def refresh_forecasts(
    session: Session,
    start_utc: dt.datetime,
    hours: int,
    *,
    tz: str | None = None,
    holidays: Holidays | None = None,
) -> pd.DataFrame:
    """Forecast every active screen for ``hours`` hours from ``start_utc`` (floored to the hour),
    store them in ``forecasts`` and return them (screen_id, hour_start UTC, expected, source).
    ``holidays`` default to the city's (``LOCALCAST_HOLIDAYS``).

    History: the last ``LOOKBACK_WEEKS`` weeks before the start, suspect counts left out.
    Forecasts older than ``KEEP_FORECAST_DAYS`` before the start are pruned.
    """
    holidays = get_settings().holiday_dates if holidays is None else holidays
    start = _hour(start_utc)
    targets = pd.date_range(start, periods=hours, freq="h")
    history = _history(session, start - dt.timedelta(weeks=LOOKBACK_WEEKS), start)
    screens = _active_screens(session)
    result = forecast_hours(history, targets, tz=tz, screens=screens, holidays=holidays)
    made_at = utcnow()
    rows = [
        {
            "screen_id": int(s),
            "hour_start": h,
            "expected": float(e),
            "source": src,
            "made_at": made_at,
        }
        for s, h, e, src in zip(
            result["screen_id"],
            pd.DatetimeIndex(result["hour_start"]).to_pydatetime(),
            result["expected"],
            result["source"],
            strict=True,
        )
    ]
    upsert_rows(
        session,
        Forecast.__table__,  # type: ignore[arg-type]
        rows,
        keys=("screen_id", "hour_start"),
        update=("expected", "source", "made_at"),
    )
    session.execute(
        delete(Forecast).where(Forecast.hour_start < start - dt.timedelta(days=KEEP_FORECAST_DAYS))
    )
    session.flush()
    return result


@dataclass
class BacktestReport:
    """Forecast skill on the last days of the imported history."""

    holdout_days: int
    holdout_from: dt.datetime
    holdout_until: dt.datetime
    screens: int
    hours: int
    mae_forecast: float
    mae_naive: float
    mape_forecast: float
    mape_naive: float

    @property
    def skill(self) -> float:
        """1 - MAE(forecast) / MAE(seasonal-naive): above 0 means the forecast is better."""
        return 1.0 - self.mae_forecast / self.mae_naive if self.mae_naive else float("nan")

    def as_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["holdout_from"] = self.holdout_from.isoformat()
        data["holdout_until"] = self.holdout_until.isoformat()
        data["skill"] = self.skill
        return data

    def summary(self) -> str:
        return (
            f"backtest on the last {self.holdout_days} days ({self.screens} screens, "
            f"{self.hours} screen-hours): MAE forecast {self.mae_forecast:.1f} vs seasonal-naive "
            f"{self.mae_naive:.1f} (skill {self.skill:+.0%}); MAPE {self.mape_forecast:.1f}% vs "
            f"{self.mape_naive:.1f}%"
        )


def backtest(
    session: Session,
    holdout_days: int = 7,
    *,
    tz: str | None = None,
    holidays: Holidays | None = None,
) -> BacktestReport:
    """Hide the last ``holdout_days`` days of history, forecast them from the weeks before
    (as ``refresh_forecasts`` would) and compare with seasonal-naive on the same screen-hours.
    ``holidays`` default to the city's (``LOCALCAST_HOLIDAYS``)."""
    holidays = get_settings().holiday_dates if holidays is None else holidays
    if holdout_days < 1:
        raise ValidationFailed("The holdout must be at least one day.")
    latest = session.scalar(
        select(TrafficCount.hour_start)
        .where(TrafficCount.suspect.is_(False))
        .order_by(TrafficCount.hour_start.desc())
        .limit(1)
    )
    if latest is None:
        raise ValidationFailed("There is no foot-traffic history to test; import some first.")
    end = _hour(latest) + dt.timedelta(hours=1)
    cutoff = end - dt.timedelta(days=holdout_days)
    train = _history(session, cutoff - dt.timedelta(weeks=LOOKBACK_WEEKS), cutoff)
    actual = _history(session, cutoff, end)
    if train.empty or actual.empty:
        raise ValidationFailed(
            f"Not enough history for a {holdout_days}-day holdout: the counts must reach back "
            "at least a week before it."
        )
    targets = pd.date_range(cutoff, end, freq="h", inclusive="left")
    own = pd.DataFrame({"screen_id": np.sort(train["screen_id"].unique())})
    predicted = forecast_hours(train, targets, tz=tz, screens=own, holidays=holidays)
    predicted = predicted[predicted["source"] == "screen"]
    naive = seasonal_naive(train, targets, tz=tz)
    common = actual.merge(predicted[["screen_id", "hour_start"]]).merge(
        naive[["screen_id", "hour_start"]]
    )
    if common.empty:
        raise ValidationFailed("No screen has counts both before and inside the holdout.")
    ours, base = errors(common, predicted), errors(common, naive)
    return BacktestReport(
        holdout_days=holdout_days,
        holdout_from=cutoff,
        holdout_until=end,
        screens=int(common["screen_id"].nunique()),
        hours=int(ours["hours"]),
        mae_forecast=float(ours["mae"]),
        mae_naive=float(base["mae"]),
        mape_forecast=float(ours["mape"]),
        mape_naive=float(base["mape"]),
    )
