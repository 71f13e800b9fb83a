"""``localcast worker`` (the job worker) and ``localcast jobs run NAME`` (one job, now)."""

from __future__ import annotations

import argparse
import logging
import signal
import threading
from typing import Any

from scheduler.cli import emit, json_flag
from scheduler.db import get_engine
from scheduler.jobs import PlanHook, run_job_now, standard_jobs
from scheduler.settings import get_settings
from scheduler.worker import run_worker


def register(subparsers: argparse._SubParsersAction) -> None:
    worker = subparsers.add_parser(
        "worker", help="run the scheduled jobs (one active worker per database, others stand by)"
    )
    worker.add_argument("--verbose", "-v", action="store_true", help="log every job run")
    worker.set_defaults(handler=_worker)

    jobs = subparsers.add_parser("jobs", help="run a scheduled job by hand")
    sub = jobs.add_subparsers(dest="jobs_command", required=True, metavar="ACTION")
    run = sub.add_parser("run", help="run one job now and print its run record")
    run.add_argument("name", choices=[job.name for job in standard_jobs()])
    json_flag(run)
    run.set_defaults(handler=_run)
    listing = sub.add_parser("list", help="the jobs and their schedules")
    json_flag(listing)
    listing.set_defaults(handler=_list)


def before_plan_hooks() -> list[PlanHook]:
    """Render creatives for every active screen size before each plan, when assets is installed."""
    try:
        from assets.renditions import ensure_all_renditions
        from assets.storage import storage_from_settings
    except ImportError:
        return []
    storage = storage_from_settings(get_settings())

    def ensure_renditions(session: Any) -> object:
        return ensure_all_renditions(session, storage)

    return [ensure_renditions]


def _worker(args: argparse.Namespace) -> int:
    # By default: which worker is active, and failures; --verbose adds a line for every run.
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("localcast.worker").setLevel(logging.INFO)
    stop = threading.Event()

    def request_stop(signum: int, _frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    run_worker(get_engine(), before_plan=before_plan_hooks(), stop_event=stop)
    return 0


def _run(args: argparse.Namespace) -> int:
    hooks = before_plan_hooks() if args.name == "replan" else []
    run = run_job_now(get_engine(), args.name, before_plan=hooks)
    payload = {
        "id": run.id,
        "job": run.job,
        "worker": run.worker,
        "started_at": run.started_at,
        "duration_s": run.duration_s,
        "outcome": run.outcome,
        "error": run.error,
        "detail": run.detail,
    }
    text = f"{run.job}: {run.outcome} in {run.duration_s or 0:.2f} s (run {run.id})"
    if run.error:
        text += f"\n  error: {run.error}"
    emit(args, payload, text)
    return 0 if run.outcome in ("ok", "skipped") else 1


def _list(args: argparse.Namespace) -> int:
    jobs = standard_jobs()
    payload = {
        "jobs": [
            {
                "name": job.name,
                "description": job.description,
                "every_s": job.every_s,
                "daily_at": job.daily_at.isoformat(timespec="minutes") if job.daily_at else None,
            }
            for job in jobs
        ]
    }
    lines = []
    for job in jobs:
        when = f"every {job.every_s:g} s" if job.every_s else f"daily at {job.daily_at:%H:%M}"
        lines.append(f"{job.name:14} {when:18} {job.description}")
    emit(args, payload, "\n".join(lines))
    return 0
