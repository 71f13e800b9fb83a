"""Database locks for the job worker: who is the active worker, who runs a job right now.

PostgreSQL: a session-level advisory lock (``pg_try_advisory_lock``) held on a dedicated
connection. The server frees it the moment that connection dies, so a crashed worker never
blocks the others; a ``job_locks`` row is kept beside it only to show who holds what.

SQLite (no advisory locks): a lease row in ``job_locks`` taken with one atomic UPDATE
(``WHERE expires_at < now OR holder = me``), renewed while held, and taken over by another
holder once it expires.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

from sqlalchemy import Connection, Engine, delete, insert, or_, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from scheduler.models import JobLock, utcnow

log = logging.getLogger("localcast.worker")

WORKER_LOCK = "worker"


class Lock(Protocol):
    name: str
    holder: str

    def acquire(self) -> bool: ...

    def renew(self) -> bool: ...

    def release(self) -> None: ...


class LeaseRow:
    """A ``job_locks`` row: held by ``holder`` until ``expires_at``."""

    def __init__(self, engine: Engine, name: str, holder: str, ttl_s: float) -> None:
        self.engine, self.name, self.holder = engine, name, holder
        self.ttl = dt.timedelta(seconds=ttl_s)

    def acquire(self, *, force: bool = False) -> bool:
        """Take the lease if free, expired or already ours (``force``: take it regardless)."""
        now = utcnow()
        taken = update(JobLock).where(JobLock.name == self.name)
        if not force:
            taken = taken.where(or_(JobLock.expires_at < now, JobLock.holder == self.holder))
        with self.engine.begin() as conn:
            result = conn.execute(taken.values(holder=self.holder, expires_at=now + self.ttl))
            if result.rowcount == 1:
                return True
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    insert(JobLock).values(
                        name=self.name, holder=self.holder, expires_at=now + self.ttl
                    )
                )
        except IntegrityError:
            return False  # someone else holds it (or took it between our two statements)
        return True

    def renew(self) -> bool:
        return self.acquire()

    def release(self) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                delete(JobLock).where(JobLock.name == self.name, JobLock.holder == self.holder)
            )


def advisory_key(name: str) -> int:
    """A stable signed 64-bit key for ``name`` (the same in every process)."""
    digest = hashlib.blake2b(f"localcast:{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class AdvisoryLock:
    """A PostgreSQL session-level advisory lock, with an informational ``job_locks`` row."""

    def __init__(self, engine: Engine, name: str, holder: str, ttl_s: float) -> None:
        self.engine, self.name, self.holder = engine, name, holder
        self.key = advisory_key(name)
        self.row = LeaseRow(engine, name, holder, ttl_s)
        self._conn: Connection | None = None

    def acquire(self) -> bool:
        if self._conn is not None:
            return self.renew()
        conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            got = bool(conn.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key}))
        except BaseException:
            conn.invalidate()
            conn.close()
            raise
        if not got:
            conn.close()
            return False
        self._conn = conn
        self.row.acquire(force=True)
        return True

    def renew(self) -> bool:
        """Still ours as long as the connection that holds it is alive."""
        if self._conn is None:
            return False
        try:
            self._conn.scalar(text("SELECT 1"))
            self.row.acquire(force=True)
        except DBAPIError:
            log.warning("lost the connection holding lock %r", self.name)
            self._drop()
            return False
        return True

    def release(self) -> None:
        if self._conn is None:
            return
        try:
            self._conn.scalar(text("SELECT pg_advisory_unlock(:k)"), {"k": self.key})
            self.row.release()
            self._conn.close()
        except DBAPIError:
            self._drop()
        self._conn = None

    def _drop(self) -> None:
        # Closing the server session is what frees the lock; never return it to the pool.
        if self._conn is not None:
            self._conn.invalidate()
            self._conn.close()
        self._conn = None


def make_lock(engine: Engine, name: str, holder: str, ttl_s: float) -> Lock:
    """The right kind of lock for this database."""
    if engine.dialect.name == "postgresql":
        return AdvisoryLock(engine, name, holder, ttl_s)
    return LeaseRow(engine, name, holder, ttl_s)


def current_holder(engine: Engine, name: str) -> str | None:
    """Who the ``job_locks`` row says holds ``name`` (for messages and the dashboard)."""
    with engine.connect() as conn:
        row = conn.execute(
            select(JobLock.holder, JobLock.expires_at).where(JobLock.name == name)
        ).first()
    if row is None or (row.expires_at < utcnow() and engine.dialect.name != "postgresql"):
        return None
    return row.holder


@contextmanager
def kept_alive(lock: Lock, ttl_s: float) -> Iterator[threading.Event]:
    """Renew ``lock`` in the background while the block runs; the event is set if it was lost."""
    lost = threading.Event()
    done = threading.Event()

    def renew() -> None:
        while not done.wait(max(ttl_s / 3, 0.05)):
            try:
                ok = lock.renew()
            except Exception:  # a database hiccup: try again at the next beat
                log.exception("could not renew lock %r", lock.name)
                continue
            if not ok:
                lost.set()
                return

    thread = threading.Thread(target=renew, name=f"lease-{lock.name}", daemon=True)
    thread.start()
    try:
        yield lost
    finally:
        done.set()
        thread.join()
