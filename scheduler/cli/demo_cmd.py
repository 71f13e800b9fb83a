"""``localcast demo seed``: load the demo city."""

from __future__ import annotations

import argparse
import datetime as dt

from sqlalchemy.orm import Session
from tqdm import tqdm

from scheduler.billing import roll_up_billing
from scheduler.cli import emit, json_flag
from scheduler.db import get_engine, session_scope
from scheduler.demo.plays import simulate_plays
from scheduler.demo.seed import is_seeded, seed_demo
from scheduler.models import Creative
from scheduler.planner import plan_and_publish
from scheduler.settings import get_settings


def register(subparsers: argparse._SubParsersAction) -> None:
    demo = subparsers.add_parser("demo", help="the demo city")
    sub = demo.add_subparsers(dest="demo_command", required=True, metavar="ACTION")
    seed = sub.add_parser("seed", help="load the demo city into an empty database")
    seed.add_argument("--seed", type=int, default=7, help="random seed (same seed, same city)")
    seed.add_argument(
        "--today", type=dt.date.fromisoformat, help="anchor day YYYY-MM-DD (default: today)"
    )
    seed.add_argument("--if-empty", action="store_true", help="do nothing when a city exists")
    seed.add_argument("--no-images", action="store_true", help="skip ad images (faster)")
    json_flag(seed)
    seed.set_defaults(handler=_seed)


def _storage():  # type: ignore[no-untyped-def]
    from assets.storage import storage_from_settings

    return storage_from_settings(get_settings())


def _ingest_with_assets():  # type: ignore[no-untyped-def]
    """The assets pipeline, wired here because only the CLI may join core and edges."""
    from assets.ingest import ingest_upload

    storage = _storage()

    def ingest(
        session: Session, data: bytes, filename: str, business_id: int, user_id: int | None
    ) -> Creative:
        return ingest_upload(
            session, storage, data, filename, business_id=business_id, uploaded_by_id=user_id
        )

    return ingest


def _seed(args: argparse.Namespace) -> int:
    settings = get_settings()
    engine = get_engine()
    if args.if_empty and is_seeded(engine):
        emit(args, {"seeded": False}, "the database already holds a city; nothing to seed")
        return 0
    today = args.today or dt.datetime.now(settings.tz).date()
    with tqdm(total=100, desc="demo city", unit="%", disable=args.json) as bar:

        def progress(step: str, fraction: float) -> None:
            bar.set_postfix_str(step)
            bar.update(round(fraction * 100) - bar.n)

        images = not args.no_images
        summary = seed_demo(
            engine,
            seed=args.seed,
            today=today,
            tz=settings.timezone,
            ingest=_ingest_with_assets() if images else None,
            progress=lambda step, f: progress(step, f * (0.6 if images else 1.0)),
        )
        delivered = _yesterdays_delivery(engine, settings, today, progress) if images else 0
    payload = {
        "seeded": True,
        "plays": delivered,
        "zones": summary.zones,
        "screens": summary.screens,
        "businesses": summary.businesses,
        "traffic_rows": summary.traffic_rows,
        "creatives": summary.creatives,
        "campaigns": summary.campaigns,
        "logins": summary.users,
    }
    logins = ", ".join(u["username"] for u in summary.users)
    emit(
        args,
        payload,
        f"demo city: {summary.zones} zones, {summary.screens} screens, "
        f"{summary.businesses} businesses, {summary.traffic_rows} traffic hours, "
        f"{summary.creatives} ads, {sum(summary.campaigns.values())} campaigns, "
        f"{delivered} plays reported yesterday\n"
        f"logins ({summary.users[0]['password']}): {logins}",
    )
    return 0


def _yesterdays_delivery(engine, settings, today: dt.date, progress) -> int:  # type: ignore[no-untyped-def]
    """Plan yesterday, let the screens play it and bill it, so reports have a day to show."""
    from assets.renditions import ensure_all_renditions

    progress("renditions", 0.6)
    with session_scope(engine) as session:
        ensure_all_renditions(session, _storage())
    progress("planning yesterday", 0.7)
    start = dt.datetime.combine(today - dt.timedelta(days=1), dt.time(), settings.tz)
    plan_and_publish(engine, now=start)
    progress("screens playing yesterday", 0.8)
    played = simulate_plays(engine, start, start + dt.timedelta(days=1), settings.timezone)
    progress("billing", 0.97)
    with session_scope(engine) as session:
        roll_up_billing(session, today - dt.timedelta(days=1), tz=settings.tz)
    progress("done", 1.0)
    return played
