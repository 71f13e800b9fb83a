"""``localcast screens add|pair|rotate-token|revoke``."""

from __future__ import annotations

import argparse

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.cli import emit, json_flag, pair_type
from scheduler.db import session_scope
from scheduler.errors import NotFound, ValidationFailed
from scheduler.models import Screen, User
from scheduler.pairing import claim_code, normalise_code
from scheduler.screens import issue_token, register_screen, revoke_token

_size = pair_type(int, "x", "a size like 1080x1920")


def _screen_arguments(parser: argparse.ArgumentParser) -> None:
    """Zone, size, slot length and traffic location: asked alike when adding or pairing."""
    parser.add_argument("--zone", type=int, help="zone id")
    parser.add_argument("--size", type=_size, default=(1080, 1920), help="WIDTHxHEIGHT in pixels")
    parser.add_argument("--slot-seconds", type=int, default=10)
    parser.add_argument("--traffic-location", help="foot-traffic location that stands for it")


def register(subparsers: argparse._SubParsersAction) -> None:
    screens = subparsers.add_parser("screens", help="register and manage screens")
    sub = screens.add_subparsers(dest="screens_command", required=True, metavar="ACTION")
    add = sub.add_parser("add", help="register a screen; prints its token once")
    add.add_argument("name")
    _screen_arguments(add)
    add.add_argument("--lat", type=float)
    add.add_argument("--lon", type=float)
    add.add_argument("--hours", default="6-24", help="operating hours OPEN-CLOSE, e.g. 6-24")
    add.add_argument("--visibility", type=float, default=1.0)
    add.add_argument("--base-price", type=int, default=12, help="KRW per play before tiers")
    json_flag(add)
    add.set_defaults(handler=_add)

    pair = sub.add_parser("pair", help="claim the pairing code a new screen shows")
    pair.add_argument("code", help="the code on the screen, e.g. K7QX3M")
    target = pair.add_mutually_exclusive_group(required=True)
    target.add_argument("--screen", type=int, help="pair as this existing screen (new token)")
    target.add_argument("--name", help="register a new screen with this name")
    _screen_arguments(pair)
    pair.add_argument("--staff", help="username of the staff member pairing (default: an admin)")
    json_flag(pair)
    pair.set_defaults(handler=_pair)

    rotate = sub.add_parser("rotate-token", help="issue a new token; the old one stops working")
    rotate.add_argument("screen_id", type=int)
    json_flag(rotate)
    rotate.set_defaults(handler=_rotate)

    revoke = sub.add_parser("revoke", help="revoke a screen's token until it is paired again")
    revoke.add_argument("screen_id", type=int)
    json_flag(revoke)
    revoke.set_defaults(handler=_revoke)


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


def _staff_id(session: Session, username: str | None) -> int:
    query = select(User).where(User.disabled.is_(False))
    if username:
        user = session.scalar(query.where(User.username == username))
        if user is None:
            raise NotFound(f"There is no active login named {username!r}.")
        return user.id
    user = session.scalar(query.where(User.role == "admin").order_by(User.id))
    if user is None:
        raise ValidationFailed("Name the staff member pairing the screen with --staff USERNAME.")
    return user.id


def _pair(args: argparse.Namespace) -> int:
    with session_scope() as session:
        fields = None
        if args.name is not None:
            fields = {
                "name": args.name,
                "zone_id": args.zone,
                "width_px": args.size[0],
                "height_px": args.size[1],
                "slot_seconds": args.slot_seconds,
                "traffic_location": args.traffic_location,
            }
        screen = claim_code(
            session,
            args.code,
            screen_id=args.screen,
            new_screen_fields=fields,
            staff_user_id=_staff_id(session, args.staff),
        )
        payload = {"id": screen.id, "name": screen.name, "code": normalise_code(args.code)}
    emit(
        args,
        payload,
        f"paired code {payload['code']} with screen {payload['name']!r} (id {payload['id']}); "
        "the screen picks up its token on its next poll",
    )
    return 0


def _rotate(args: argparse.Namespace) -> int:
    with session_scope() as session:
        screen = session.get(Screen, args.screen_id)
        if screen is None:
            raise NotFound(f"There is no screen with id {args.screen_id}.")
        token = issue_token(screen)
        payload = {"id": screen.id, "name": screen.name, "token": token}
    emit(
        args,
        payload,
        f"new token for screen {payload['name']!r} (id {payload['id']}); the old one no longer "
        f"works\ntoken (shown once, store it on the screen): {token}",
    )
    return 0


def _revoke(args: argparse.Namespace) -> int:
    with session_scope() as session:
        revoke_token(session, args.screen_id)
    emit(
        args,
        {"id": args.screen_id, "revoked": True},
        f"revoked the token of screen {args.screen_id}; pair it again to bring it back",
    )
    return 0
