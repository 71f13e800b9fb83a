"""Helpers for the screen API tests: a real uvicorn on a free port, and published playlists.

Until the planner publishes playlists itself, tests write ``playlists`` rows in the documented
document format (the same rows ``scheduler.publish`` writes).
"""

from __future__ import annotations

import datetime as dt
import io
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import uvicorn
from browser import free_port
from PIL import Image
from sqlalchemy import Engine, update
from sqlalchemy.orm import Session

from assets.storage import LocalStorage
from playlists.api import create_app
from playlists.poll_protocol import POLL_PROTOCOL
from scheduler.models import (
    Business,
    Campaign,
    Creative,
    PlanAllocation,
    PlanRun,
    Playlist,
    Screen,
    User,
)
from scheduler.security import hash_password
from scheduler.settings import Settings


class LiveServer:
    """The screen API under uvicorn in a thread; can be stopped and started on the same port."""

    def __init__(
        self,
        engine: Engine,
        data_dir: Path,
        port: int | None = None,
        refresh_s: float = 0,
        keep_alive_s: float = 5,
    ) -> None:
        self.engine = engine
        self.refresh_s = refresh_s
        self.keep_alive_s = keep_alive_s
        self.settings = Settings(data_dir=data_dir, poll_seconds=60)
        self.storage = LocalStorage(self.settings.assets_dir)
        self.port = port or free_port()
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        # refresh_s=0 by default: tests revoke tokens and publish playlists and look at once.
        app = self.app = create_app(
            self.engine, self.settings, storage=self.storage, refresh_s=self.refresh_s
        )
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            access_log=False,
            http=POLL_PROTOCOL,  # as ``localcast serve`` runs it
            server_header=False,
            date_header=False,
            timeout_graceful_shutdown=1,
            timeout_keep_alive=self.keep_alive_s,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 15
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the API did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)
        self._server = self._thread = None


@contextmanager
def live_server(engine: Engine, data_dir: Path) -> Iterator[LiveServer]:
    server = LiveServer(engine, data_dir)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def make_staff(session: Session, username: str = "staff1") -> User:
    user = User(username=username, password_hash=hash_password("x" * 12), role="staff")
    session.add(user)
    session.flush()
    return user


def png_bytes(color: tuple[int, int, int], size: tuple[int, int] = (108, 192)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()


@dataclass
class Published:
    playlist: Playlist
    document: dict
    allocations: dict[str, PlanAllocation] = field(default_factory=dict)

    def item_at(self, when: dt.datetime) -> str:
        """The item the plan puts on screen at ``when`` (each hour's sequence, slot by slot)."""
        hour = when.replace(minute=0, second=0, microsecond=0)
        for entry in self.document["hours"]:
            if dt.datetime.fromisoformat(entry["start"]) == hour:
                slot = int((when - hour).total_seconds() // self.document["slot_seconds"])
                return entry["sequence"][slot % len(entry["sequence"])]
        raise KeyError(when)


def publish_playlist(
    session: Session,
    screen: Screen,
    storage: LocalStorage,
    *,
    slot_seconds: int = 10,
    hours: int = 3,
    start: dt.datetime | None = None,
    campaigns: int = 4,
    version: int | None = None,
) -> Published:
    """A plan run with ``campaigns`` campaigns plus house content, published for ``screen``."""
    now = dt.datetime.now(dt.UTC)
    start = start or now.replace(minute=0, second=0, microsecond=0) - dt.timedelta(hours=1)
    business = Business(name=f"Shop {uuid.uuid4().hex[:6]}")
    session.add(business)
    session.flush()
    run = PlanRun(
        horizon_start=start, horizon_end=start + dt.timedelta(hours=hours), status="published"
    )
    session.add(run)
    media: dict[str, dict] = {}
    creatives: list[tuple[Campaign, Creative]] = []
    for n in range(campaigns + 1):
        data = png_bytes(((40 * n) % 256, (90 + 50 * n) % 256, (200 - 30 * n) % 256))
        sha = storage.put(data, "image/png")
        media[sha] = {
            "sha256": sha,
            "size_bytes": len(data),
            "content_type": "image/png",
            "width": 108,
            "height": 192,
        }
        creative = Creative(
            business_id=business.id,
            name=f"ad {n}",
            sha256=sha,
            source_sha256=sha,
            format="png",
            width_px=108,
            height_px=192,
            size_bytes=len(data),
            status="approved",
        )
        campaign = Campaign(
            business_id=business.id,
            name=f"Campaign {n}",
            status="approved",
            starts_on=start.date(),
            ends_on=(start + dt.timedelta(days=3)).date(),
            budget_krw=100_000,
        )
        session.add_all([creative, campaign])
        creatives.append((campaign, creative))
    session.flush()
    house_campaign, house_creative = creatives.pop()
    items: dict[str, dict] = {
        "house": {
            "media": house_creative.sha256,
            "duration_s": slot_seconds,
            "campaign_id": None,
            "business_id": None,
            "creative_id": house_creative.id,
            "rule": "house",
            "impressions_multiplier": 0.5,
            "explain": {"rule": "house content"},
        }
    }
    published = Published(playlist=None, document={})  # type: ignore[arg-type]
    hour_entries = []
    slots = 3600 // slot_seconds
    for h in range(hours):
        hour_start = start + dt.timedelta(hours=h)
        ids = []
        for n, (campaign, creative) in enumerate(creatives):
            allocation = PlanAllocation(
                plan_run_id=run.id,
                screen_id=screen.id,
                hour_start=hour_start,
                campaign_id=campaign.id,
                plays=slots // (campaigns + 1),
                price_krw=100 + 10 * n,
                tier="peak",
                forecast=300.0,
                impressions_multiplier=0.8 + n / 100,
                rule="paid",
            )
            session.add(allocation)
            session.flush()
            item_id = f"a{allocation.id}"
            published.allocations[item_id] = allocation
            items[item_id] = {
                "media": creative.sha256,
                "duration_s": slot_seconds,
                "campaign_id": campaign.id,
                "business_id": business.id,
                "creative_id": creative.id,
                "rule": "paid",
                "impressions_multiplier": allocation.impressions_multiplier,
                "explain": {"campaign": campaign.name, "price_krw": allocation.price_krw},
            }
            ids.append(item_id)
        cycle = [*ids, "house"]
        hour_entries.append(
            {
                "start": hour_start.isoformat(),
                "sequence": [cycle[i % len(cycle)] for i in range(slots)],
            }
        )
    if version is None:
        version = 1 + sum(1 for _ in session.query(Playlist).filter_by(screen_id=screen.id))
    document = {
        "screen_id": screen.id,
        "version": version,
        "plan_run_id": run.id,
        "generated_at": now.isoformat(),
        "valid_from": start.isoformat(),
        "valid_until": (start + dt.timedelta(hours=hours)).isoformat(),
        "timezone": "Asia/Seoul",
        "slot_seconds": slot_seconds,
        "media": media,
        "items": items,
        "hours": hour_entries,
    }
    session.execute(
        update(Playlist).where(Playlist.screen_id == screen.id).values(is_current=False)
    )
    playlist = Playlist(
        screen_id=screen.id,
        version=version,
        plan_run_id=run.id,
        valid_from=start,
        valid_until=start + dt.timedelta(hours=hours),
        etag=uuid.uuid4().hex,
        document=document,
        is_current=True,
    )
    session.add(playlist)
    session.flush()
    published.playlist = playlist
    published.document = document
    return published
