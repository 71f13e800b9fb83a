"""The scheduled jobs, and the wrapper that locks and records every run in ``job_runs``.

A run of job J (scheduled, on worker start, or by hand) goes:

1. take J's database lock (``scheduler.job_locks``); if another process holds it, record the
   run as ``skipped`` with the holder in ``detail`` and stop;
2. claim the run by inserting its ``running`` row. A scheduled run carries its fire time in
   ``scheduled_for`` and (job, scheduled_for) is unique, so a fire time runs at most once even if
   two workers ever both believe they are active;
3. run J, renewing the lock meanwhile, and write outcome, duration and error into the row.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import shutil
import socket
import time
import traceback
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, is_dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from scheduler.billing import roll_up_billing
from scheduler.campaigns import complete_finished_campaigns
from scheduler.db import session_scope
from scheduler.errors import LocalcastError, NotFound
from scheduler.job_locks import current_holder, kept_alive, make_lock
from scheduler.models import JobRun, Screen, utcnow
from scheduler.settings import Settings, get_settings

# Each run is logged here; the worker's own comings and goings on "localcast.worker".
log = logging.getLogger("localcast.jobs")

# Run with a session before each re-plan, e.g. rendering creatives for new screen sizes.
PlanHook = Callable[[Session], object]
# Interval triggers are counted from this instant, so every worker computes the same fire times.
ANCHOR = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
JOB_RUNS_KEEP_DAYS = 30


class JobFailed(LocalcastError):
    """A job finished with a problem; ``detail`` still goes into its run record."""

    code = "job_failed"

    def __init__(self, message: str, detail: dict[str, Any]) -> None:
        super().__init__(message)
        self.detail = detail


@dataclass(frozen=True)
class JobContext:
    """What a job gets to work with."""

    engine: Engine
    settings: Settings
    worker_id: str
    now: dt.datetime
    trigger: str  # "schedule" | "startup" | "manual"
    scheduled_for: dt.datetime | None = None
    before_plan: tuple[PlanHook, ...] = ()


@dataclass(frozen=True)
class JobSpec:
    """A job: what it does and when. ``every_s`` or ``daily_at`` (city-local time) sets when."""

    name: str
    run: Callable[[JobContext], dict[str, Any]]
    description: str
    every_s: float | None = None
    daily_at: dt.time | None = None
    run_on_start: bool = False

    def with_interval(self, seconds: float) -> JobSpec:
        return JobSpec(
            self.name,
            self.run,
            self.description,
            every_s=seconds,
            run_on_start=self.run_on_start,
        )

    def fire_time(self, now: dt.datetime, tz: dt.tzinfo) -> dt.datetime:
        """The latest scheduled fire time at or before ``now`` (the one a trigger just fired)."""
        if self.every_s is not None:
            step = dt.timedelta(seconds=self.every_s)
            return ANCHOR + step * ((now - ANCHOR) // step)
        assert self.daily_at is not None
        local = now.astimezone(tz)
        today = dt.datetime.combine(local.date(), self.daily_at, tzinfo=tz)
        fired = today if local >= today else today - dt.timedelta(days=1)
        return fired.astimezone(dt.UTC)


def worker_identity(prefix: str = "worker") -> str:
    """A name for this process in run records and locks: host, pid and a random suffix."""
    return f"{prefix}@{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def jsonable(value: Any) -> Any:
    """``value`` as plain JSON types (reports may be dataclasses, dates, numpy numbers)."""
    if hasattr(value, "as_dict"):
        value = value.as_dict()
    elif is_dataclass(value) and not isinstance(value, type):
        value = asdict(value)
    return json.loads(json.dumps(value, default=str))


# --- the jobs ---------------------------------------------------------------------------------


def replan_job(ctx: JobContext) -> dict[str, Any]:
    """Run the ``before_plan`` hooks, then plan and publish the rolling horizon."""
    hooks: list[dict[str, Any]] = []
    for hook in ctx.before_plan:
        name = getattr(hook, "__name__", repr(hook))
        started = time.monotonic()
        try:
            with session_scope(ctx.engine) as session:
                result = hook(session)
            hooks.append({"hook": name, "result": jsonable(result)})
        except Exception as exc:  # a hook failing must not stop the plan: record it, plan anyway
            log.exception("before_plan hook %s failed", name)
            hooks.append({"hook": name, "error": f"{type(exc).__name__}: {exc}"})
        hooks[-1]["seconds"] = round(time.monotonic() - started, 3)
    try:
        from scheduler.planner import plan_and_publish
    except ImportError as exc:
        raise JobFailed(f"the planner is not available: {exc}", {"hooks": hooks}) from exc
    report = plan_and_publish(ctx.engine, now=ctx.now)
    detail = {"hooks": hooks, "plan": jsonable(report)}
    failed = [h["hook"] for h in hooks if "error" in h]
    if failed:
        raise JobFailed(f"planned, but before-plan hook(s) failed: {', '.join(failed)}", detail)
    return detail


def _settled_csvs(folder: Path, settle_s: float) -> list[Path]:
    # Skip hidden and partial files and any still being written (modified in the last moments).
    cutoff = time.time() - settle_s
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file()
        and p.suffix.lower() == ".csv"
        and not p.name.startswith(".")
        and p.stat().st_mtime <= cutoff
    )


def _move_aside(path: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / path.name
    number = 1
    while target.exists() or target.with_suffix(".report.json").exists():
        target = folder / f"{path.stem}.{number}{path.suffix}"
        number += 1
    shutil.move(str(path), target)
    return target


def import_drop_folder(
    engine: Engine, folder: Path, *, settle_s: float = 0.0
) -> list[dict[str, Any]]:
    """Import every settled CSV in ``folder``; move each to ``done/`` or ``rejected/``.

    A file goes to ``rejected/`` when it was refused as a whole or no row of it could be kept.
    Its report is written beside it as ``<name>.report.json``.
    """
    from scheduler.traffic_import import import_traffic

    folder.mkdir(parents=True, exist_ok=True)
    results = []
    for path in _settled_csvs(folder, settle_s):
        try:
            with session_scope(engine) as session:
                report = import_traffic(session, path.read_bytes(), filename=path.name)
            payload = jsonable(report)
            kept = report.rows_kept > 0 or report.rows_rejected == 0
            outcome = "done" if kept else "rejected"
        except LocalcastError as exc:
            payload = {"error": exc.code, "message": exc.message}
            outcome = "rejected"
        except Exception as exc:  # keep going with the other files; the run reports the failure
            log.exception("importing %s failed", path.name)
            payload = {"error": "internal", "message": f"{type(exc).__name__}: {exc}"}
            outcome = "rejected"
        moved = _move_aside(path, folder / outcome)
        moved.with_suffix(".report.json").write_text(
            json.dumps(payload, indent=2, ensure_ascii=False), encoding="utf-8"
        )
        summary = {"file": path.name, "outcome": outcome, "moved_to": f"{outcome}/{moved.name}"}
        for key in ("rows_kept", "rows_rejected", "error", "message"):
            if key in payload:
                summary[key] = payload[key]
        results.append(summary)
    return results


def traffic_drop_job(ctx: JobContext) -> dict[str, Any]:
    files = import_drop_folder(
        ctx.engine, ctx.settings.drop_dir, settle_s=ctx.settings.drop_settle_seconds
    )
    detail = {"files": files}
    broken = [f["file"] for f in files if f.get("error") == "internal"]
    if broken:
        raise JobFailed(f"could not import {', '.join(broken)} (see the reports)", detail)
    return detail


def stale_screens(session: Session, now: dt.datetime, minutes: int) -> dict[str, Any]:
    """Active screens not heard from for ``minutes`` (and those never heard from at all)."""
    cutoff = now - dt.timedelta(minutes=minutes)
    screens = session.scalars(
        select(Screen)
        .where(Screen.status == "active")
        .where((Screen.last_seen_at < cutoff) | Screen.last_seen_at.is_(None))
        .order_by(Screen.id)
    ).all()
    stale = [
        {
            "screen_id": s.id,
            "name": s.name,
            "last_seen_at": s.last_seen_at.isoformat(),
            "minutes_silent": int((now - s.last_seen_at).total_seconds() // 60),
        }
        for s in screens
        if s.last_seen_at is not None
    ]
    never = [{"screen_id": s.id, "name": s.name} for s in screens if s.last_seen_at is None]
    return {"threshold_minutes": minutes, "stale": stale, "never_seen": never}


def stale_screens_job(ctx: JobContext) -> dict[str, Any]:
    with session_scope(ctx.engine) as session:
        return stale_screens(session, ctx.now, ctx.settings.stale_screen_minutes)


def billing_job(ctx: JobContext) -> dict[str, Any]:
    """Roll up yesterday and the day before (late plays from screens that were offline)."""
    today = ctx.now.astimezone(ctx.settings.tz).date()
    days = []
    for back in (2, 1):
        with session_scope(ctx.engine) as session:
            days.append(roll_up_billing(session, today - dt.timedelta(days=back)).as_dict())
    return {"days": days}


def housekeeping_job(ctx: JobContext) -> dict[str, Any]:
    """Complete campaigns whose flight is over; forget job runs older than a month."""
    cutoff = ctx.now - dt.timedelta(days=JOB_RUNS_KEEP_DAYS)
    today = ctx.now.astimezone(ctx.settings.tz).date()
    with session_scope(ctx.engine) as session:
        completed = complete_finished_campaigns(session, today)
        result = session.execute(delete(JobRun).where(JobRun.started_at < cutoff))
        return {
            "completed_campaigns": completed,
            "deleted_runs": int(result.rowcount or 0),
            "runs_before": cutoff.isoformat(),
        }


def standard_jobs(settings: Settings | None = None) -> list[JobSpec]:
    """The worker's jobs, with ``settings.job_intervals`` overriding their schedules."""
    settings = settings or get_settings()
    jobs = [
        JobSpec(
            "replan",
            replan_job,
            "re-plan the rolling horizon and publish playlists",
            every_s=settings.replan_minutes * 60.0,
            run_on_start=True,
        ),
        JobSpec(
            "traffic_drop",
            traffic_drop_job,
            "import foot-traffic CSVs dropped into the incoming folder",
            every_s=60.0,
        ),
        JobSpec(
            "stale_screens",
            stale_screens_job,
            "list screens that stopped checking in",
            every_s=300.0,
        ),
        JobSpec(
            "billing",
            billing_job,
            "roll up yesterday's plays into billing",
            daily_at=dt.time(0, 15),
            run_on_start=True,
        ),
        JobSpec(
            "housekeeping",
            housekeeping_job,
            f"complete finished campaigns; delete job runs older than {JOB_RUNS_KEEP_DAYS} days",
            daily_at=dt.time(0, 45),
        ),
    ]
    return [
        job.with_interval(settings.job_intervals[job.name])
        if job.name in settings.job_intervals
        else job
        for job in jobs
    ]


