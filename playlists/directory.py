"""Per-worker snapshot of "which token is which screen, and its current playlist ETag".

A playlist poll is answered from memory: no database round trip for a 304, none for a 200 whose
body is cached. A background thread asks the database every ``refresh_s`` seconds whether
anything changed (one cheap fingerprint query on PostgreSQL) and reloads the snapshot when it did.
A request never uses a snapshot older than ``max_stale_s``: if the background thread fell behind
(or does not run, as under an in-process test client), the request refreshes it first. So a
revoked or rotated token is refused, and a newly published playlist is served, within
``max_stale_s`` (2 s by default). A token the snapshot does not know (a screen paired a moment
ago) is looked up in the database at once, so a new token never waits for the refresh.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gzip
import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, Text, func, literal_column, select, text, update

from playlists.serving import ScreenHead, enrich, head_for_token, render_body
from scheduler.db import session_scope
from scheduler.models import Playlist, Screen, utcnow

log = logging.getLogger("localcast.api")

# One round trip tells whether any token, status or current playlist may have changed. Publishing
# always inserts new playlist rows (documents are immutable), so a new current playlist raises
# max(playlists.id); a revoked or rotated token changes the screens digest.
PG_FINGERPRINT = text(
    "SELECT (SELECT md5(coalesce(string_agg("
    "id::text || ':' || coalesce(token_hash, '') || ':' || status, ',' ORDER BY id), ''))"
    " FROM screens), (SELECT coalesce(max(id), 0) FROM playlists)"
)


def load_heads(connection: Connection) -> dict[str, ScreenHead]:
    """Every screen holding a token, with its current playlist (highest current version)."""
    current: dict[int, tuple[int, int, str]] = {}
    for screen_id, playlist_id, version, etag in connection.execute(
        select(Playlist.screen_id, Playlist.id, Playlist.version, Playlist.etag).where(
            Playlist.is_current.is_(True)
        )
    ):
        best = current.get(screen_id)
        if best is None or version > best[1]:
            current[screen_id] = (playlist_id, version, etag)
    heads: dict[str, ScreenHead] = {}
    for screen_id, token_hash, status in connection.execute(
        select(Screen.id, Screen.token_hash, Screen.status).where(Screen.token_hash.is_not(None))
    ):
        playlist = current.get(screen_id)
        heads[token_hash] = ScreenHead(
            screen_id,
            status,
            None,
            playlist[0] if playlist else None,
            playlist[2] if playlist else None,
        )
    return heads


class ScreenDirectory:
    """token hash → ``ScreenHead`` for one worker, and batched last-seen writes.

    ``refresh_s`` = 0 means strict: every lookup checks the database first (tests that revoke a
    token and look at once). Last-seen times go out in one UPDATE every ``seen_every_s``.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        refresh_s: float = 1.0,
        max_stale_s: float | None = None,
        seen_every_s: float = 15.0,
    ) -> None:
        self.engine = engine
        self.refresh_s = max(0.0, refresh_s)
        self.max_stale_s = self.refresh_s * 2 if max_stale_s is None else max_stale_s
        self.seen_every_s = seen_every_s if self.refresh_s > 0 else 0.0
        self._heads: dict[str, ScreenHead] = {}
        self._unknown: dict[str, float] = {}  # token hash → when the database did not know it
        self._generation = 0
        self._fingerprint: Any = None
        self.checked_at = float("-inf")  # monotonic time the last successful check started
        self._failed_at = float("-inf")
        self._lock = threading.Lock()
        self._seen: set[int] = set()
        self._seen_lock = threading.Lock()
        self._seen_flushed = time.monotonic()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._preparer: threading.Thread | None = None
        self._reloaded = threading.Event()
        # Called in the background thread after each reload with the current heads.
        self.on_reload: Callable[[list[ScreenHead]], None] | None = None

    # -- freshness -------------------------------------------------------------------------
    @property
    def generation(self) -> int:
        """Goes up with every reload of the snapshot (a token, status or playlist changed)."""
        return self._generation

    def needs_refresh(self) -> bool:
        """True when the caller must refresh before answering (cheap; called per request)."""
        age = time.monotonic() - self.checked_at
        if age < self.refresh_s:
            return False
        running = self._thread is not None and self._thread.is_alive()
        return not running or age >= self.max_stale_s

    def refresh(self) -> None:
        """Reload the snapshot if the database changed; keep serving the old one if it is down."""
        with self._lock:
            started = time.monotonic()
            if self.refresh_s > 0 and (
                started - self.checked_at < self.refresh_s
                or started - self._failed_at < self.refresh_s
            ):
                return  # another thread just did it, or the database is down: serve the snapshot
            try:
                with self.engine.connect() as connection:
                    fingerprint = None
                    if connection.dialect.name == "postgresql":
                        fingerprint = tuple(connection.execute(PG_FINGERPRINT).one())
                    if fingerprint is None or fingerprint != self._fingerprint:
                        heads = load_heads(connection)
                        self._heads, self._unknown = heads, {}
                        self._fingerprint = fingerprint
                        self._generation += 1
            except Exception:
                self._failed_at = started
                log.warning("screen snapshot refresh failed; serving the last one", exc_info=True)
                return
            self.checked_at = started

    def start(self) -> None:
        """Refresh in a background thread, so that requests do not wait for it."""
        if self.refresh_s <= 0 or (self._thread is not None and self._thread.is_alive()):
            return
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._run, name="localcast-screen-snapshot", daemon=True
        )
        self._preparer = threading.Thread(
            target=self._prepare, name="localcast-playlist-bodies", daemon=True
        )
        self._thread.start()
        self._preparer.start()

    def stop(self) -> None:
        self._stop.set()
        self._reloaded.set()
        for thread in (self._thread, self._preparer):
            if thread is not None:
                thread.join(timeout=5)
        self._thread = self._preparer = None
        self.flush_seen()

    def _prepare(self) -> None:
        """Hand every reload to ``on_reload`` in a thread of its own, so refreshing never waits."""
        while not self._stop.is_set():
            self._reloaded.wait()
            self._reloaded.clear()
            if self._stop.is_set() or self.on_reload is None:
                continue
            try:
                self.on_reload(list(self._heads.values()))
            except Exception:
                log.warning("preparing playlist bodies failed", exc_info=True)

    def _run(self) -> None:
        generation = -1
        while not self._stop.is_set():
            self.refresh()
            if generation != self._generation:
                generation = self._generation
                self._reloaded.set()
            if time.monotonic() - self._seen_flushed >= self.seen_every_s:
                try:
                    self.flush_seen()
                except Exception:
                    log.warning("writing last-seen times failed", exc_info=True)
            self._stop.wait(self.refresh_s)

    # -- lookups -----------------------------------------------------------------------------
    def cached(self, token_hash: str) -> tuple[bool, ScreenHead | None]:
        """(known, head) from memory; known is False when the database must be asked."""
        head = self._heads.get(token_hash)
        if head is not None:
            return True, head
        when = self._unknown.get(token_hash)
        if when is not None and time.monotonic() - when < self.refresh_s:
            return True, None
        return False, None

    def lookup(self, token_hash: str) -> ScreenHead | None:
        """Ask the database about a token the snapshot does not hold (blocking)."""
        generation = self._generation
        with self.engine.connect() as connection:
            head = head_for_token(connection, token_hash)
        if self.refresh_s > 0 and generation == self._generation:
            # Only if no reload happened meanwhile, so a stale answer cannot outlive one.
            if head is None:
                if len(self._unknown) > 10_000:
                    self._unknown = {}
                self._unknown[token_hash] = time.monotonic()
            else:
                self._heads[token_hash] = head
        return head

    def head(self, token_hash: str) -> ScreenHead | None:
        """Blocking lookup for handlers that run in the thread pool."""
        if self.needs_refresh():
            self.refresh()
        known, head = self.cached(token_hash)
        return head if known else self.lookup(token_hash)

    # -- last seen -------------------------------------------------------------------------
    def seen(self, screen_id: int) -> bool:
        """Note a call; True when the caller should write the batch now (no thread running)."""
        with self._seen_lock:
            self._seen.add(screen_id)
        if self.seen_every_s <= 0:
            return True
        if time.monotonic() - self._seen_flushed < self.seen_every_s:
            return False
        return self._thread is None or not self._thread.is_alive()

    def forget_seen(self, screen_id: int) -> None:
        with self._seen_lock:
            self._seen.discard(screen_id)

    def flush_seen(self) -> None:
        with self._seen_lock:
            ids, self._seen = sorted(self._seen), set()
            self._seen_flushed = time.monotonic()
        if ids:
            cutoff = utcnow() - dt.timedelta(seconds=self.seen_every_s)
            with session_scope(self.engine) as session:
                session.execute(
                    update(Screen)
                    .where(Screen.id.in_(ids))
                    .where((Screen.last_seen_at.is_(None)) | (Screen.last_seen_at < cutoff))
                    .values(last_seen_at=utcnow())
                    .execution_options(synchronize_session=False)
                )

    def screens_seen_since(self, since: dt.datetime) -> int:
        with session_scope(self.engine) as session:
            count = session.scalar(
                select(func.count()).select_from(Screen).where(Screen.last_seen_at >= since)
            )
        return int(count or 0)


