"""Forecast: beats seasonal-naive on seasonal data, borrows from the zone, local hour of week."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import Engine, delete, func, select, update

from scheduler.db import session_scope
from scheduler.errors import ValidationFailed
from scheduler.forecast import backtest, errors, forecast_hours, refresh_forecasts, seasonal_naive
from scheduler.models import Forecast, Screen, TrafficCount, Zone

TZ = "Asia/Seoul"
START = pd.Timestamp("2026-03-02 00:00", tz=TZ).tz_convert("UTC")  # a Monday, local midnight


def _seasonal(screens: dict[int, float], weeks: int, seed: int = 7) -> pd.DataFrame:
    """Counts with a local hour-of-week pattern (weekday commute peaks, quiet weekends),
    a per-screen scale and noise."""
    rng = np.random.default_rng(seed)
    hours = pd.date_range(START, periods=weeks * 168, freq="h")
    local = hours.tz_convert(TZ)
    hod, weekend = local.hour.to_numpy(), local.day_of_week.to_numpy() >= 5
    base = 20 + 200 * np.exp(-((hod - 8) ** 2) / 4) + 150 * np.exp(-((hod - 18) ** 2) / 6)
    base = np.where(weekend, 60 + 80 * np.exp(-((hod - 14) ** 2) / 10), base)
    frames = []
    for screen_id, scale in screens.items():
        noisy = base * scale * rng.lognormal(0.0, 0.35, len(hours))
        frames.append(
            pd.DataFrame({"screen_id": screen_id, "hour_start": hours, "count": noisy.round()})
        )
    return pd.concat(frames, ignore_index=True).astype({"count": "int64"})


def test_forecast_beats_seasonal_naive_on_seasonal_data() -> None:
    data = _seasonal({1: 1.0, 2: 0.5, 3: 2.0}, weeks=6)
    cut = START + pd.Timedelta(weeks=5)
    train, test = data[data["hour_start"] < cut], data[data["hour_start"] >= cut]
    # Gaps in the history (a sensor offline for two days) must not hurt.
    gap = (train["screen_id"] == 1) & (train["hour_start"] >= cut - pd.Timedelta(days=9))
    train = train[~(gap & (train["hour_start"] < cut - pd.Timedelta(days=7)))]
    targets = pd.date_range(cut, periods=168, freq="h")
    ours = forecast_hours(train, targets, tz=TZ)
    naive = seasonal_naive(train, targets, tz=TZ)
    assert set(ours.columns) == {"screen_id", "hour_start", "expected", "source"}
    assert len(ours) == 3 * 168 and (ours["source"] == "screen").all()
    ours_err, naive_err = errors(test, ours), errors(test, naive)
    assert ours_err["hours"] == naive_err["hours"] == 3 * 168
    assert ours_err["mae"] < 0.8 * naive_err["mae"], (ours_err, naive_err)
    assert ours_err["mape"] < naive_err["mape"]


def test_hour_of_week_is_local_time() -> None:
    data = _seasonal({1: 1.0}, weeks=3)
    local_8am = pd.Timestamp("2026-03-23 08:00", tz=TZ)  # a Monday, 23:00 UTC on Sunday
    targets = pd.date_range(local_8am - pd.Timedelta(hours=4), periods=9, freq="h")
    result = forecast_hours(data, targets, tz=TZ).set_index("hour_start")["expected"]
    assert result.idxmax() == local_8am.tz_convert("UTC")
    assert result.index.tz is not None and str(result.index.tz) == "UTC"


def test_screen_without_history_borrows_from_its_zone() -> None:
    data = _seasonal({1: 1.0, 2: 3.0, 3: 10.0}, weeks=3)
    screens = pd.DataFrame({"screen_id": [1, 2, 3, 4, 5, 6], "zone_id": [7, 7, 8, 7, 9, None]})
    # Screen 5 has only a few counts: the borrowed profile is scaled to them.
    few = data[data["screen_id"] == 1].head(5).assign(screen_id=5)
    targets = pd.date_range(START + pd.Timedelta(weeks=3), periods=48, freq="h")
    result = forecast_hours(pd.concat([data, few]), targets, tz=TZ, screens=screens)
    by = {sid: g.set_index("hour_start")["expected"] for sid, g in result.groupby("screen_id")}
    sources = result.groupby("screen_id")["source"].first().to_dict()
    assert sources == {1: "screen", 2: "screen", 3: "screen", 4: "zone", 5: "city", 6: "city"}
    np.testing.assert_allclose(by[4], (by[1] + by[2]) / 2)
    assert by[4].sum() > 0
    city = (by[1] + by[2] + by[3]) / 3
    np.testing.assert_allclose(by[6], city)
    assert not np.allclose(by[5], city)  # scaled to its own five counts


def test_no_history_at_all_gives_zero_not_an_error() -> None:
    empty = pd.DataFrame({"screen_id": [], "hour_start": [], "count": []})
    empty["hour_start"] = pd.to_datetime(empty["hour_start"], utc=True)
    targets = pd.date_range(START, periods=3, freq="h")
    result = forecast_hours(empty, targets, tz=TZ, screens=pd.DataFrame({"screen_id": [1]}))
    assert result["expected"].tolist() == [0.0, 0.0, 0.0]
    assert set(result["source"]) == {"none"}


def _store(engine: Engine, data: pd.DataFrame, zone_of: dict[int, int | None]) -> dict[int, int]:
    """Screens and counts in the database; returns test id -> database id."""
    with session_scope(engine) as session:
        zone = Zone(name="Old town", kind="market")
        session.add(zone)
        session.flush()
        ids = {}
        for key, in_zone in zone_of.items():
            screen = Screen(name=f"screen {key}", zone_id=zone.id if in_zone else None)
            session.add(screen)
            session.flush()
            ids[key] = screen.id
        session.add_all(
            TrafficCount(screen_id=ids[s], hour_start=h.to_pydatetime(), count=int(c))
            for s, h, c in zip(data["screen_id"], data["hour_start"], data["count"], strict=True)
        )
    return ids


def test_refresh_forecasts_writes_the_table_and_ignores_suspect_counts(engine: Engine) -> None:
    data = _seasonal({1: 1.0, 2: 2.0}, weeks=3)
    ids = _store(engine, data, {1: 1, 2: 1, 3: 1})
    start = (START + pd.Timedelta(weeks=3)).to_pydatetime()
    with session_scope(engine) as session:
        # A burst of suspect counts must not move the forecast.
        session.execute(
            update(TrafficCount)
            .where(
                TrafficCount.screen_id == ids[1],
                TrafficCount.hour_start >= start - dt.timedelta(hours=230),
                TrafficCount.hour_start < start - dt.timedelta(hours=200),
            )
            .values(count=10**6, suspect=True)
        )
    with session_scope(engine) as session:
        result = refresh_forecasts(session, start + dt.timedelta(minutes=20), 48, tz=TZ)
    assert len(result) == 3 * 48
    assert result["hour_start"].min() == pd.Timestamp(start)
    assert result.groupby("screen_id")["source"].first().to_dict() == {
        ids[1]: "screen",
        ids[2]: "screen",
        ids[3]: "zone",
    }
    assert result["expected"].max() < 2_000
    with session_scope(engine) as session:
        session.execute(delete(TrafficCount).where(TrafficCount.suspect.is_(True)))
        without = refresh_forecasts(session, start, 48, tz=TZ)
    pd.testing.assert_frame_equal(result, without)
    with session_scope(engine) as session:
        first = session.scalar(select(func.count()).select_from(Forecast))
        refresh_forecasts(session, start, 48, tz=TZ)  # again: replaced, not duplicated
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).select_from(Forecast)) == first == 144
        stored = session.execute(
            select(Forecast.screen_id, Forecast.hour_start, Forecast.expected).order_by(
                Forecast.screen_id, Forecast.hour_start
            )
        ).all()
    expected = result.sort_values(["screen_id", "hour_start"])
    assert [round(r.expected, 6) for r in stored] == [round(x, 6) for x in expected["expected"]]
    assert stored[0].hour_start == start


def test_history_read_from_the_database_is_the_stored_counts(engine: Engine) -> None:
    from scheduler.forecast import _history

    data = _seasonal({1: 1.0, 2: 0.5}, weeks=2)
    ids = _store(engine, data, {1: 1, 2: None})
    since = START.to_pydatetime() + dt.timedelta(hours=5)
    until = since + dt.timedelta(days=9)
    with session_scope(engine) as session:
        got = _history(session, since, until)
    inside = data[(data["hour_start"] >= since) & (data["hour_start"] < until)]
    want = inside.assign(screen_id=inside["screen_id"].map(ids))
    key = ["screen_id", "hour_start"]
    got = got.sort_values(key).reset_index(drop=True)
    want = want.sort_values(key).reset_index(drop=True)
    assert len(got) == 9 * 24 * 2 and str(got["hour_start"].dt.tz) == "UTC"
    assert got["hour_start"].tolist() == want["hour_start"].tolist()
    assert got["screen_id"].tolist() == want["screen_id"].tolist()
    assert got["count"].tolist() == want["count"].tolist()


def test_backtest_reports_forecast_and_naive(engine: Engine) -> None:
    with session_scope(engine) as session, pytest.raises(ValidationFailed, match="no foot-traffic"):
        backtest(session, 7)
    _store(engine, _seasonal({1: 1.0, 2: 0.3}, weeks=4), {1: 1, 2: 1})
    with session_scope(engine) as session:
        report = backtest(session, 7, tz=TZ)
    assert report.screens == 2 and report.hours == 2 * 168
    assert report.mae_forecast < report.mae_naive
    assert 0 < report.skill < 1
    assert set(report.as_dict()) >= {"mae_forecast", "mae_naive", "mape_forecast", "skill"}


def test_cli_backtest_json(sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    from scheduler.cli import main
    from scheduler.settings import get_settings

    _store(sqlite_engine, _seasonal({1: 1.0}, weeks=3), {1: None})
    monkeypatch.setenv("LOCALCAST_DATABASE_URL", sqlite_engine.url.render_as_string())
    monkeypatch.setenv("LOCALCAST_TIMEZONE", TZ)
    get_settings.cache_clear()
    try:
        assert main(["traffic", "backtest", "--holdout-days", "7", "--json"]) == 0
        out = json.loads(capsys.readouterr().out)
        assert main(["traffic", "backtest", "--json", "--holiday", "2026-03-18"]) == 0
        with_holiday = json.loads(capsys.readouterr().out)
        assert with_holiday["mae_forecast"] != out["mae_forecast"]
    finally:
        get_settings.cache_clear()
    assert out["holdout_days"] == 7 and out["mae_forecast"] < out["mae_naive"]


def test_city_holidays_from_settings_are_forecast_like_sundays(
    sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from scheduler.settings import get_settings

    _store(sqlite_engine, _seasonal({1: 1.0}, weeks=3), {1: 1})
    start = (START + pd.Timedelta(weeks=3)).to_pydatetime()  # a Monday
    commute = (start + dt.timedelta(hours=8)).astimezone(dt.UTC)  # 8 am local
    holiday = (START + pd.Timedelta(weeks=3)).tz_convert(TZ).date().isoformat()

    def at_commute() -> float:
        get_settings.cache_clear()
        with session_scope(sqlite_engine) as session:
            frame = refresh_forecasts(session, start, 24, tz=TZ)
        return float(frame.loc[frame["hour_start"] == pd.Timestamp(commute), "expected"].iloc[0])

    monkeypatch.delenv("LOCALCAST_HOLIDAYS", raising=False)
    workday = at_commute()
    monkeypatch.setenv("LOCALCAST_HOLIDAYS", f"2026-01-01, {holiday}")
    assert at_commute() < 0.5 * workday  # a Monday holiday has no commute peak
    monkeypatch.setenv("LOCALCAST_HOLIDAYS", "2026-13-01")
    get_settings.cache_clear()
    with pytest.raises(ValueError, match="'2026-13-01' is not a date"):
        get_settings()
    get_settings.cache_clear()
