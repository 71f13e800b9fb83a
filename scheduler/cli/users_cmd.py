"""``localcast users add``."""

from __future__ import annotations

import argparse
import getpass

from scheduler.cli import emit, json_flag
from scheduler.db import session_scope
from scheduler.models import ROLES
from scheduler.users import create_user


def register(subparsers: argparse._SubParsersAction) -> None:
    users = subparsers.add_parser("users", help="dashboard logins")
    sub = users.add_subparsers(dest="users_command", required=True, metavar="ACTION")
    add = sub.add_parser("add", help="create a login with a role")
    add.add_argument("username")
    add.add_argument("--role", choices=ROLES, required=True)
    add.add_argument("--business", type=int, help="business id (owners only)")
    add.add_argument("--password", help="read from the terminal when left out")
    add.add_argument("--name", help="display name")
    add.add_argument("--locale", choices=("ko", "en"), default="ko")
    json_flag(add)
    add.set_defaults(handler=_add)


def _add(args: argparse.Namespace) -> int:
    password = args.password or getpass.getpass("Password: ")
    with session_scope() as session:
        user = create_user(
            session,
            args.username,
            password,
            args.role,
            business_id=args.business,
            display_name=args.name,
            locale=args.locale,
        )
        payload = {"id": user.id, "username": user.username, "role": user.role}
    emit(
        args,
        payload,
        f"created {payload['role']} login {payload['username']!r} (id {payload['id']})",
    )
    return 0