# --- running ----------------------------------------------------------------------------------


def _insert_run(engine: Engine, run: JobRun) -> JobRun | None:
    """Insert ``run``; ``None`` when its fire time was claimed already."""
    try:
        with session_scope(engine) as session:
            session.add(run)
    except IntegrityError:
        return None
    return run


def execute(
    engine: Engine,
    spec: JobSpec,
    *,
    worker_id: str,
    trigger: str,
    scheduled_for: dt.datetime | None = None,
    before_plan: Sequence[PlanHook] = (),
    settings: Settings | None = None,
) -> JobRun | None:
    """Run ``spec`` once under its lock and record it. ``None``: the fire time ran elsewhere."""
    settings = settings or get_settings()
    # Held locks are renewed while the job runs, so the lease only bounds how long a dead
    # worker's lock lingers on SQLite; the worker lease has the same length.
    lock_ttl = settings.worker_lease_seconds
    lock = make_lock(engine, f"job:{spec.name}", worker_id, lock_ttl)
    if not lock.acquire():
        holder = current_holder(engine, lock.name)
        now = utcnow()
        log.info("%s: skipped, %s is running it", spec.name, holder or "another worker")
        return _insert_run(
            engine,
            JobRun(
                job=spec.name,
                worker=worker_id,
                scheduled_for=scheduled_for,
                started_at=now,
                finished_at=now,
                duration_s=0.0,
                outcome="skipped",
                detail={"trigger": trigger, "reason": "already running", "holder": holder},
            ),
        )
    try:
        _close_orphans(engine, spec.name)
        run = _insert_run(
            engine,
            JobRun(
                job=spec.name,
                worker=worker_id,
                scheduled_for=scheduled_for,
                started_at=utcnow(),
                outcome="running",
                detail={"trigger": trigger},
            ),
        )
        if run is None:
            log.info("%s: the run for %s was already made", spec.name, scheduled_for)
            return None
        ctx = JobContext(
            engine=engine,
            settings=settings,
            worker_id=worker_id,
            now=run.started_at,
            trigger=trigger,
            scheduled_for=scheduled_for,
            before_plan=tuple(before_plan),
        )
        started = time.monotonic()
        error: str | None = None
        with kept_alive(lock, lock_ttl) as lost:
            try:
                detail = jsonable(spec.run(ctx)) or {}
                outcome = "ok"
            except JobFailed as exc:
                outcome, error, detail = "error", exc.message, jsonable(exc.detail)
            except Exception as exc:  # record any failure; the worker itself keeps going
                log.exception("job %s failed", spec.name)
                outcome, error = "error", f"{type(exc).__name__}: {exc}"
                detail = {"traceback": traceback.format_exc(limit=8)}
        run.finished_at = utcnow()
        run.duration_s = round(time.monotonic() - started, 3)
        run.outcome = outcome
        run.error = error
        run.detail = {"trigger": trigger, **detail}
        if lost.is_set():  # stalled past the lease: another worker may have run it meanwhile
            run.detail["lock_lost"] = True
        with session_scope(engine) as session:
            session.merge(run)
        log.info(
            "%s: %s in %.2f s%s", spec.name, outcome, run.duration_s, f": {error}" * bool(error)
        )
        return run
    finally:
        lock.release()