@dataclass(frozen=True)
class Body:
    """A rendered playlist: gzip bytes (what browsers take) and the plain length."""

    gzipped: bytes
    size: int

    def plain(self) -> bytes:
        return gzip.decompress(self.gzipped)


class BodyCache:
    """Rendered bodies by (playlist id, ETag), least recently used out past ``max_bytes``.

    Kept gzipped: a 48 h playlist compresses about tenfold, so thousands of screens fit; a client
    without gzip gets it decompressed, which is far cheaper than rendering again.
    """

    def __init__(
        self,
        engine: Engine,
        interval_s: int,
        max_bytes: int = 256 << 20,
        on_change: Callable[[int], None] | None = None,
    ) -> None:
        self.engine = engine
        self.on_change = on_change
        self.interval_s = interval_s
        self.max_bytes = max_bytes
        self._bodies: OrderedDict[tuple[int, str], Body] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def cached(self, playlist_id: int, etag: str) -> Body | None:
        body = self._bodies.get((playlist_id, etag))
        if body is not None:
            with contextlib.suppress(KeyError):  # evicted by another thread meanwhile
                self._bodies.move_to_end((playlist_id, etag))
        return body

    def load(self, playlist_id: int, etag: str) -> Body | None:
        """Read and render one playlist (blocking); None if it is gone or was replaced."""
        with self.engine.connect() as connection:
            row = connection.execute(
                _documents(connection.dialect.name).where(Playlist.id == playlist_id)
            ).first()
        if row is None or row.etag != etag:
            return None
        return self._keep(row)

    def prefetch(self, wanted: list[tuple[int, str]], batch: int = 200) -> int:
        """Render the bodies of ``wanted`` (playlist id, ETag) not cached yet, while they fit.

        Run after a publish so that the minute in which every screen fetches its new playlist
        costs no database round trips; a few hundred documents per query.
        """
        missing = sorted({pid for pid, etag in wanted if (pid, etag) not in self._bodies})
        done = 0
        for start in range(0, len(missing), batch):
            if self._bytes >= self.max_bytes:
                break
            with self.engine.connect() as connection:
                rows = connection.execute(
                    _documents(connection.dialect.name).where(
                        Playlist.id.in_(missing[start : start + batch])
                    )
                ).all()
            for row in rows:
                self._keep(row)
                done += 1
            time.sleep(0.001)  # let the event loop thread take the GIL between batches
        return done

    def _keep(self, row: Any) -> Body:
        plain = splice_body(row.head, row.hours, row.screen_id, self.interval_s)
        # Level 1: a quarter of level 6's time, and playlist JSON still shrinks many times over.
        body = Body(gzip.compress(plain, compresslevel=1, mtime=0), len(plain))
        with self._lock:
            key = (row.id, row.etag)
            if key not in self._bodies:
                self._bodies[key] = body
                self._bytes += len(body.gzipped)
                while self._bytes > self.max_bytes and len(self._bodies) > 1:
                    _, old = self._bodies.popitem(last=False)
                    self._bytes -= len(old.gzipped)
            if self.on_change is not None:
                self.on_change(len(self._bodies))
        return body

    def __len__(self) -> int:
        return len(self._bodies)


