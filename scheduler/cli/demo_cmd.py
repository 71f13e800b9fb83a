"""``localcast demo seed``: load the demo city."""

from __future__ import annotations

import argparse
import datetime as dt

from sqlalchemy.orm import Session
from tqdm import tqdm

from scheduler.cli import emit
from scheduler.db import get_engine
from scheduler.demo.seed import is_seeded, seed_demo
from scheduler.models import Creative
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
    seed.add_argument("--json", action="store_true", help="print one JSON object")
    seed.set_defaults(handler=_seed)


def _ingest_with_assets():  # type: ignore[no-untyped-def]
    """The assets pipeline, wired here because only the CLI may join core and edges."""
    from assets.ingest import ingest_upload
    from assets.storage import storage_from_settings

    storage = storage_from_settings(get_settings())

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

        summary = seed_demo(
            engine,
            seed=args.seed,
            today=today,
            tz=settings.timezone,
            ingest=None if args.no_images else _ingest_with_assets(),
            progress=progress,
        )
    payload = {
        "seeded": True,
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
        f"{summary.creatives} ads, {sum(summary.campaigns.values())} campaigns\n"
        f"logins ({summary.users[0]['password']}): {logins}",
    )
    return 0
