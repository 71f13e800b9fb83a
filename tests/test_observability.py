"""Request metrics kept in memory and flushed: the same figures as counting one at a time."""

from __future__ import annotations

import time

import pytest
from prometheus_client import CollectorRegistry, Histogram

from playlists.observability import LATENCY_BUCKETS, Metrics

ROUTE = "/api/v1/screens/{screen_id}/playlist"
LATENCIES = [0.0002, 0.001, 0.0011, 0.004, 0.02, 0.02, 0.3, 1.0, 7.5, 0.0]


def _samples(registry: CollectorRegistry, name: str) -> dict[tuple, float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in registry.collect()
        if family.name == name
        for sample in family.samples
        if not sample.name.endswith("_created")
    }


def test_flushed_latencies_match_observing_one_at_a_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    metrics = Metrics()
    for elapsed in LATENCIES:
        metrics.observe_request(ROUTE, "GET", 304, elapsed)
    metrics.observe_request(ROUTE, "GET", 200, 0.003)
    assert _samples(metrics.registry, "localcast_http_request_seconds") == {}  # not yet written
    metrics.flush()

    reference = CollectorRegistry()
    one_by_one = Histogram(
        "localcast_http_request_seconds",
        "reference",
        ["route"],
        buckets=LATENCY_BUCKETS,
        registry=reference,
    )
    for elapsed in [*LATENCIES, 0.003]:
        one_by_one.labels(ROUTE).observe(elapsed)
    ours = _samples(metrics.registry, "localcast_http_request_seconds")
    assert ours == pytest.approx(_samples(reference, "localcast_http_request_seconds"))
    requests = _samples(metrics.registry, "localcast_http_requests")
    key = (("method", "GET"), ("route", ROUTE))
    assert requests[("localcast_http_requests_total", (*key, ("status", "304")))] == 10
    assert requests[("localcast_http_requests_total", (*key, ("status", "200")))] == 1

    metrics.observe_request(ROUTE, "GET", 304, 0.001)
    metrics.flush()
    again = _samples(metrics.registry, "localcast_http_requests")
    assert again[("localcast_http_requests_total", (*key, ("status", "304")))] == 11


def test_served_counts_reach_the_exposition_and_the_background_flush(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    metrics = Metrics()
    for status in ("304", "304", "304", "200"):
        metrics.playlist_served(status)
    text = metrics.exposition(screens_seen=3).decode()
    assert 'localcast_playlists_served_total{status="304"} 3.0' in text
    assert "localcast_playlist_not_modified_share 0.75" in text

    metrics.start()
    try:
        metrics.playlist_served("200")
        deadline = time.monotonic() + 5
        served = _samples(metrics.registry, "localcast_playlists_served")
        while served[("localcast_playlists_served_total", (("status", "200"),))] < 2:
            assert time.monotonic() < deadline, "the background flush did not run"
            time.sleep(0.05)
            served = _samples(metrics.registry, "localcast_playlists_served")
    finally:
        metrics.stop()
