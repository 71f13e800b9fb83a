"""What a screen gets when it asks for its playlist: the stored document plus serve-time advice.

The stored document never changes once published. File URLs and poll advice are added here, as a
pure function of the document and the screen id, so the body for one ETag is always the same.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, select, update
from sqlalchemy.orm import Session

from scheduler.db import session_scope
from scheduler.models import Playlist, Screen, utcnow
from scheduler.security import hash_token


@dataclass(frozen=True)
class ScreenHead:
    """Who holds a token, and the ETag of that screen's current playlist (if any)."""

    screen_id: int
    status: str
    last_seen_at: Any
    playlist_id: int | None
    etag: str | None


def head_for_token(session: Session | Connection, token: str) -> ScreenHead | None:
    """One indexed query answers both "who is this?" and "has their playlist changed?"."""
    row = session.execute(
        select(Screen.id, Screen.status, Screen.last_seen_at, Playlist.id, Playlist.etag)
        .outerjoin(Playlist, (Playlist.screen_id == Screen.id) & Playlist.is_current.is_(True))
        .where(Screen.token_hash == hash_token(token))
        .order_by(Playlist.version.desc())
        .limit(1)
    ).first()
    return None if row is None else ScreenHead(*row)


def quoted_etag(etag: str) -> str:
    """The stored ETag as an HTTP strong entity tag."""
    bare = etag.removeprefix("W/").strip('"')
    return f'"{bare}"'


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """RFC 9110 weak comparison of ``If-None-Match`` against our tag."""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    ours = quoted_etag(etag)
    return any(
        quoted_etag(candidate.strip()) == ours
        for candidate in if_none_match.split(",")
        if candidate
    )


def poll_advice(screen_id: int, interval_s: int) -> dict[str, int]:
    """Poll every ``interval_s`` at a per-screen offset, so that 10,000 screens do not all poll at
    the top of the minute; derived from the id, so it is stable across requests and processes."""
    interval_s = max(1, interval_s)
    return {"interval_s": interval_s, "offset_s": (screen_id * 7919) % interval_s}


def enrich(document: dict[str, Any], screen_id: int, interval_s: int) -> dict[str, Any]:
    """The document with file URLs on media and items, and the poll advice."""
    doc = copy.deepcopy(document)
    media = doc.get("media") or {}
    for sha, entry in media.items():
        entry.setdefault("sha256", sha)
        entry["url"] = f"/files/{entry['sha256']}"
    for item in (doc.get("items") or {}).values():
        sha = item.get("media")
        if sha:
            item["sha256"] = sha
            item["url"] = f"/files/{sha}"
            if sha in media:
                item["size_bytes"] = media[sha].get("size_bytes")
    doc["poll"] = poll_advice(screen_id, interval_s)
    return doc


class BodyCache:
    """Serialised bodies of recently served playlists; safe because a version never changes."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._bodies: OrderedDict[tuple[int, str], bytes] = OrderedDict()

    def body(self, session: Session, playlist_id: int, etag: str, interval_s: int) -> bytes | None:
        key = (playlist_id, etag)
        body = self._bodies.get(key)
        if body is not None:
            self._bodies.move_to_end(key)
            return body
        row = session.execute(
            select(Playlist.screen_id, Playlist.document).where(Playlist.id == playlist_id)
        ).first()
        if row is None:
            return None
        body = json.dumps(
            enrich(row.document, row.screen_id, interval_s), separators=(",", ":")
        ).encode()
        self._bodies[key] = body
        if len(self._bodies) > self.size:
            self._bodies.popitem(last=False)
        return body


class HeadCache:
    """Per worker: token → ``ScreenHead`` for ``ttl_s`` seconds, and last-seen times written in
    one UPDATE every ``seen_every_s`` instead of one write per poll."""

    def __init__(self, engine: Engine, *, ttl_s: float = 2.0, seen_every_s: float = 15.0) -> None:
        self.engine = engine
        self.ttl_s = ttl_s
        self.seen_every_s = seen_every_s
        self._heads: dict[str, tuple[float, ScreenHead | None]] = {}
        self._seen: set[int] = set()
        self._seen_flushed = time.monotonic()
        self._lock = threading.Lock()

    def get(self, token: str) -> ScreenHead | None:
        key = hash_token(token)
        now = time.monotonic()
        hit = self._heads.get(key)
        if hit is not None and now - hit[0] < self.ttl_s:
            return hit[1]
        with self.engine.connect() as connection:
            head = head_for_token(connection, token)
        if self.ttl_s > 0:
            if len(self._heads) > 50_000:
                self._heads.clear()
            self._heads[key] = (now, head)
        return head

    def seen(self, head: ScreenHead) -> None:
        with self._lock:
            self._seen.add(head.screen_id)
            due = time.monotonic() - self._seen_flushed >= self.seen_every_s
        if due or self.ttl_s <= 0:
            self.flush_seen()

    def forget_seen(self, screen_id: int) -> None:
        with self._lock:
            self._seen.discard(screen_id)

    def flush_seen(self) -> None:
        with self._lock:
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
