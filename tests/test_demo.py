"""The demo city: deterministic, and its foot traffic has the shape of each kind of place."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from scheduler.demo.seed import seed_demo
from scheduler.demo.traffic import generate_traffic, weekly_profile
from scheduler.errors import Conflict
from scheduler.models import (
    BillingDaily,
    Business,
    Campaign,
    Play,
    Screen,
    TrafficCount,
    User,
    Zone,
)
from scheduler.settings import get_settings

TZ = "Asia/Seoul"
END = pd.Timestamp("2026-11-23", tz=TZ)  # a Monday


def _traffic(kind: str, seed: int = 1) -> pd.DataFrame:
    screens = pd.DataFrame({"screen_id": [1], "kind": [kind], "level": [1000.0]})
    frame = generate_traffic(screens, END, weeks=8, seed=seed)
    local = frame["hour_start"].dt.tz_convert(TZ)
    return frame.assign(weekday=local.dt.day_of_week, hour=local.dt.hour)


def _mean(frame: pd.DataFrame, weekdays: range, hours: range) -> float:
    rows = frame[frame["weekday"].isin(weekdays) & frame["hour"].isin(hours)]
    return float(rows["count"].mean())


def test_office_peaks_on_weekday_commutes() -> None:
    office = _traffic("office")
    by_hour = office[office["weekday"] < 5].groupby("hour")["count"].mean()
    assert by_hour.idxmax() in (8, 9, 18)
    morning, midday_gap = (
        _mean(office, range(5), range(8, 10)),
        _mean(office, range(5), range(14, 16)),
    )
    assert morning > 2 * midday_gap
    assert _mean(office, range(5), range(7, 20)) > 4 * _mean(office, range(5, 7), range(7, 20))


def test_park_peaks_on_weekend_afternoons() -> None:
    park = _traffic("park")
    by_slot = park.groupby(["weekday", "hour"])["count"].mean()
    weekday, hour = by_slot.idxmax()
    assert weekday in (5, 6) and 13 <= hour <= 17
    assert _mean(park, range(5, 7), range(13, 18)) > 2.5 * _mean(park, range(5), range(13, 18))


def test_nights_are_quiet_everywhere() -> None:
    for kind in ("office", "transit", "residential", "park", "market", "civic", "campus"):
        profile = weekly_profile(kind)
        assert profile[:, 2:5].max() < 0.1 * profile.max(), kind


def test_traffic_is_deterministic_per_seed() -> None:
    pd.testing.assert_frame_equal(_traffic("market", seed=3), _traffic("market", seed=3))
    assert not _traffic("market", seed=3)["count"].equals(_traffic("market", seed=4)["count"])


def test_history_ends_before_anchor_and_counts_are_sane() -> None:
    frame = _traffic("transit")
    assert frame["hour_start"].max() < END.tz_convert("UTC")
    assert frame["hour_start"].min() >= (END - pd.Timedelta(weeks=8)).tz_convert("UTC")
    assert (frame["count"] >= 0).all()
    assert 0 < 8 * 7 * 24 - len(frame) < 40  # a few gaps, as real sensors have


def _snapshot(engine: Engine) -> dict[str, list[tuple]]:
    with Session(engine) as session:
        return {
            "zones": [(z.name, z.kind) for z in session.scalars(select(Zone).order_by(Zone.id))],
            "screens": [
                (s.name, s.width_px, s.height_px, s.latitude, s.visibility_factor, s.open_hour)
                for s in session.scalars(select(Screen).order_by(Screen.id))
            ],
            "businesses": [
                (b.name, b.kind, b.is_small_local)
                for b in session.scalars(select(Business).order_by(Business.id))
            ],
            "campaigns": [
                (c.name, c.status, c.starts_on, c.ends_on, c.budget_krw, tuple(c.target_zone_ids))
                for c in session.scalars(select(Campaign).order_by(Campaign.id))
            ],
            "traffic": list(
                session.execute(
                    select(
                        TrafficCount.screen_id, TrafficCount.hour_start, TrafficCount.count
                    ).order_by(TrafficCount.screen_id, TrafficCount.hour_start)
                )
            ),
        }


def test_seed_is_deterministic_and_complete(engine: Engine, sqlite_engine: Engine) -> None:
    today = dt.date(2026, 11, 22)
    first = seed_demo(engine, seed=11, today=today, history_weeks=2)
    seed_demo(sqlite_engine, seed=11, today=today, history_weeks=2)
    assert _snapshot(engine) == _snapshot(sqlite_engine)
    assert 35 <= first.screens <= 45 and first.zones == 8
    assert 140 <= first.businesses <= 160
    assert first.traffic_rows > first.screens * 2 * 7 * 24 * 0.99
    statuses = {"draft", "pending", "approved", "paused", "rejected", "completed", "cancelled"}
    assert statuses <= set(first.campaigns)
    with Session(engine) as session:
        roles = {u.role for u in session.scalars(select(User))}
        local = session.scalars(select(Business).where(Business.is_small_local)).all()
        kinds = {z.kind for z in session.scalars(select(Zone))}
    assert roles == {"owner", "staff", "admin"}
    assert len(local) > 150 / 2  # most businesses are small local shops
    assert {"office", "residential", "transit", "park", "market"} <= kinds


def test_seed_refuses_a_database_with_a_city(sqlite_engine: Engine) -> None:
    seed_demo(sqlite_engine, seed=1, today=dt.date(2026, 11, 22), history_weeks=1)
    with pytest.raises(Conflict, match="already holds a city"):
        seed_demo(sqlite_engine, seed=1, today=dt.date(2026, 11, 22), history_weeks=1)


def test_demo_delivery_goes_through_proof_of_play_and_billing(
    sqlite_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The demo's yesterday: planned, played by every screen, billed at the planned prices."""
    from assets.ingest import ingest_upload
    from assets.renditions import ensure_all_renditions
    from assets.storage import LocalStorage
    from scheduler.billing import roll_up_billing
    from scheduler.demo.plays import simulate_plays
    from scheduler.planner import plan_and_publish

    monkeypatch.setenv("LOCALCAST_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    storage = LocalStorage(tmp_path / "assets")
    today = dt.date(2026, 11, 22)

    def ingest(session: Session, data: bytes, name: str, business_id: int, user_id: int | None):  # type: ignore[no-untyped-def]
        return ingest_upload(
            session, storage, data, name, business_id=business_id, uploaded_by_id=user_id
        )

    seed_demo(sqlite_engine, seed=5, today=today, ingest=ingest, history_weeks=2)
    with Session(sqlite_engine) as session:
        ensure_all_renditions(session, storage)
        session.commit()
    start = dt.datetime(2026, 11, 21, tzinfo=ZoneInfo(TZ))
    plan_and_publish(sqlite_engine, now=start)
    until = start + dt.timedelta(hours=10)
    stored = simulate_plays(sqlite_engine, start, until, TZ)
    assert simulate_plays(sqlite_engine, start, until, TZ) == 0  # the retry is not counted twice
    with Session(sqlite_engine, expire_on_commit=False) as session:
        plays = session.scalars(select(Play)).all()
        roll_up_billing(session, dt.date(2026, 11, 21), tz=ZoneInfo(TZ))
        session.commit()
        billed = sum(row.charge_krw for row in session.scalars(select(BillingDaily)))
    assert stored == len(plays) > 1000
    assert all(start <= p.started_at < until and p.campaign_id is not None for p in plays)
    assert billed == sum(p.price_krw for p in plays) > 0
    get_settings.cache_clear()
