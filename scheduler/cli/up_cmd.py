"""``localcast up``: API, job worker and dashboard together, stopped together."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from scheduler.db import get_engine
from scheduler.demo.city import DEMO_PASSWORD
from scheduler.migrate import is_empty
from scheduler.settings import get_settings

STOP_GRACE_SECONDS = 10.0


@dataclass
class Part:
    name: str
    argv: list[str]
    url: str | None = None
    process: subprocess.Popen[bytes] | None = None


def register(subparsers: argparse._SubParsersAction) -> None:
    up = subparsers.add_parser("up", help="run API, job worker and dashboard together")
    up.add_argument("--no-worker", action="store_true", help="leave the job worker out")
    up.set_defaults(handler=_up)


def parts(settings=None) -> list[Part]:  # type: ignore[no-untyped-def]
    """The three processes of a localcast installation, as commands."""
    from playlists.poll_protocol import POLL_PROTOCOL

    settings = settings or get_settings()
    host = settings.api_host
    dashboard_app = Path(__file__).resolve().parents[2] / "dashboard" / "app.py"
    return [
        Part(
            "api",
            [
                sys.executable,
                "-m",
                "uvicorn",
                "playlists.api:create_app",
                "--factory",
                "--host",
                host,
                "--port",
                str(settings.api_port),
                "--http",
                POLL_PROTOCOL,
                "--no-access-log",
            ],
            url=f"http://{host}:{settings.api_port}",
        ),
        Part("worker", [sys.executable, "-m", "scheduler.cli", "worker"]),
        Part(
            "dashboard",
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                str(dashboard_app),
                "--server.port",
                str(settings.dashboard_port),
                "--server.address",
                host,
                "--server.headless",
                "true",
                "--browser.gatherUsageStats",
                "false",
            ],
            url=f"http://{host}:{settings.dashboard_port}",
        ),
    ]


def _up(args: argparse.Namespace) -> int:
    settings = get_settings()
    if is_empty(get_engine()):
        print(
            "localcast: the database has no schema yet; run `localcast db upgrade` first",
            file=sys.stderr,
        )
        return 2
    selected = [p for p in parts(settings) if not (args.no_worker and p.name == "worker")]
    stopping = False

    def request_stop(_signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    for part in selected:
        # Own session: Ctrl-C reaches only us, and we stop the parts in order.
        part.process = subprocess.Popen(part.argv, env=os.environ.copy(), start_new_session=True)
    _announce(selected, settings.effective_database_url)
    exit_code = 0
    while not stopping:
        for part in selected:
            assert part.process is not None
            if part.process.poll() is not None:
                print(
                    f"localcast: {part.name} stopped (exit {part.process.returncode}); "
                    "stopping the rest",
                    file=sys.stderr,
                )
                exit_code = 1
                stopping = True
        time.sleep(0.3)
    _stop(selected)
    print("localcast: stopped")
    return exit_code


def _announce(selected: list[Part], database_url: str) -> None:
    print("localcast is up:")
    for part in selected:
        print(f"  {part.name:<10} {part.url or '(runs the scheduled jobs)'}")
    api = next((p for p in selected if p.name == "api"), None)
    if api:
        print(f"  {'player':<10} {api.url}/player/")
    print(f"  {'database':<10} {database_url.split('@')[-1]}")
    print(f"demo logins (password {DEMO_PASSWORD}): admin, staff, owner1 … owner5")
    print("press Ctrl-C to stop", flush=True)


def _stop(selected: list[Part]) -> None:
    running = [p for p in selected if p.process and p.process.poll() is None]
    for part in running:
        assert part.process is not None
        os.killpg(part.process.pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for part in running:
        assert part.process is not None
        try:
            part.process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(part.process.pid, signal.SIGKILL)
            part.process.wait()
