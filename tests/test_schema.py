"""The migration builds the whole schema, and the database itself enforces the rules."""

from __future__ import annotations

import datetime as dt

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from scheduler.models import Base, Play, QuotaPolicy, Screen, TrafficCount

NOW = dt.datetime(2026, 11, 2, 9, tzinfo=dt.UTC)


def test_migration_creates_every_table(engine: Engine) -> None:
    tables = set(inspect(engine).get_table_names())
    assert {t.name for t in Base.metadata.sorted_tables} <= tables
    assert "alembic_version" in tables


def test_migration_matches_models(engine: Engine) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == [], f"models and migration disagree: {diff}"


def _screen(session: Session) -> Screen:
    screen = Screen(name="S1")
    session.add(screen)
    session.flush()
    return screen


def test_database_refuses_negative_count(engine: Engine) -> None:
    with Session(engine) as session:
        screen = _screen(session)
        session.add(TrafficCount(screen_id=screen.id, hour_start=NOW, count=-1))
        with pytest.raises(IntegrityError, match="(?i)count_not_negative|check"):
            session.flush()


def test_database_refuses_duplicate_hour(engine: Engine) -> None:
    with Session(engine) as session:
        screen = _screen(session)
        session.add(TrafficCount(screen_id=screen.id, hour_start=NOW, count=5))
        session.flush()
        session.add(TrafficCount(screen_id=screen.id, hour_start=NOW, count=6))
        with pytest.raises(IntegrityError):
            session.flush()


@pytest.mark.parametrize("field", ["local_min_share", "public_min_share", "advertiser_max_share"])
def test_database_refuses_share_above_one(engine: Engine, field: str) -> None:
    with Session(engine) as session:
        values = {"local_min_share": 0.0, "public_min_share": 0.0, field: 1.5}
        session.add(QuotaPolicy(effective_from=NOW, **values))
        with pytest.raises(IntegrityError, match="(?i)is_share|check"):
            session.flush()


def test_database_refuses_duplicate_play_id(engine: Engine) -> None:
    with Session(engine) as session:
        screen = _screen(session)
        play = {"screen_id": screen.id, "play_uid": "p-1", "item_id": "i", "started_at": NOW}
        session.add(Play(duration_ms=10_000, **play))
        session.flush()
        session.add(Play(duration_ms=10_000, **play))
        with pytest.raises(IntegrityError, match="(?i)unique|duplicate"):
            session.flush()


def test_same_play_id_on_another_screen_is_fine(engine: Engine) -> None:
    with Session(engine) as session:
        first, second = _screen(session), Screen(name="S2")
        session.add(second)
        session.flush()
        for screen in (first, second):
            session.add(
                Play(
                    screen_id=screen.id, play_uid="p-1", item_id="i", started_at=NOW, duration_ms=1
                )
            )
        session.flush()
        assert session.query(Play).count() == 2


def test_times_come_back_aware_utc(engine: Engine) -> None:
    seoul = dt.timezone(dt.timedelta(hours=9))
    with Session(engine) as session:
        screen = _screen(session)
        session.add(TrafficCount(screen_id=screen.id, hour_start=NOW.astimezone(seoul), count=3))
        session.commit()
    with Session(engine) as session:
        stored = session.query(TrafficCount).one().hour_start
    assert stored == NOW and stored.tzinfo is not None
