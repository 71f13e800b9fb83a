"""``localcast db upgrade``."""

from __future__ import annotations

import argparse

from scheduler.db import get_engine
from scheduler.migrate import upgrade


def register(subparsers: argparse._SubParsersAction) -> None:
    db = subparsers.add_parser("db", help="database schema")
    sub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    up = sub.add_parser("upgrade", help="apply migrations up to the newest (or --revision)")
    up.add_argument("--revision", default="head")
    up.set_defaults(handler=_upgrade)


def _upgrade(args: argparse.Namespace) -> int:
    engine = get_engine()
    upgrade(engine, args.revision)
    print(f"database at {engine.url.render_as_string(hide_password=True)} is up to date")
    return 0
