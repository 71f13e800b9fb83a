"""Job runs, their database locks, and what the jobs do, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select, text

from scheduler.db import make_engine, session_scope
from scheduler.errors import NotFound
from scheduler.job_locks import AdvisoryLock, LeaseRow, make_lock
from scheduler.jobs import (
    JobContext,
    JobFailed,
    JobSpec,
    execute,
    import_drop_folder,
    reap_orphaned_runs,
    run_job_now,
    stale_screens,
)
from scheduler.models import JobRun, PlanRun, Screen, TrafficCount, utcnow
from scheduler.settings import Settings


def _second_engine(engine: Engine) -> Engine:
    """Another engine (its own pool and connections) on the same database, like another process."""
    return make_engine(engine.url.render_as_string(hide_password=False))


def _runs(engine: Engine, job: str) -> list[JobRun]:
    with session_scope(engine) as session:
        return list(session.scalars(select(JobRun).where(JobRun.job == job).order_by(JobRun.id)))


def test_a_job_runs_once_at_a_time_and_every_run_is_recorded(engine: Engine) -> None:
    started, release = threading.Event(), threading.Event()

    def slow(ctx: JobContext) -> dict:
        started.set()
        assert release.wait(20)
        return {"worked": True}

    spec = JobSpec("slow", slow, "waits to be released", every_s=60)
    settings = Settings(worker_lease_seconds=1.5)
    other = _second_engine(engine)
    results: list[JobRun] = []
    first = threading.Thread(
        target=lambda: results.append(
            run_job_now(engine, "slow", extra_jobs=[spec], settings=settings)
        )
    )
    first.start()
    try:
        assert started.wait(10)
        time.sleep(1.0)  # past half the lock's lease: it must have been renewed meanwhile
        second = run_job_now(other, "slow", extra_jobs=[spec], settings=settings)
    finally:
        release.set()
        first.join(20)
    assert second.outcome == "skipped"
    assert second.detail["holder"].startswith("manual@")
    (done,) = results
    assert done.outcome == "ok" and done.detail == {"trigger": "manual", "worked": True}
    assert done.duration_s is not None and done.duration_s >= 1.0
    # The lock was released: the next run goes ahead.
    release.set()
    third = run_job_now(other, "slow", extra_jobs=[spec])
    assert third.outcome == "ok"
    assert [r.outcome for r in _runs(engine, "slow")] == ["ok", "skipped", "ok"]
    other.dispose()


def test_failures_are_recorded_with_their_message(engine: Engine) -> None:
    def broken(ctx: JobContext) -> dict:
        raise RuntimeError("disk on fire")

    def half(ctx: JobContext) -> dict:
        raise JobFailed("two of three done", {"done": 2})

    jobs = [JobSpec("broken", broken, "fails", every_s=60), JobSpec("half", half, "half", 60)]
    run = run_job_now(engine, "broken", extra_jobs=jobs)
    assert (run.outcome, run.error) == ("error", "RuntimeError: disk on fire")
    assert "disk on fire" in run.detail["traceback"]
    run = run_job_now(engine, "half", extra_jobs=jobs)
    assert (run.outcome, run.error, run.detail["done"]) == ("error", "two of three done", 2)
    with pytest.raises(NotFound, match="replan"):
        run_job_now(engine, "no_such_job")


def test_a_fire_time_is_claimed_once(engine: Engine) -> None:
    calls = []
    spec = JobSpec("tick", lambda ctx: calls.append(ctx.scheduled_for) or {}, "tick", every_s=5)
    fired = spec.fire_time(utcnow(), dt.UTC)
    other = _second_engine(engine)
    first = execute(engine, spec, worker_id="a", trigger="schedule", scheduled_for=fired)
    again = execute(other, spec, worker_id="b", trigger="schedule", scheduled_for=fired)
    assert first is not None and first.outcome == "ok"
    assert again is None
    assert calls == [fired]
    assert [(r.worker, r.scheduled_for) for r in _runs(engine, "tick")] == [("a", fired)]
    other.dispose()


def test_fire_times_are_the_same_in_every_process() -> None:
    seoul = ZoneInfo("Asia/Seoul")
    every = JobSpec("e", lambda ctx: {}, "", every_s=300)
    now = dt.datetime(2026, 11, 23, 10, 7, 12, tzinfo=dt.UTC)
    assert every.fire_time(now, seoul) == dt.datetime(2026, 11, 23, 10, 5, tzinfo=dt.UTC)
    daily = JobSpec("d", lambda ctx: {}, "", daily_at=dt.time(0, 15))
    # 00:10 in Seoul is before the day's run: the last one fired yesterday at 00:15 Seoul time.
    at = dt.datetime(2026, 11, 23, 0, 10, tzinfo=seoul)
    assert daily.fire_time(at, seoul) == dt.datetime(2026, 11, 21, 15, 15, tzinfo=dt.UTC)
    assert daily.fire_time(at + dt.timedelta(minutes=5), seoul) == dt.datetime(
        2026, 11, 22, 15, 15, tzinfo=dt.UTC
    )


def test_a_lease_row_expires_and_passes_on(sqlite_engine: Engine) -> None:
    a = LeaseRow(sqlite_engine, "worker", "a", ttl_s=0.3)
    b = LeaseRow(sqlite_engine, "worker", "b", ttl_s=0.3)
    assert a.acquire()
    assert not b.acquire()
    assert a.renew()
    time.sleep(0.4)  # a stalls past its lease
    assert b.acquire()
    assert not a.renew()
    b.release()
    assert a.acquire()


def test_an_advisory_lock_is_freed_when_its_holder_dies(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        assert isinstance(make_lock(engine, "x", "a", 1), LeaseRow)
        return
    other = _second_engine(engine)
    a = make_lock(engine, "worker", "a", ttl_s=30)
    b = make_lock(other, "worker", "b", ttl_s=30)
    assert isinstance(a, AdvisoryLock)
    assert a.acquire()
    assert not b.acquire()
    # Kill a's server session, as if its machine had died: the server frees the lock as soon
    # as the backend has exited (termination is asynchronous, so allow it a moment).
    pid = a._conn.scalar(text("SELECT pg_backend_pid()"))  # type: ignore[union-attr]
    with other.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
    deadline = time.monotonic() + 10
    while not b.acquire():
        assert time.monotonic() < deadline, "the dead holder's advisory lock was never freed"
        time.sleep(0.05)
    assert not a.renew()
    b.release()
    other.dispose()


def test_runs_left_by_a_dead_worker_are_closed(engine: Engine) -> None:
    spec = JobSpec("tick", lambda ctx: {}, "tick", every_s=60)
    with session_scope(engine) as session:
        session.add(JobRun(job="tick", worker="gone", outcome="running"))
    assert reap_orphaned_runs(engine, [spec], "me") == 1
    (run,) = _runs(engine, "tick")
    assert run.outcome == "error" and "gone stopped" in (run.error or "")


def test_stale_screens(engine: Engine) -> None:
    now = utcnow()
    with session_scope(engine) as session:
        session.add_all(
            [
                Screen(name="fresh", last_seen_at=now - dt.timedelta(minutes=2)),
                Screen(name="silent", last_seen_at=now - dt.timedelta(minutes=25)),
                Screen(name="new"),
                Screen(name="old", status="retired", last_seen_at=now - dt.timedelta(days=9)),
            ]
        )
    with session_scope(engine) as session:
        found = stale_screens(session, now, 10)
    assert [(s["name"], s["minutes_silent"]) for s in found["stale"]] == [("silent", 25)]
    assert [s["name"] for s in found["never_seen"]] == ["new"]


def test_the_stale_screens_job_records_them(engine: Engine) -> None:
    with session_scope(engine) as session:
        session.add(Screen(name="silent", last_seen_at=utcnow() - dt.timedelta(hours=1)))
    run = run_job_now(engine, "stale_screens", settings=Settings(stale_screen_minutes=30))
    assert run.outcome == "ok"
    assert [s["name"] for s in run.detail["stale"]] == ["silent"]


def test_the_drop_folder(engine: Engine, tmp_path: Path) -> None:
    with session_scope(engine) as session:
        session.add(Screen(name="Plaza", traffic_location="plaza"))
    drop = tmp_path / "incoming"
    drop.mkdir()
    (drop / "good.csv").write_text(
        "location,date,hour,count\nplaza,2026-11-20,8,120\nplaza,2026-11-20,9,-4\n"
    )
    (drop / "nonsense.csv").write_text("what,is,this\n1,2,3\n")
    (drop / "notes.txt").write_text("not a CSV; left alone")
    (drop / "late.csv").write_text("location,date,hour,count\n")
    for name in ("good.csv", "nonsense.csv"):
        os.utime(drop / name, (time.time() - 60, time.time() - 60))
    # late.csv was written just now: it may still be being copied in, so it waits.

    results = import_drop_folder(engine, drop, settle_s=5)

    assert sorted(r["file"] for r in results) == ["good.csv", "nonsense.csv"]
    assert sorted(p.name for p in drop.iterdir()) == ["done", "late.csv", "notes.txt", "rejected"]
    assert (drop / "done" / "good.csv").exists()
    good = json.loads((drop / "done" / "good.report.json").read_text())
    assert (good["rows_kept"], good["rows_rejected"]) == (1, 1)
    assert good["problems"]  # the negative count, row by row
    assert (drop / "rejected" / "nonsense.csv").exists()
    refused = json.loads((drop / "rejected" / "nonsense.report.json").read_text())
    assert refused["error"] == "invalid" and "nonsense.csv" in refused["message"]
    with session_scope(engine) as session:
        assert [c.count for c in session.scalars(select(TrafficCount))] == [120]

    # The same file dropped again is moved beside the first, not over it.
    (drop / "good.csv").write_text(
        "location,date,hour,count\nplaza,2026-11-20,8,120\nplaza,2026-11-20,9,-4\n"
    )
    os.utime(drop / "good.csv", (time.time() - 60, time.time() - 60))
    import_drop_folder(engine, drop, settle_s=5)
    assert (drop / "done" / "good.1.csv").exists() and (
        drop / "done" / "good.1.report.json"
    ).exists()


def test_the_traffic_drop_job_uses_the_data_dir(engine: Engine, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, drop_settle_seconds=0)
    settings.drop_dir.mkdir(parents=True)
    (settings.drop_dir / "bad.csv").write_text("no,columns\n")
    run = run_job_now(engine, "traffic_drop", settings=settings)
    assert run.outcome == "ok"
    assert [(f["file"], f["outcome"]) for f in run.detail["files"]] == [("bad.csv", "rejected")]
    assert (settings.drop_dir / "rejected" / "bad.report.json").exists()


def test_the_billing_job_rolls_up_the_last_two_days(engine: Engine) -> None:
    run = run_job_now(engine, "billing", settings=Settings(timezone="Asia/Seoul"))
    assert run.outcome == "ok", run.error
    today = run.started_at.astimezone(ZoneInfo("Asia/Seoul")).date()
    assert [d["day"] for d in run.detail["days"]] == [
        (today - dt.timedelta(days=2)).isoformat(),
        (today - dt.timedelta(days=1)).isoformat(),
    ]


def test_replan_runs_the_hooks_first_and_plans_even_if_one_fails(engine: Engine) -> None:
    seen: list[int] = []

    def count_plans(session) -> int:
        seen.append(len(session.scalars(select(PlanRun)).all()))
        return 3

    def broken(session) -> None:
        raise OSError("assets folder is read-only")

    run = run_job_now(engine, "replan", before_plan=[count_plans])
    assert run.outcome == "ok", run.error
    assert seen == [0]
    assert run.detail["hooks"][0]["result"] == 3
    assert run.detail["plan"]

    run = run_job_now(engine, "replan", before_plan=[broken, count_plans])
    assert run.outcome == "error"
    assert run.error == "planned, but before-plan hook(s) failed: broken"
    assert "read-only" in run.detail["hooks"][0]["error"]
    assert seen == [0, 1]
    with session_scope(engine) as session:
        assert len(session.scalars(select(PlanRun)).all()) == 2


def test_jobs_run_from_the_command_line(
    sqlite_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    from scheduler.cli import main
    from scheduler.settings import get_settings

    monkeypatch.setenv("LOCALCAST_DATABASE_URL", str(sqlite_engine.url))
    monkeypatch.setenv("LOCALCAST_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    try:
        assert main(["jobs", "run", "stale_screens", "--json"]) == 0
        printed = json.loads(capsys.readouterr().out)
        assert (printed["job"], printed["outcome"]) == ("stale_screens", "ok")
        assert main(["jobs", "list"]) == 0
        assert "traffic_drop" in capsys.readouterr().out
    finally:
        get_settings.cache_clear()
    assert [r.id for r in _runs(sqlite_engine, "stale_screens")] == [printed["id"]]


def test_a_worker_that_loses_its_lock_stops_running_jobs(sqlite_engine: Engine) -> None:
    from scheduler.models import JobLock
    from scheduler.worker import Worker

    ticks: list[str] = []
    tick = JobSpec("tick", lambda ctx: ticks.append(ctx.worker_id) or {}, "tick", every_s=0.2)
    settings = Settings(worker_lease_seconds=0.6)
    worker = Worker(sqlite_engine, jobs=[tick], settings=settings, worker_id="w1")
    stop = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop,))
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while len(ticks) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert worker.active and ticks
        with session_scope(sqlite_engine) as session:  # another worker took over the lease
            lock = session.get(JobLock, "worker")
            lock.holder, lock.expires_at = "w2", utcnow() + dt.timedelta(minutes=5)
        deadline = time.monotonic() + 5
        while worker.active and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not worker.active
        time.sleep(0.3)
        seen = len(ticks)
        time.sleep(0.6)
        assert len(ticks) == seen  # no more runs once it stood down
    finally:
        stop.set()
        thread.join(10)
    assert not thread.is_alive()
    with session_scope(sqlite_engine) as session:
        assert session.get(JobLock, "worker").holder == "w2"  # leaving did not free w2's lock


def test_housekeeping_completes_finished_campaigns_and_forgets_old_runs(engine: Engine) -> None:
    from scheduler.models import Business, Campaign

    now = utcnow()
    today = now.astimezone(ZoneInfo("Asia/Seoul")).date()
    with session_scope(engine) as session:
        shop = Business(name="Bakery")
        session.add(shop)
        session.flush()
        for name, status, ends in (
            ("over", "approved", today - dt.timedelta(days=1)),
            ("paused over", "paused", today - dt.timedelta(days=3)),
            ("last day", "approved", today),
            ("pending over", "pending", today - dt.timedelta(days=3)),
        ):
            session.add(
                Campaign(
                    business_id=shop.id,
                    name=name,
                    status=status,
                    starts_on=today - dt.timedelta(days=9),
                    ends_on=ends,
                    budget_krw=1000,
                )
            )
        session.add(JobRun(job="tick", worker="w", started_at=now - dt.timedelta(days=40)))
        session.add(JobRun(job="tick", worker="w", started_at=now - dt.timedelta(days=2)))
    run = run_job_now(engine, "housekeeping", settings=Settings(timezone="Asia/Seoul"))
    assert run.outcome == "ok", run.error
    assert run.detail["deleted_runs"] == 1
    with session_scope(engine) as session:
        statuses = dict(session.execute(select(Campaign.name, Campaign.status)).all())
    assert statuses == {
        "over": "completed",
        "paused over": "completed",
        "last day": "approved",
        "pending over": "pending",
    }
    assert len(_runs(engine, "tick")) == 1
