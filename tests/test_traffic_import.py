"""Foot-traffic import: layouts, mapping, every kind of bad value, idempotence, the real data."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from scheduler.db import session_scope
from scheduler.errors import ValidationFailed
from scheduler.models import Screen, TrafficCount, TrafficImport
from scheduler.traffic_import import import_traffic
from scheduler.traffic_parse import DEAD_RUN_HOURS

UTC = dt.UTC


def _screens(session: Session, *names: str, **extra: object) -> list[int]:
    screens = [Screen(name=n, traffic_location=n, **extra) for n in names]
    session.add_all(screens)
    session.flush()
    return [s.id for s in screens]


def _counts(session: Session) -> list[tuple]:
    return [
        tuple(r)
        for r in session.execute(
            select(
                TrafficCount.screen_id,
                TrafficCount.hour_start,
                TrafficCount.count,
                TrafficCount.suspect,
                TrafficCount.import_id,
            ).order_by(TrafficCount.screen_id, TrafficCount.hour_start)
        )
    ]


def test_long_file_is_stored_in_utc(engine: Engine) -> None:
    csv = b"location,timestamp,count\nPlaza,2026-03-02 08:00,120\nPlaza,2026-03-02 09:00,95\n"
    with session_scope(engine) as session:
        (plaza,) = _screens(session, "Plaza")
        report = import_traffic(session, csv, filename="long.csv", tz="Asia/Seoul")
    assert report.layout == "long"
    assert (report.rows_kept, report.rows_rejected, report.problems) == (2, 0, [])
    with session_scope(engine) as session:
        rows = _counts(session)
    assert [(r[0], r[1], r[2]) for r in rows] == [
        (plaza, dt.datetime(2026, 3, 1, 23, tzinfo=UTC), 120),
        (plaza, dt.datetime(2026, 3, 2, 0, tzinfo=UTC), 95),
    ]
    with session_scope(engine) as session:
        # Bulk-written times are stored exactly as the ORM stores them, so equality finds them.
        session.add(
            TrafficCount(
                screen_id=plaza, hour_start=dt.datetime(2026, 3, 2, 1, tzinfo=UTC), count=1
            )
        )
        session.flush()
        found = session.scalars(
            select(TrafficCount.count).where(
                TrafficCount.hour_start >= dt.datetime(2026, 3, 2, 0, tzinfo=UTC),
                TrafficCount.hour_start <= dt.datetime(2026, 3, 2, 1, tzinfo=UTC),
            )
        ).all()
        assert sorted(found) == [1, 95]


def test_wide_file_missing_markers_are_not_zero(engine: Engine) -> None:
    csv = (
        b"Date,Hour,North,South\n"
        b"01/01/2016,0,5,\n"
        b"01/01/2016,1,-1,0\n"
        b"01/01/2016,2,undefined,7\n"
        b"01/01/2016,3,NA,8\n"
    )
    with session_scope(engine) as session:
        north, south = _screens(session, "North", "South")
        report = import_traffic(session, csv, filename="wide.csv", tz="Australia/Melbourne")
    assert report.layout == "wide"
    assert report.date_format == "%d/%m/%Y"
    assert (report.rows_kept, report.rows_missing, report.rows_rejected) == (4, 4, 0)
    with session_scope(engine) as session:
        stored = {
            (r[0], r[1].astimezone(dt.timezone(dt.timedelta(hours=11))).hour): r[2]
            for r in _counts(session)
        }
    # Melbourne is UTC+11 in January; missing hours have no row at all, the real 0 is kept.
    assert stored == {(north, 0): 5, (south, 1): 0, (south, 2): 7, (south, 3): 8}


def test_every_kind_of_bad_row_is_reported(engine: Engine) -> None:
    csv = (
        b"location,timestamp,count\n"
        b"Plaza,2026-03-29 01:00,10\n"  # 2: fine
        b"Plaza,not a date,10\n"  # 3: bad timestamp
        b"Plaza,2026-03-29 03:00,-5\n"  # 4: negative
        b"Plaza,2026-03-29 04:00,lots\n"  # 5: not a number
        b"Plaza,2026-03-29 05:00,2.5\n"  # 6: not whole
        b"Nowhere,2026-03-29 06:00,10\n"  # 7: unknown location
        b"Plaza,2026-03-29 07:00,10\n"  # 8: kept (first)
        b"Plaza,2026-03-29 07:00,10\n"  # 9: duplicate, same count
        b"Plaza,2026-03-29 08:00,10\n"  # 10: conflicting duplicate
        b"Plaza,2026-03-29 08:00,11\n"  # 11: conflicting duplicate
        b"Plaza,2026-03-29 02:30,10\n"  # 12: Berlin skips 02:00-03:00 that night
        b"Plaza,2026-10-25 02:00,10\n"  # 13: Berlin has 02:00 twice that night
        b"Plaza,2026-03-29 09:30,10\n"  # 14: not on the hour
        b"Plaza,2026-03-29T09:00:00+00:00,10\n"  # 15: explicit offset, fine
    )
    with session_scope(engine) as session:
        _screens(session, "Plaza")
        report = import_traffic(session, csv, filename="bad.csv", tz="Europe/Berlin")
    codes = {(p["row"], p["code"]) for p in report.problems}
    assert codes == {
        (3, "bad_timestamp"),
        (4, "negative_count"),
        (5, "not_a_count"),
        (6, "not_whole"),
        (7, "unknown_location"),
        (9, "duplicate_hour"),
        (10, "conflicting_duplicate"),
        (11, "conflicting_duplicate"),
        (12, "nonexistent_time"),
        (13, "ambiguous_time"),
        (14, "not_on_the_hour"),
    }
    by_row = {p["row"]: p for p in report.problems}
    assert by_row[4]["value"] == "-5" and by_row[4]["column"] == "count"
    assert by_row[7]["location"] == "Nowhere"
    assert "row 8" in by_row[9]["reason"]
    assert (report.rows_kept, report.rows_rejected) == (3, 11)
    assert sum(report.reasons.values()) == report.rows_rejected


def test_rows_with_the_wrong_number_of_fields_are_reported(engine: Engine) -> None:
    csv = b"location,timestamp,count\nA,2026-01-01 00:00,5,7\nA,2026-01-01 01:00,6\nA,x\n"
    with session_scope(engine) as session:
        _screens(session, "A")
        report = import_traffic(session, csv, filename="ragged.csv", tz="Asia/Seoul")
    assert [(p["row"], p["code"]) for p in report.problems] == [
        (2, "wrong_field_count"),
        (4, "wrong_field_count"),
    ]
    assert (report.rows_kept, report.rows_rejected, report.values) == (1, 2, 3)


def test_bad_hours_in_date_hour_files(engine: Engine) -> None:
    csv = b"date,hour,count,location\n1-Jan-12,0,4,A\n1-Jan-12,24,4,A\n,,,A\n32-Jan-12,1,4,A\n"
    with session_scope(engine) as session:
        _screens(session, "A")
        report = import_traffic(session, csv, filename="hours.csv", tz="Asia/Seoul")
    assert [(p["row"], p["code"]) for p in report.problems] == [
        (3, "bad_hour"),
        (4, "bad_timestamp"),
        (5, "bad_timestamp"),
    ]
    assert report.rows_kept == 1


def test_dead_sensor_run_is_flagged_not_dropped(engine: Engine) -> None:
    start = dt.datetime(2026, 5, 4)
    lines = ["location,timestamp,count"]
    for h in range(24 * 4):
        day, hour = divmod(h, 24)
        dead = 24 <= h < 24 + DEAD_RUN_HOURS + 6  # a 30-hour run of zeros
        quiet_night = hour < 5  # five zero hours every night are real
        value = 0 if dead or quiet_night else 100
        lines.append(f"Gate,{(start + dt.timedelta(hours=h)):%Y-%m-%d %H:%M},{value}")
    with session_scope(engine) as session:
        _screens(session, "Gate")
        report = import_traffic(session, "\n".join(lines).encode(), filename="dead.csv")
    assert report.rows_kept == 96
    with session_scope(engine) as session:
        rows = _counts(session)
    suspect = [r for r in rows if r[3]]
    assert len(rows) == 96 and report.rows_suspect == len(suspect)
    # The run (which swallows the following night's quiet hours too) is flagged; other nights not.
    assert 30 <= len(suspect) <= 30 + 5 and all(r[2] == 0 for r in suspect)
    assert not any(r[3] for r in rows if r[1] < dt.datetime(2026, 5, 4, 15, tzinfo=UTC))


def test_reimporting_the_same_file_changes_nothing(engine: Engine) -> None:
    csv = b"Date,Hour,North,South\n1-Jan-12,0,5,6\n1-Jan-12,1,-1,7\n1-Jan-12,2,3,x\n"
    with session_scope(engine) as session:
        _screens(session, "North", "South")
        first = import_traffic(session, csv, filename="a.csv", tz="Australia/Melbourne")
    with session_scope(engine) as session:
        before = _counts(session)
        imports_before = session.scalar(select(func.count()).select_from(TrafficImport))
    with session_scope(engine) as session:
        again = import_traffic(session, csv, filename="a.csv", tz="Australia/Melbourne")
    with session_scope(engine) as session:
        assert _counts(session) == before
        assert session.scalar(select(func.count()).select_from(TrafficImport)) == imports_before
    assert first.rows_written == 4 and again.rows_written == 0
    assert again.already_imported and again.import_id == first.import_id
    assert again.problems == first.problems


def test_columns_and_mapping_file(engine: Engine, tmp_path: Path) -> None:
    csv = b"Sensor,When,Walkers\nS-1,2026-01-05 10:00,40\nS-2,2026-01-05 10:00,50\n"
    mapping = tmp_path / "map.csv"
    with session_scope(engine) as session:
        a, b = _screens(session, "Screen A", "Screen B")
        mapping.write_text(f"location,screen_id\nS-1,{a}\nS-2,Screen B\n")
        report = import_traffic(
            session,
            csv,
            filename="renamed.csv",
            columns={"Sensor": "location", "When": "timestamp", "Walkers": "count"},
            mapping=mapping,
        )
    assert (report.rows_kept, report.rows_rejected) == (2, 0)
    with session_scope(engine) as session:
        assert {(r[0], r[2]) for r in _counts(session)} == {(a, 40), (b, 50)}


def test_screen_id_column_maps_by_id(engine: Engine) -> None:
    with session_scope(engine) as session:
        (a,) = _screens(session, "Only")
        csv = f"screen_id,date,hour,count\n{a},2026-01-05,10,40\n999,2026-01-05,10,1\n".encode()
        report = import_traffic(session, csv, filename="ids.csv")
    assert report.rows_kept == 1
    assert [(p["row"], p["code"], p["location"]) for p in report.problems] == [
        (3, "unknown_location", "screen:999")
    ]


def test_nearest_sensor_to_a_screen(engine: Engine, tmp_path: Path) -> None:
    sensors = tmp_path / "sensors.csv"
    sensors.write_text(
        "sensor_id,sensor_description,latitude,longitude\n"
        "1,Town Hall (West),-37.81487988,144.9660878\n"
        "2,Princes Bridge,-37.81874249,144.96787656\n"
    )
    csv = b"Date,Hour,Town Hall (West),Princes Bridge\n01/01/2016,9,100,200\n"
    with session_scope(engine) as session:
        near = Screen(name="near town hall", latitude=-37.8150, longitude=144.9662)
        far = Screen(name="far away", latitude=37.5665, longitude=126.9780)
        session.add_all([near, far])
        session.flush()
        report = import_traffic(
            session, csv, filename="s.csv", sensors=sensors, tz="Australia/Melbourne"
        )
        near_id = near.id
    assert report.rows_kept == 1
    assert [p["location"] for p in report.problems] == ["Princes Bridge"]
    with session_scope(engine) as session:
        assert [(r[0], r[2]) for r in _counts(session)] == [(near_id, 100)]


def test_dry_run_and_refused_files(engine: Engine) -> None:
    csv = b"location,timestamp,count\nPlaza,2026-03-02 08:00,120\n"
    with session_scope(engine) as session:
        _screens(session, "Plaza")
        report = import_traffic(session, csv, filename="d.csv", dry_run=True)
        assert report.rows_kept == 1 and report.import_id is None
        with pytest.raises(ValidationFailed, match="time columns"):
            import_traffic(session, b"location,count\nPlaza,3\n", filename="x.csv")
        with pytest.raises(ValidationFailed, match="empty"):
            import_traffic(session, b"", filename="empty.csv")
    with session_scope(engine) as session:
        assert _counts(session) == []
        assert session.scalar(select(func.count()).select_from(TrafficImport)) == 0


def test_cli_reports_and_exits_non_zero_on_rejections(
    sqlite_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    from scheduler.cli import main
    from scheduler.settings import get_settings

    monkeypatch.setenv("LOCALCAST_DATABASE_URL", sqlite_engine.url.render_as_string())
    get_settings.cache_clear()
    with session_scope(sqlite_engine) as session:
        _screens(session, "Plaza")
    good = tmp_path / "good.csv"
    good.write_text("location,timestamp,count\nPlaza,2026-03-02 08:00,120\n")
    bad = tmp_path / "bad.csv"
    bad.write_text("location,timestamp,count\nPlaza,2026-03-02 08:00,-3\n")
    try:
        assert main(["traffic", "import", str(good), "--json"]) == 0
        out = json.loads(capsys.readouterr().out)
        assert out["rows_kept"] == 1 and out["ok"]
        assert main(["traffic", "import", str(bad)]) == 1
        text = capsys.readouterr().out
        assert "row 2, count: '-3': the count is negative" in text
        assert main(["traffic", "import", str(good), "--dry-run", "--columns", "x=y"]) == 0
    finally:
        get_settings.cache_clear()


@pytest.mark.shared_data
@pytest.mark.slow
def test_all_melbourne_januaries_import_as_is(engine: Engine, shared_data: Path) -> None:
    melbourne = shared_data / "melbourne"
    sensors = melbourne / "sensor_locations.csv"
    files = sorted(melbourne.glob("January_*.csv"))
    assert len(files) == 10
    if engine.dialect.name == "postgresql":
        files = files[::3]  # four years keep the PostgreSQL run short on a busy machine
    with session_scope(engine) as session:
        import csv

        with sensors.open(newline="") as handle:
            for row in csv.DictReader(handle):
                session.add(
                    Screen(
                        name=f"sensor {row['sensor_id']}",
                        latitude=float(row["latitude"]),
                        longitude=float(row["longitude"]),
                    )
                )
    reports = []
    for path in files:
        with session_scope(engine) as session:
            # Screens stand at the sensors; each takes its passers-by from the nearest one.
            reports.append(
                import_traffic(
                    session,
                    path,
                    sensors=sensors,
                    tz="Australia/Melbourne",
                    max_sensor_distance_m=5,
                )
            )
    for report in reports:
        assert report.rows_kept > 0, report.filename
        # Nothing silently dropped: every value is kept, missing or rejected with a reason.
        assert report.rows_kept + report.rows_missing + report.rows_rejected == report.values
        assert sum(report.reasons.values()) == report.rows_rejected
        assert report.problems or report.rows_rejected == 0
    by_name = {r.filename: r for r in reports}
    y2010 = by_name["January_2010.csv"]
    assert y2010.blank_rows == 8016  # trailing empty rows of the published file
    assert y2010.reasons["bad_timestamp"] == 18  # the undated totals row at the end
    assert y2010.date_format == "%d-%b-%y"
    y2019 = by_name["January_2019.csv"]
    assert y2019.date_format == "%d/%m/%Y"
    assert y2019.rows_missing > 0  # -1 and undefined cells
    # Column names that match no sensor description are reported as unknown locations.
    assert "Lincoln-Swanston (W)" in {p["location"] for p in y2019.problems}
    if engine.dialect.name == "sqlite":
        assert sum(r.rows_suspect for r in reports) > 0  # dead sensors in 2014-2017
    with session_scope(engine) as session:
        stored = session.scalar(select(func.count()).select_from(TrafficCount))
        flagged = session.scalar(
            select(func.count()).select_from(TrafficCount).where(TrafficCount.suspect.is_(True))
        )
    assert stored == sum(r.rows_kept for r in reports)
    assert flagged == sum(r.rows_suspect for r in reports)