def _documents(dialect: str) -> Any:
    """Playlists with their document as two JSON texts: all but ``hours``, and ``hours``.

    The hours are most of a document and need nothing added, so the database hands them over as
    text, untouched, and Python parses only the small rest (media, items) to add URLs and the
    poll advice. Where the database cannot split JSON, the whole document comes as text.
    """
    if dialect == "postgresql":
        head = (
            "(SELECT coalesce(json_object_agg(key, value), '{}'::json) "
            "FROM json_each(playlists.document) WHERE key <> 'hours')::text"
        )
        hours = "(playlists.document -> 'hours')::text"
    elif dialect == "sqlite":
        head = "json_remove(playlists.document, '$.hours')"
        hours = "json_extract(playlists.document, '$.hours')"
    else:
        head, hours = "CAST(playlists.document AS TEXT)", "NULL"
    return select(
        Playlist.id,
        Playlist.screen_id,
        Playlist.etag,
        literal_column(head, Text).label("head"),
        literal_column(hours, Text).label("hours"),
    )


def splice_body(head: str, hours: str | None, screen_id: int, interval_s: int) -> bytes:
    """``render_body`` of a document given as its parts (the same JSON value)."""
    document = json.loads(head)
    if hours is None:
        return render_body(document, screen_id, interval_s)
    document.pop("hours", None)
    rest = json.dumps(enrich(document, screen_id, interval_s), separators=(",", ":"))
    comma = "," if len(rest) > 2 else ""
    return f'{rest[:-1]}{comma}"hours":{hours}}}'.encode()