def _close_orphans(engine: Engine, job: str) -> int:
    """Close ``running`` rows of ``job``. Call only holding its lock: nobody else runs it now,
    so such rows were left by a worker that died mid-run."""
    with session_scope(engine) as session:
        orphans = session.scalars(
            select(JobRun).where(JobRun.job == job, JobRun.outcome == "running")
        ).all()
        for run in orphans:
            run.outcome = "error"
            run.finished_at = utcnow()
            run.error = f"the worker {run.worker} stopped before the run finished"
        return len(orphans)


def reap_orphaned_runs(engine: Engine, jobs: Iterable[JobSpec], worker_id: str) -> int:
    """Close ``running`` rows left by a worker that died mid-run (where the job lock is free)."""
    closed = 0
    ttl = get_settings().worker_lease_seconds
    for spec in jobs:
        lock = make_lock(engine, f"job:{spec.name}", worker_id, ttl)
        if not lock.acquire():
            continue  # it is running somewhere right now
        try:
            closed += _close_orphans(engine, spec.name)
        finally:
            lock.release()
    return closed


def run_job_now(
    engine: Engine,
    name: str,
    *,
    before_plan: Sequence[PlanHook] = (),
    extra_jobs: Sequence[JobSpec] = (),
    worker_id: str | None = None,
    settings: Settings | None = None,
) -> JobRun:
    """Run one job at once (the dashboard's "re-plan now"); ``skipped`` if it is running already."""
    jobs = {job.name: job for job in [*standard_jobs(settings), *extra_jobs]}
    if name not in jobs:
        raise NotFound(f"There is no job {name!r}; the jobs are {', '.join(sorted(jobs))}.")
    run = execute(
        engine,
        jobs[name],
        worker_id=worker_id or worker_identity("manual"),
        trigger="manual",
        before_plan=before_plan,
        settings=settings,
    )
    assert run is not None  # manual runs have no fire time to collide on
    return run
