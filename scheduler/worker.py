"""The job worker: one active instance runs the scheduled jobs, any others stand by.

Every worker loops: try to take the worker lock (``scheduler.job_locks``); the one that gets it
starts an APScheduler ``BackgroundScheduler`` with the jobs and keeps renewing the lock; the
others retry every third of the lease and take over when the active one dies or stops. Standby
workers record nothing. A worker that loses its lock stops its scheduler at once.

Interval triggers are anchored at a fixed instant and daily ones at a city-local time, so every
worker computes the same fire times; ``job_runs.scheduled_for`` makes each fire time run at most
once (see ``scheduler.jobs``).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Sequence

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Engine

from scheduler.job_locks import WORKER_LOCK, Lock, make_lock
from scheduler.jobs import (
    ANCHOR,
    JobSpec,
    PlanHook,
    execute,
    reap_orphaned_runs,
    standard_jobs,
    worker_identity,
)
from scheduler.models import utcnow
from scheduler.settings import Settings, get_settings

log = logging.getLogger("localcast.worker")


def trigger_for(spec: JobSpec, tz: dt.tzinfo) -> BaseTrigger:
    """The APScheduler trigger for ``spec``: an anchored interval, or daily at a local time."""
    if spec.every_s is not None:
        return IntervalTrigger(seconds=spec.every_s, start_date=ANCHOR, timezone=dt.UTC)
    assert spec.daily_at is not None
    return CronTrigger(hour=spec.daily_at.hour, minute=spec.daily_at.minute, timezone=tz)


class Worker:
    """One worker process's state: its lock, and its scheduler while it is the active one."""

    def __init__(
        self,
        engine: Engine,
        *,
        jobs: Sequence[JobSpec],
        before_plan: Sequence[PlanHook] = (),
        settings: Settings | None = None,
        worker_id: str | None = None,
    ) -> None:
        self.engine = engine
        self.jobs = {job.name: job for job in jobs}
        self.before_plan = tuple(before_plan)
        self.settings = settings or get_settings()
        self.worker_id = worker_id or worker_identity()
        self.lease_s = self.settings.worker_lease_seconds
        self.lock: Lock = make_lock(engine, WORKER_LOCK, self.worker_id, self.lease_s)
        self.scheduler: BackgroundScheduler | None = None
        # One run of a job at a time in this process: the start-up run and the first scheduled
        # one are separate APScheduler jobs, so ``max_instances`` alone would not keep them apart.
        self._running = {name: threading.Lock() for name in self.jobs}

    @property
    def active(self) -> bool:
        return self.scheduler is not None

    def run(self, stop: threading.Event) -> None:
        """Stand by or work until ``stop`` is set; then stop cleanly and free the lock."""
        beat = max(self.lease_s / 3, 0.1)
        renewed = time.monotonic()
        log.info("worker %s starting (%d jobs)", self.worker_id, len(self.jobs))
        try:
            while not stop.is_set():
                try:
                    if self.active:
                        if not self.lock.renew():
                            log.warning(
                                "worker %s lost the worker lock; standing by", self.worker_id
                            )
                            self._deactivate(wait=False)
                        renewed = time.monotonic()
                    elif self.lock.acquire():
                        renewed = time.monotonic()
                        self._activate()
                except Exception:  # the database went away for a moment: keep trying
                    log.exception("worker %s: lock check failed", self.worker_id)
                    if self.active and time.monotonic() - renewed > self.lease_s - beat:
                        # Our lease may run out before we can renew it: stop before another
                        # worker can take over, rather than run jobs alongside it.
                        log.warning("worker %s cannot renew its lock; standing by", self.worker_id)
                        self._deactivate(wait=False)
                stop.wait(beat)
        finally:
            self._deactivate(wait=True)
            try:
                self.lock.release()
            except Exception:
                log.exception("worker %s: could not release the worker lock", self.worker_id)
            log.info("worker %s stopped", self.worker_id)

    def _activate(self) -> None:
        log.info("worker %s is now the active worker", self.worker_id)
        reaped = reap_orphaned_runs(self.engine, self.jobs.values(), self.worker_id)
        if reaped:
            log.warning("closed %d run(s) left unfinished by a stopped worker", reaped)
        tz = self.settings.tz
        scheduler = BackgroundScheduler(
            timezone=tz, job_defaults={"coalesce": True, "max_instances": 1}
        )
        for spec in self.jobs.values():
            grace = max(int(spec.every_s or 3600), 1)
            scheduler.add_job(
                self._fire,
                trigger_for(spec, tz),
                args=[spec.name],
                id=spec.name,
                name=spec.description,
                misfire_grace_time=grace,
            )
            if spec.run_on_start:
                scheduler.add_job(
                    self._run_on_start,
                    DateTrigger(run_date=utcnow(), timezone=dt.UTC),
                    args=[spec.name],
                    id=f"{spec.name}:startup",
                    misfire_grace_time=None,  # however busy the start, run it
                )
        self.scheduler = scheduler  # before start: the start-up runs check that we are active
        scheduler.start()

    def _deactivate(self, *, wait: bool) -> None:
        if self.scheduler is not None:
            scheduler, self.scheduler = self.scheduler, None
            scheduler.shutdown(wait=wait)

    def _fire(self, name: str) -> None:
        spec = self.jobs[name]
        fired = spec.fire_time(utcnow(), self.settings.tz)
        self._execute(spec, "schedule", fired)

    def _run_on_start(self, name: str) -> None:
        self._execute(self.jobs[name], "startup", None)

    def _execute(self, spec: JobSpec, trigger: str, scheduled_for: dt.datetime | None) -> None:
        with self._running[spec.name]:
            if self.active:  # else it lost the worker lock between the trigger and now
                self._execute_locked(spec, trigger, scheduled_for)

    def _execute_locked(
        self, spec: JobSpec, trigger: str, scheduled_for: dt.datetime | None
    ) -> None:
        try:
            execute(
                self.engine,
                spec,
                worker_id=self.worker_id,
                trigger=trigger,
                scheduled_for=scheduled_for,
                before_plan=self.before_plan,
                settings=self.settings,
            )
        except Exception:  # recording itself failed (database down); the next fire retries
            log.exception("job %s could not be run or recorded", spec.name)


def run_worker(
    engine: Engine,
    *,
    before_plan: Sequence[PlanHook] = (),
    extra_jobs: Sequence[JobSpec] = (),
    stop_event: threading.Event | None = None,
    settings: Settings | None = None,
    worker_id: str | None = None,
) -> None:
    """Run the job worker until ``stop_event`` is set (forever when none is given)."""
    settings = settings or get_settings()
    worker = Worker(
        engine,
        jobs=[*standard_jobs(settings), *extra_jobs],
        before_plan=before_plan,
        settings=settings,
        worker_id=worker_id,
    )
    worker.run(stop_event or threading.Event())
