"""Two ``localcast worker`` processes on one database: one runs the jobs, each fire time once.

The active worker is killed outright half way; the standby takes over. Runs on PostgreSQL
(advisory locks) and SQLite (lease rows).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

from sqlalchemy import Engine, select

from scheduler.db import session_scope
from scheduler.models import JobRun

ROOT = Path(__file__).resolve().parent.parent
INTERVALS = {
    "stale_screens": 0.5,
    "traffic_drop": 0.5,
    "billing": 1.0,
    "replan": 1.0,
    "housekeeping": 1.5,
}
LEASE_S = 1.2


def _start_worker(url: str, data_dir: Path, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "LOCALCAST_DATABASE_URL": url,
        "LOCALCAST_DATA_DIR": str(data_dir),
        "LOCALCAST_JOB_INTERVALS": json.dumps(INTERVALS),
        "LOCALCAST_WORKER_LEASE_SECONDS": str(LEASE_S),
        "LOCALCAST_DROP_SETTLE_SECONDS": "0",
    }
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "scheduler.cli", "worker", "--verbose"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _runs(engine: Engine) -> list[JobRun]:
    with session_scope(engine) as session:
        return list(session.scalars(select(JobRun).order_by(JobRun.started_at, JobRun.id)))


def _wait_for(engine: Engine, what, timeout: float = 30.0) -> list[JobRun]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        runs = _runs(engine)
        if what(runs):
            return runs
        time.sleep(0.2)
    raise AssertionError(f"timed out; runs so far: {[(r.job, r.worker) for r in _runs(engine)]}")


def _settled(runs: list[JobRun], worker: str) -> bool:
    """``worker`` has finished its start-up runs and run stale_screens three times on schedule."""
    mine = [r for r in runs if r.worker == worker and r.outcome != "running"]
    startup = {r.job for r in mine if r.detail.get("trigger") == "startup"}
    scheduled = sum(1 for r in mine if r.job == "stale_screens" and r.scheduled_for)
    return startup == {"replan", "billing"} and scheduled >= 3


def test_two_workers_run_each_fire_time_once(engine: Engine, tmp_path: Path) -> None:
    url = engine.url.render_as_string(hide_password=False)
    logs = [tmp_path / "worker-a.log", tmp_path / "worker-b.log"]
    procs = [_start_worker(url, tmp_path / "var", log) for log in logs]
    try:
        runs = _wait_for(engine, lambda rs: any(_settled(rs, r.worker) for r in rs))
        (first,) = {r.worker for r in runs}  # the standby has run nothing
        active = next(p for p in procs if f":{p.pid}:" in first)
        standby = next(p for p in procs if p is not active)
        active.send_signal(signal.SIGKILL)  # no goodbye: its lock must be freed or expire
        active.wait(10)
        killed_at = dt.datetime.now(dt.UTC)

        runs = _wait_for(
            engine, lambda rs: any(r.worker != first and _settled(rs, r.worker) for r in rs)
        )
        standby.send_signal(signal.SIGTERM)
        assert standby.wait(15) == 0, logs[1].read_text()
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()

    runs = _runs(engine)
    workers = list(dict.fromkeys(r.worker for r in runs))
    assert len(workers) == 2, workers
    second = workers[1]
    assert f":{standby.pid}:" in second
    # One active worker at a time: every run of the second starts after the first was killed.
    assert all(r.started_at >= killed_at for r in runs if r.worker == second)
    assert all(r.started_at <= killed_at for r in runs if r.worker == first)
    # The clean stop finished its runs; a run cut short by the kill was closed by the successor.
    assert not [r for r in runs if r.outcome == "running"]
    # On SQLite a dead worker's job lease may outlive its worker lease by a beat, so the
    # successor may find a job still locked just after taking over; never otherwise.
    for run in runs:
        if run.outcome == "skipped":
            assert engine.dialect.name == "sqlite" and run.worker == second, (
                run.worker,
                run.job,
                run.detail,
                run.started_at,
                killed_at,
                first,
            )
            assert run.started_at < killed_at + dt.timedelta(seconds=2 * LEASE_S)

    fired: dict[str, list[JobRun]] = defaultdict(list)
    for run in runs:
        if run.scheduled_for is not None:
            fired[run.job].append(run)
    assert set(fired) == set(INTERVALS), sorted(fired)
    for job, job_runs in fired.items():
        times = [r.scheduled_for for r in job_runs]
        assert len(times) == len(set(times)), f"{job} ran a fire time twice"
        for run in job_runs:
            # Ran for its own fire time, after it (a start-up run of the job may delay it).
            assert run.scheduled_for <= run.started_at, job
        # No two runs of a job overlapped.
        ordered = sorted(job_runs, key=lambda r: r.started_at)
        for before, after in zip(ordered, ordered[1:], strict=False):
            if before.finished_at is not None:
                assert before.finished_at <= after.started_at, job
    # Each worker ran its start-up jobs when it became the active one.
    for worker in workers:
        startup = {r.job for r in runs if r.worker == worker and r.detail["trigger"] == "startup"}
        assert startup == {"replan", "billing"}, (worker, startup)
    # While a worker was active, no fire time of the frequent jobs was missed (bar the first,
    # whose run may be slowed by imports).
    for worker in workers:
        for job in ("stale_screens", "traffic_drop"):
            times = sorted(r.scheduled_for for r in fired[job] if r.worker == worker)[1:]
            gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
            step = dt.timedelta(seconds=INTERVALS[job])
            assert sum(g > step for g in gaps) <= 1, (worker, job, gaps)
