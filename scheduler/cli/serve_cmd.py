"""``localcast serve``: the screen API alone, for production (uvicorn by default, or granian)."""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
from typing import Any

from scheduler.settings import get_settings

SERVERS = ("uvicorn", "granian")


def register(subparsers: argparse._SubParsersAction) -> None:
    serve = subparsers.add_parser("serve", help="run the screen API (playlists, files, plays)")
    serve.add_argument("--host", help="address to listen on (default from settings)")
    serve.add_argument("--port", type=int, help="port (default from settings, 8000)")
    serve.add_argument("--workers", type=int, help="worker processes (default from settings)")
    serve.add_argument(
        "--server",
        choices=SERVERS,
        default="uvicorn",
        help="HTTP server: uvicorn (default; httptools, uvloop) or granian (Rust HTTP layer; "
        "within 10 %% of uvicorn on playlist polls in bench/serve.py)",
    )
    serve.add_argument("--no-access-log", action="store_true", help="no JSON access log lines")
    serve.set_defaults(handler=_serve)


def _serve(args: argparse.Namespace) -> int:
    settings = get_settings()
    workers = max(1, args.workers or settings.api_workers)
    host = args.host or settings.api_host
    port = args.port or settings.api_port
    metrics_dir = None
    if workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # Every worker counts into shared files so that /metrics answers for all of them.
        metrics_dir = tempfile.mkdtemp(prefix="localcast-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    access = not args.no_access_log
    try:
        if args.server == "granian":
            _granian(host, port, workers, access)
        else:
            _uvicorn(host, port, workers, access)
    finally:
        if metrics_dir:
            shutil.rmtree(metrics_dir, ignore_errors=True)
    return 0


def _uvicorn(host: str, port: int, workers: int, access: bool) -> None:
    import uvicorn

    from playlists.poll_protocol import POLL_PROTOCOL

    uvicorn.run(
        "playlists.api:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        http=POLL_PROTOCOL,  # httptools, with cached polls answered in the protocol
        loop="uvloop",
        access_log=False,  # ours is structured (localcast.access)
        log_config=_log_config(access=access),
        proxy_headers=True,
        server_header=False,
        date_header=False,
    )


def _granian(host: str, port: int, workers: int, access: bool) -> None:
    from granian import Granian
    from granian.constants import Interfaces, Loops

    Granian(
        # ASGI with lifespan: each worker starts its snapshot refresh threads on startup.
        "scheduler.cli.serve_cmd:granian_app",
        factory=True,
        address=host,
        port=port,
        interface=Interfaces.ASGI,
        workers=workers,
        runtime_threads=2,  # faster than one on playlist polls in bench/serve.py
        loop=Loops.uvloop,
        log_access=False,  # ours is structured (localcast.access)
        log_dictconfig=_log_config(access=access),
    ).serve()


def granian_app() -> Any:
    """The API for granian, which has no proxy-header option: trust X-Forwarded-* from localhost
    (as uvicorn's ``proxy_headers`` does by default), so access logs name the real client."""
    from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

    from playlists.api import create_app

    return ProxyHeadersMiddleware(create_app(), trusted_hosts="127.0.0.1")


def _log_config(*, access: bool) -> dict:
    """The server's own logs plus our JSON access lines, also in worker processes."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"plain": {"format": "%(message)s"}},
        "handlers": {
            "stdout": {
                "class": "logging.StreamHandler",
                "formatter": "plain",
                "stream": "ext://sys.stdout",
            },
        },
        "loggers": {
            "uvicorn": {"handlers": ["stdout"], "level": "INFO"},
            "_granian": {"handlers": ["stdout"], "level": "INFO", "propagate": False},
            "localcast.access": {
                "handlers": ["stdout"],
                "level": "INFO" if access else "WARNING",
                "propagate": False,
            },
        },
    }
