"""Prometheus metrics and JSON access logs for the screen API.

With several uvicorn workers, ``PROMETHEUS_MULTIPROC_DIR`` makes every worker write its counters to
shared files, and ``/metrics`` answers for all of them (``localcast serve`` sets it up). Request
counts reach those files once a second, so another worker's last second may be missing.
"""

from __future__ import annotations

import bisect
import collections
import datetime as dt
import json
import logging
import math
import os
import threading
import time
from collections.abc import Callable
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

access_log = logging.getLogger("localcast.access")
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
FLUSH_SECONDS = 1.0


class Metrics:
    """The API's own registry, so that several apps in one process never collide."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "localcast_http_requests",
            "HTTP requests by route, method and status",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "localcast_http_request_seconds",
            "Time to answer a request, by route",
            ["route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.playlists = Counter(
            "localcast_playlists_served",
            "Playlist answers: 200 with a body, 304 not modified",
            ["status"],
            registry=self.registry,
        )
        self.plays = Counter(
            "localcast_plays",
            "Reported plays by outcome (accepted, duplicate, refused) and refusal reason",
            ["outcome", "reason"],
            registry=self.registry,
        )

        self.bodies_cached = Gauge(
            "localcast_playlist_bodies_cached",
            "Rendered playlist bodies held in memory, summed over live workers",
            registry=self.registry,
            multiprocess_mode="livesum",
        )
        # Counts wait in memory and go to the shared values once a second (``flush``): writing
        # prometheus' multi-process files on every poll cost a tenth of a worker's time.
        self._bounds = [*LATENCY_BUCKETS, math.inf]
        self._pending: dict[tuple[str, str, int], list[Any]] = {}
        self._served: collections.Counter[str] = collections.Counter()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._flusher: threading.Thread | None = None

    def observe_request(self, route: str, method: str, status: int, elapsed: float) -> None:
        """Count one request and its latency (written out by the next ``flush``)."""
        key = (route, method, status)
        with self._lock:
            pending = self._pending.get(key)
            if pending is None:
                pending = self._pending[key] = [0, 0.0, [0] * len(self._bounds)]
            pending[0] += 1
            pending[1] += elapsed
            pending[2][bisect.bisect_left(self._bounds, elapsed)] += 1

    def playlist_served(self, status: str) -> None:
        with self._lock:
            self._served[status] += 1

    def flush(self) -> None:
        """Write the counts kept since the last flush to the registry's values."""
        with self._lock:
            pending, self._pending = self._pending, {}
            served, self._served = self._served, collections.Counter()
        for (route, method, status), (count, total, buckets) in pending.items():
            self.requests.labels(route, method, str(status)).inc(count)
            latency = self.latency.labels(route)
            # prometheus_client has no bulk observe: add to the child's sum and bucket values as
            # ``observe`` does one at a time (tests/test_observability.py checks the outcome).
            latency._sum.inc(total)
            for value, n in zip(latency._buckets, buckets, strict=True):
                if n:
                    value.inc(n)
        for status, n in served.items():
            self.playlists.labels(status).inc(n)

    def start(self) -> None:
        """Flush once a second in a background thread until ``stop``."""
        if self._flusher is not None and self._flusher.is_alive():
            return
        self._stop.clear()
        self._flusher = threading.Thread(target=self._run, name="localcast-metrics", daemon=True)
        self._flusher.start()

    def stop(self) -> None:
        self._stop.set()
        if self._flusher is not None:
            self._flusher.join(timeout=5)
            self._flusher = None
        self.flush()

    def _run(self) -> None:
        while not self._stop.wait(FLUSH_SECONDS):
            self.flush()

    def exposition(self, screens_seen: int) -> bytes:
        """The text exposition, plus the 304 share and screens seen in the last 5 minutes."""
        self.flush()
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            registry = CollectorRegistry()
            MultiProcessCollector(registry)
        else:
            registry = self.registry
        served = {"200": 0.0, "304": 0.0}
        for family in registry.collect():
            if family.name == "localcast_playlists_served":
                for sample in family.samples:
                    if sample.name.endswith("_total"):
                        status = sample.labels.get("status", "")
                        served[status] = served.get(status, 0.0) + sample.value
        total = served["200"] + served["304"]
        share = served["304"] / total if total else 0.0
        extra = (
            "# HELP localcast_playlist_not_modified_share Share of playlist answers that were 304\n"
            "# TYPE localcast_playlist_not_modified_share gauge\n"
            f"localcast_playlist_not_modified_share {share}\n"
            "# HELP localcast_screens_seen_5m Screens that called the API in the last 5 minutes\n"
            "# TYPE localcast_screens_seen_5m gauge\n"
            f"localcast_screens_seen_5m {screens_seen}\n"
        )
        return generate_latest(registry) + extra.encode()


class AccessLogMiddleware:
    """One JSON line per request, and request count and latency per route template."""

    def __init__(
        self, app: ASGIApp, metrics: Metrics, clock: Callable[[], float] = time.perf_counter
    ):
        self.app = app
        self.metrics = metrics
        self.clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = self.clock()
        status = {"code": 500}

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            elapsed = self.clock() - started
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            if template.startswith("/player"):
                template = "/player"
            self.metrics.observe_request(template, scope["method"], status["code"], elapsed)
            access_record(
                scope, template, status["code"], elapsed, scope.get("state", {}).get("screen_id")
            )


def access_log_enabled() -> bool:
    return access_log.isEnabledFor(logging.INFO)


def access_record(
    scope: Scope, template: str, status: int, elapsed: float, screen_id: int | None
) -> None:
    """One JSON line for one request, if the access log is on."""
    if not access_log_enabled():
        return
    record: dict[str, Any] = {
        "ts": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
        "method": scope["method"],
        "path": scope["path"],
        "route": template,
        "status": status,
        "ms": round(elapsed * 1000, 2),
        "client": (scope.get("client") or ("", 0))[0],
    }
    if screen_id is not None:
        record["screen_id"] = screen_id
    access_log.info(json.dumps(record, separators=(",", ":")))
