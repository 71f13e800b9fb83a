"""Past delivery for the demo: screens that played their published playlists and reported it.

The plays go through the same proof-of-play path as a real screen's, so prices, campaigns and
audience come from the plan exactly as they would in production.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select

from scheduler.db import session_scope
from scheduler.models import Playlist, Screen
from scheduler.proof_of_play import MAX_BATCH, record_plays


def simulate_plays(
    engine: Engine, since: dt.datetime, until: dt.datetime, tz: str, offline_every: int = 9
) -> int:
    """Report every planned campaign play between ``since`` and ``until`` from each screen's
    current playlist; every ``offline_every``-th screen was offline from 6 to 10 pm (city time).
    Returns the number of plays stored."""
    zone = ZoneInfo(tz)
    stored = 0
    with session_scope(engine) as session:
        pairs = session.execute(
            select(Screen, Playlist.document)
            .join(Playlist, Playlist.screen_id == Screen.id)
            .where(Playlist.is_current)
            .order_by(Screen.id)
        ).all()
        for screen, document in pairs:
            slot = int(document["slot_seconds"])
            plays = []
            for hour in document["hours"]:
                start = dt.datetime.fromisoformat(hour["start"].replace("Z", "+00:00"))
                if not since <= start < until:
                    continue
                evening = 18 <= start.astimezone(zone).hour < 22
                if evening and screen.id % offline_every == 0:
                    continue
                for n, item_id in enumerate(hour["sequence"]):
                    if item_id == "house":
                        continue
                    plays.append(
                        {
                            "play_id": f"demo-{screen.id}-{start:%Y%m%dT%H}-{n}",
                            "item_id": item_id,
                            "started_at": start + dt.timedelta(seconds=n * slot),
                            "duration_ms": document["items"][item_id]["duration_s"] * 1000,
                        }
                    )
            for first in range(0, len(plays), MAX_BATCH):
                result = record_plays(session, screen, plays[first : first + MAX_BATCH], now=until)
                stored += len(result.accepted)
    return stored
