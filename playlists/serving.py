"""What a screen gets when it asks for its playlist: the stored document plus serve-time advice.

The stored document never changes once published. File URLs and poll advice are added here, as a
pure function of the document and the screen id, so the body for one ETag is always the same.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from scheduler.models import Playlist, Screen


@dataclass(frozen=True)
class ScreenHead:
    """Who holds a token, and the ETag of that screen's current playlist (if any)."""

    screen_id: int
    status: str
    last_seen_at: Any
    playlist_id: int | None
    etag: str | None


def head_for_token(session: Session | Connection, token_hash: str) -> ScreenHead | None:
    """One indexed query answers both "who is this?" and "has their playlist changed?"."""
    row = session.execute(
        select(Screen.id, Screen.status, Screen.last_seen_at, Playlist.id, Playlist.etag)
        .outerjoin(Playlist, (Playlist.screen_id == Screen.id) & Playlist.is_current.is_(True))
        .where(Screen.token_hash == token_hash)
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
    """The document with file URLs on media and items, and the poll advice.

    Copies only the dicts it changes (media and items entries); the hours, the bulk of a
    document, are shared with the stored one, which is never mutated.
    """
    doc = dict(document)
    media: dict[str, Any] = {}
    for sha, entry in (document.get("media") or {}).items():
        entry = dict(entry)
        entry.setdefault("sha256", sha)
        entry["url"] = f"/files/{entry['sha256']}"
        media[sha] = entry
    if document.get("media"):
        doc["media"] = media
    items: dict[str, Any] = {}
    for key, item in (document.get("items") or {}).items():
        item = dict(item)
        sha = item.get("media")
        if sha:
            item["sha256"] = sha
            item["url"] = f"/files/{sha}"
            if sha in media:
                item["size_bytes"] = media[sha].get("size_bytes")
        items[key] = item
    if document.get("items"):
        doc["items"] = items
    doc["poll"] = poll_advice(screen_id, interval_s)
    return doc


def render_body(document: dict[str, Any], screen_id: int, interval_s: int) -> bytes:
    """The JSON bytes served for one playlist version: always the same for the same ETag."""
    return json.dumps(enrich(document, screen_id, interval_s), separators=(",", ":")).encode()
