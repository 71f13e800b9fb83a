"""``localcast serve``: the screen API alone, under uvicorn, for production."""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile

from scheduler.settings import get_settings


def register(subparsers: argparse._SubParsersAction) -> None:
    serve = subparsers.add_parser("serve", help="run the screen API (playlists, files, plays)")
    serve.add_argument("--host", help="address to listen on (default from settings)")
    serve.add_argument("--port", type=int, help="port (default from settings, 8000)")
    serve.add_argument("--workers", type=int, help="worker processes (default from settings)")
    serve.add_argument("--no-access-log", action="store_true", help="no JSON access log lines")
    serve.set_defaults(handler=_serve)


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    settings = get_settings()
    workers = max(1, args.workers or settings.api_workers)
    metrics_dir = None
    if workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # Every worker counts into shared files so that /metrics answers for all of them.
        metrics_dir = tempfile.mkdtemp(prefix="localcast-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    log_config = _log_config(access=not args.no_access_log)
    try:
        uvicorn.run(
            "playlists.api:create_app",
            factory=True,
            host=args.host or settings.api_host,
            port=args.port or settings.api_port,
            workers=workers,
            access_log=False,  # ours is structured (localcast.access)
            log_config=log_config,
            proxy_headers=True,
        )
    finally:
        if metrics_dir:
            shutil.rmtree(metrics_dir, ignore_errors=True)
    return 0


def _log_config(*, access: bool) -> dict:
    """uvicorn's own logs plus our JSON access lines, also in worker processes."""
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
            "localcast.access": {
                "handlers": ["stdout"],
                "level": "INFO" if access else "WARNING",
                "propagate": False,
            },
        },
    }
