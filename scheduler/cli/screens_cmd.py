"""``localcast screens add``."""

from __future__ import annotations

import argparse

from scheduler.cli import emit
from scheduler.db import session_scope
from scheduler.screens import register_screen


def _size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a size like 1080x1920") from None
    return width, height


def register(subparsers: argparse._SubParsersAction) -> None:
    screens = subparsers.add_parser("screens", help="register and manage screens")
    sub = screens.add_subparsers(dest="screens_command", required=True, metavar="ACTION")
    add = sub.add_parser("add", help="register a screen; prints its token once")
    add.add_argument("name")
    add.add_argument("--zone", type=int, help="zone id")
    add.add_argument("--size", type=_size, default=(1080, 1920), help="WIDTHxHEIGHT in pixels")
    add.add_argument("--lat", type=float)
    add.add_argument("--lon", type=float)
    add.add_argument("--slot-seconds", type=int, default=10)
    add.add_argument("--hours", default="6-24", help="operating hours OPEN-CLOSE, e.g. 6-24")
    add.add_argument("--visibility", type=float, default=1.0)
    add.add_argument("--base-price", type=int, default=100, help="KRW per play before tiers")
    add.add_argument("--traffic-location", help="foot-traffic location that stands for it")
    add.add_argument("--json", action="store_true", help="print one JSON object")
    add.set_defaults(handler=_add)


def _add(args: argparse.Namespace) -> int:
    open_hour, close_hour = (int(h) for h in args.hours.split("-"))
    with session_scope() as session:
        screen, token = register_screen(
            session,
            args.name,
            zone_id=args.zone,
            width_px=args.size[0],
            height_px=args.size[1],
            latitude=args.lat,
            longitude=args.lon,
            slot_seconds=args.slot_seconds,
            open_hour=open_hour,
            close_hour=close_hour,
            visibility_factor=args.visibility,
            base_price_krw=args.base_price,
            traffic_location=args.traffic_location,
        )
        payload = {"id": screen.id, "name": screen.name, "token": token}
    emit(
        args,
        payload,
        f"registered screen {payload['name']!r} (id {payload['id']})\n"
        f"token (shown once, store it on the screen): {token}",
    )
    return 0
