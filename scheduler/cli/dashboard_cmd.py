"""``localcast dashboard``: the Streamlit dashboard alone, for production."""

from __future__ import annotations

import argparse
import os

from scheduler.cli.up_cmd import parts


def register(subparsers: argparse._SubParsersAction) -> None:
    dashboard = subparsers.add_parser("dashboard", help="run the dashboard alone")
    dashboard.set_defaults(handler=_dashboard)


def _dashboard(_args: argparse.Namespace) -> int:
    argv = next(p.argv for p in parts() if p.name == "dashboard")
    os.execv(argv[0], argv)  # become Streamlit, so signals and exit codes are its own
