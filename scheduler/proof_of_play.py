"""Proof of play: validate a screen's batch of plays and store the good ones exactly once.

Each play carries an id chosen by the screen (``play_id``), so a retried batch inserts nothing new:
the rows go in with ``INSERT .. ON CONFLICT (screen_id, play_uid) DO NOTHING`` on both SQLite and
PostgreSQL. Plays that cannot be billed honestly are refused one by one with a reason; the rest
of the batch is kept. A kept play copies the frozen price, campaign, creative and impressions
multiplier of its plan allocation, so later re-plans never change what was billed.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from scheduler.errors import ValidationFailed
from scheduler.models import PlanAllocation, Play, Playlist, Screen, utcnow

MAX_BATCH = 1000
# A screen's clock may run a little ahead of ours; beyond this a play is "from the future".
CLOCK_SKEW = dt.timedelta(seconds=60)
# Timers in a browser fire a few milliseconds late or early; shorter than this is not a full play.
LENGTH_TOLERANCE_MS = 100
MAX_DURATION_MS = 3_600_000
PLAY_ID = re.compile(r"^[A-Za-z0-9_.:\-]{1,64}$")
ALLOCATION_ITEM = re.compile(r"^a(\d{1,18})$")

REASONS = {
    "malformed": "the play is not a valid record",
    "not_full_length": "the play did not run its full planned length",
    "unknown_item": "the item is not in this screen's playlists",
    "wrong_hour": "the item was planned for another hour",
    "from_the_future": "the play ends after the server's current time",
}


@dataclass(frozen=True)
class PlayReport:
    """One play as the screen reports it, after parsing."""

    play_id: str
    item_id: str
    started_at: dt.datetime
    duration_ms: int


@dataclass(frozen=True)
class RefusedPlay:
    index: int
    play_id: str | None
    reason: str
    message: str


@dataclass
class BatchResult:
    """``accepted``: newly stored; ``duplicates``: stored before (a retry); ``refused``: reasons."""

    accepted: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    refused: list[RefusedPlay] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "refused": [r.__dict__ for r in self.refused],
        }


def parse_play(raw: Any) -> PlayReport:
    """A ``PlayReport`` from JSON-ish input, or ``ValidationFailed`` saying what is wrong."""
    if isinstance(raw, PlayReport):
        return raw
    if not isinstance(raw, Mapping):
        raise ValidationFailed("a play must be an object")
    play_id, item_id = raw.get("play_id"), raw.get("item_id")
    if not isinstance(play_id, str) or not PLAY_ID.match(play_id):
        raise ValidationFailed("play_id must be 1-64 letters, digits or _ . : -")
    if not isinstance(item_id, str) or not 0 < len(item_id) <= 64:
        raise ValidationFailed("item_id must be a string of 1-64 characters")
    started = raw.get("started_at")
    if isinstance(started, str):
        try:
            started = dt.datetime.fromisoformat(started.replace("Z", "+00:00"))
        except ValueError:
            raise ValidationFailed("started_at must be an ISO 8601 time") from None
    if not isinstance(started, dt.datetime) or started.tzinfo is None:
        raise ValidationFailed("started_at must be an ISO 8601 time with a UTC offset")
    duration = raw.get("duration_ms")
    if isinstance(duration, bool) or not isinstance(duration, int):
        raise ValidationFailed("duration_ms must be a whole number of milliseconds")
    if not 0 < duration <= MAX_DURATION_MS:
        raise ValidationFailed(f"duration_ms must be between 1 and {MAX_DURATION_MS}")
    return PlayReport(play_id, item_id, started.astimezone(dt.UTC), duration)


# Published documents never change, so their item tables are cached per process.
_ITEMS_CACHE: OrderedDict[tuple[str, int, str], dict[str, dict[str, Any]]] = OrderedDict()
_ITEMS_CACHE_SIZE = 512


def _playlist_items(session: Session, playlist: _PlaylistRef) -> dict[str, dict[str, Any]]:
    key = (str(session.get_bind().url), playlist.id, playlist.etag)
    items = _ITEMS_CACHE.get(key)
    if items is None:
        document = session.scalar(select(Playlist.document).where(Playlist.id == playlist.id))
        items = dict((document or {}).get("items") or {})
        _ITEMS_CACHE[key] = items
        if len(_ITEMS_CACHE) > _ITEMS_CACHE_SIZE:
            _ITEMS_CACHE.popitem(last=False)
    else:
        _ITEMS_CACHE.move_to_end(key)
    return items


@dataclass(frozen=True)
class _PlaylistRef:
    id: int
    version: int
    plan_run_id: int | None
    valid_from: dt.datetime
    valid_until: dt.datetime
    etag: str


def _covering(playlists: Sequence[_PlaylistRef], when: dt.datetime) -> list[_PlaylistRef]:
    return [p for p in playlists if p.valid_from - CLOCK_SKEW <= when < p.valid_until + CLOCK_SKEW]


def record_plays(
    session: Session,
    screen: Screen,
    plays: Sequence[Any],
    *,
    now: dt.datetime | None = None,
) -> BatchResult:
    """Store the valid plays of a batch once each; refuse the others with a reason per play."""
    now = now or utcnow()
    if len(plays) > MAX_BATCH:
        raise ValidationFailed(
            f"A batch holds at most {MAX_BATCH} plays; send {len(plays)} in parts."
        )
    result = BatchResult()
    parsed: list[tuple[int, PlayReport]] = []
    seen: set[str] = set()
    for index, raw in enumerate(plays):
        try:
            play = parse_play(raw)
        except ValidationFailed as exc:
            play_id = raw.get("play_id") if isinstance(raw, Mapping) else None
            result.refused.append(
                RefusedPlay(
                    index, play_id if isinstance(play_id, str) else None, "malformed", exc.message
                )
            )
            continue
        if play.play_id in seen:  # the same play twice in one batch is one play
            result.duplicates.append(play.play_id)
            continue
        seen.add(play.play_id)
        end = play.started_at + dt.timedelta(milliseconds=play.duration_ms)
        if end > now + CLOCK_SKEW:
            result.refused.append(
                RefusedPlay(
                    index,
                    play.play_id,
                    "from_the_future",
                    f"the play ends at {end.isoformat()}, after the server's time "
                    f"{now.isoformat()} (screen clock ahead?)",
                )
            )
            continue
        parsed.append((index, play))
    screen.last_seen_at = now
    if not parsed:
        session.flush()
        return result

    earliest = min(p.started_at for _, p in parsed) - CLOCK_SKEW
    latest = max(p.started_at for _, p in parsed) + CLOCK_SKEW
    playlists = [
        _PlaylistRef(*row)
        for row in session.execute(
            select(
                Playlist.id,
                Playlist.version,
                Playlist.plan_run_id,
                Playlist.valid_from,
                Playlist.valid_until,
                Playlist.etag,
            )
            .where(
                Playlist.screen_id == screen.id,
                Playlist.valid_from <= latest,
                Playlist.valid_until >= earliest,
            )
            .order_by(Playlist.version.desc())
        )
    ]
    allocation_ids = {int(m.group(1)) for _, p in parsed if (m := ALLOCATION_ITEM.match(p.item_id))}
    allocations = (
        {
            a.id: a
            for a in session.scalars(
                select(PlanAllocation).where(
                    PlanAllocation.id.in_(allocation_ids), PlanAllocation.screen_id == screen.id
                )
            )
        }
        if allocation_ids
        else {}
    )

    rows: list[dict[str, Any]] = []
    for index, play in parsed:
        match = ALLOCATION_ITEM.match(play.item_id)
        allocation = allocations.get(int(match.group(1))) if match else None
        candidates = _covering(playlists, play.started_at)
        if match:
            candidates = [
                p
                for p in candidates
                if allocation is not None and p.plan_run_id == allocation.plan_run_id
            ]
        found = next(
            (
                (p, items[play.item_id])
                for p in candidates
                if play.item_id in (items := _playlist_items(session, p))
            ),
            None,
        )
        if found is None:
            result.refused.append(
                RefusedPlay(
                    index,
                    play.play_id,
                    "unknown_item",
                    f"item {play.item_id!r} is in none of screen {screen.id}'s playlists "
                    f"valid at {play.started_at.isoformat()}",
                )
            )
            continue
        playlist, item = found
        if allocation is not None:
            hour_end = allocation.hour_start + dt.timedelta(hours=1)
            if not allocation.hour_start - CLOCK_SKEW <= play.started_at < hour_end + CLOCK_SKEW:
                result.refused.append(
                    RefusedPlay(
                        index,
                        play.play_id,
                        "wrong_hour",
                        f"item {play.item_id!r} was planned for the hour starting "
                        f"{allocation.hour_start.isoformat()}, not "
                        f"{play.started_at.isoformat()}",
                    )
                )
                continue
        planned_ms = int(round(float(item.get("duration_s") or 0) * 1000))
        if play.duration_ms + LENGTH_TOLERANCE_MS < planned_ms:
            result.refused.append(
                RefusedPlay(
                    index,
                    play.play_id,
                    "not_full_length",
                    f"played {play.duration_ms} ms of a planned {planned_ms} ms",
                )
            )
            continue
        rows.append(
            {
                "screen_id": screen.id,
                "play_uid": play.play_id,
                "item_id": play.item_id,
                "playlist_id": playlist.id,
                "allocation_id": allocation.id if allocation is not None else None,
                "campaign_id": (
                    allocation.campaign_id if allocation is not None else item.get("campaign_id")
                ),
                "creative_id": item.get("creative_id"),
                "started_at": play.started_at,
                "duration_ms": play.duration_ms,
                "price_krw": allocation.price_krw if allocation is not None else 0,
                "impressions": float(
                    allocation.impressions_multiplier
                    if allocation is not None
                    else item.get("impressions_multiplier") or 0.0
                ),
                "received_at": now,
            }
        )
    if rows:
        stored = set(_insert_once(session, rows))
        for row in rows:
            uid = row["play_uid"]
            (result.accepted if uid in stored else result.duplicates).append(uid)
    session.flush()
    return result


# PostgreSQL: the whole batch as one array per column, unnested server-side. A dozen parameters
# whatever the batch size, so the statement text is short and prepared once, unlike a multi-row
# VALUES list with a dozen parameters per play.
_PG_COLUMNS = (
    ("screen_id", "int"),
    ("play_uid", "text"),
    ("item_id", "text"),
    ("playlist_id", "int"),
    ("allocation_id", "int"),
    ("campaign_id", "int"),
    ("creative_id", "int"),
    ("started_at", "timestamptz"),
    ("duration_ms", "int"),
    ("price_krw", "int"),
    ("impressions", "float8"),
    ("received_at", "timestamptz"),
)
_PG_INSERT = text(
    f"INSERT INTO plays ({', '.join(c for c, _ in _PG_COLUMNS)}) "
    f"SELECT * FROM unnest({', '.join(f'CAST(:{c} AS {t}[])' for c, t in _PG_COLUMNS)}) "
    "ON CONFLICT (screen_id, play_uid) DO NOTHING RETURNING play_uid"
)


def _insert_once(session: Session, rows: list[dict[str, Any]]) -> list[str]:
    """Insert plays, skipping any (screen, play id) already stored; the ids actually inserted."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        for row in rows:
            for key in ("started_at", "received_at"):
                if row[key].tzinfo is None:
                    raise ValueError(f"naive {key} {row[key]!r}: plays store aware times only")
        arrays = {column: [row[column] for row in rows] for column, _ in _PG_COLUMNS}
        return list(connection.execute(_PG_INSERT, arrays).scalars())
    # Elsewhere: one statement compiled once and sent as executemany, which SQLAlchemy batches
    # into multi-row INSERT .. RETURNING ("insertmanyvalues").
    statement = (
        sqlite_insert(Play)
        .on_conflict_do_nothing(index_elements=["screen_id", "play_uid"])
        .returning(Play.play_uid)
    )
    return list(connection.execute(statement, rows).scalars())
