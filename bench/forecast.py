"""Forecast skill on the real Melbourne pedestrian counts, against seasonal-naive.

Each January (2010-2019): train on the 1st-21st, forecast the 25th-31st (the last week) for every
sensor, compare on the hours both methods cover and the sensor counted. Seasonal-naive predicts
the latest trained count at the same hour of the week. The forecast runs twice: as shipped, and
with the two January public holidays (New Year's Day, Australia Day as observed) treated as
Sundays. Dead-sensor runs are left out (as the importer flags them).

    python bench/forecast.py [--data DIR]

The last lines are one JSON object per year.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scheduler.forecast import errors, forecast_hours, seasonal_naive  # noqa: E402
from scheduler.traffic_parse import (  # noqa: E402
    normalise_names,
    read_csv_bytes,
    to_observations,
    validate,
)

TZ = "Australia/Melbourne"


def january_holidays(year: int) -> frozenset[dt.date]:
    """New Year's Day and Australia Day (moved to Monday when it falls on a weekend)."""
    day = dt.date(year, 1, 26)
    if day.weekday() >= 5:
        day += dt.timedelta(days=7 - day.weekday())
    return frozenset({dt.date(year, 1, 1), day})


def load(path: Path) -> pd.DataFrame:
    """Usable counts of one January file: screen_id (one per sensor), hour_start, count."""
    obs = to_observations(read_csv_bytes(path.read_bytes()))
    checked = validate(obs, set(normalise_names(obs.frame["location"])), TZ)
    counts = checked.counts[~checked.counts["suspect"]]
    return counts.assign(screen_id=pd.factorize(counts["location"])[0])


def run_year(year: int, counts: pd.DataFrame) -> dict[str, float | int]:
    def local(day: int, month: int = 1) -> pd.Timestamp:
        return pd.Timestamp(dt.datetime(year, month, day), tz=TZ).tz_convert("UTC")

    train = counts[counts["hour_start"] < local(22)]
    actual = counts[(counts["hour_start"] >= local(25)) & (counts["hour_start"] < local(1, 2))]
    targets = pd.date_range(local(25), local(1, 2), freq="h", inclusive="left")
    started = time.perf_counter()
    plain = forecast_hours(train, targets, tz=TZ)
    seconds = time.perf_counter() - started
    holiday = forecast_hours(train, targets, tz=TZ, holidays=january_holidays(year))
    naive = seasonal_naive(train, targets, tz=TZ)
    keys = ["screen_id", "hour_start"]
    common = actual.merge(naive[keys]).merge(plain[keys])
    ours, cal, base = errors(common, plain), errors(common, holiday), errors(common, naive)
    return {
        "year": year,
        "sensors": int(common["screen_id"].nunique()),
        "hours": int(ours["hours"]),
        "mae_forecast": round(ours["mae"], 1),
        "mape_forecast": round(ours["mape"], 1),
        "mae_forecast_holidays": round(cal["mae"], 1),
        "mape_forecast_holidays": round(cal["mape"], 1),
        "mae_naive": round(base["mae"], 1),
        "mape_naive": round(base["mape"], 1),
        "forecast_seconds": round(seconds, 3),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "melbourne")
    args = parser.parse_args(argv)
    files = sorted(args.data.glob("January_*.csv"))
    if not files:
        print(f"no January_*.csv files in {args.data}", file=sys.stderr)
        return 2
    rows = [run_year(int(f.stem.split("_")[1]), load(f)) for f in files]
    table = pd.DataFrame(rows).set_index("year")
    weights = table["hours"]
    overall = {
        col: round(float((table[col] * weights).sum() / weights.sum()), 1)
        for col in table.columns
        if col.startswith(("mae", "mape"))
    }
    print(table.drop(columns="forecast_seconds").to_string())
    print(
        "overall (weighted by hours): "
        + ", ".join(f"{k} {v}" for k, v in overall.items())
        + f"; MAE skill vs seasonal-naive {1 - overall['mae_forecast'] / overall['mae_naive']:+.1%}"
        f" (with holidays {1 - overall['mae_forecast_holidays'] / overall['mae_naive']:+.1%})"
    )
    for row in rows:
        print(json.dumps(row))
    return 0


if __name__ == "__main__":
    sys.exit(main())
