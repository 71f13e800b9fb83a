"""The ``localcast`` command: the one place that wires every part together.

Each subcommand group lives in its own module with a ``register(subparsers)`` function that adds
its parsers and sets ``handler`` (a function taking the parsed args and returning an exit code).
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Callable
from typing import Any

from scheduler.errors import LocalcastError

# Subcommand modules, in the order they appear in --help.
COMMANDS = [
    "up",
    "db",
    "demo",
    "users",
    "screens",
    "ads",
    "traffic",
    "plan",
    "worker",
    "serve",
    "dashboard",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="localcast", description="Digital signage ad scheduler for a city's public screens."
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        importlib.import_module(f"scheduler.cli.{name}_cmd").register(subparsers)
    return parser


def emit(args: argparse.Namespace, payload: dict[str, Any], text: str) -> None:
    """Print ``payload`` as one JSON object under ``--json``, else the human ``text``."""
    if getattr(args, "json", False):
        print(json.dumps(payload, default=str, ensure_ascii=False))
    else:
        print(text)


def json_flag(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add the ``--json`` switch that ``emit`` honours."""
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    return parser


def pair_type(cast: Callable[[str], Any], sep: str, example: str) -> Callable[[str], tuple]:
    """An argparse type reading two numbers joined by ``sep`` (``example`` names the form)."""

    def parse(text: str) -> tuple:
        try:
            first, second = (cast(part) for part in text.lower().split(sep))
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {example}") from None
        return first, second

    return parse


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except LocalcastError as exc:
        if getattr(args, "json", False):
            print(json.dumps({"error": exc.code, "message": exc.message}, ensure_ascii=False))
        print(f"localcast: {exc.message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
