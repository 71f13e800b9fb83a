"""The screen API over real HTTP (uvicorn on a free port), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from screen_fixtures import LiveServer, make_staff, publish_playlist
from sqlalchemy import Engine, func, select

from playlists.serving import render_body
from scheduler.db import session_scope
from scheduler.errors import Conflict, ValidationFailed
from scheduler.models import PairingCode, Play, Screen
from scheduler.pairing import claim_code
from scheduler.screens import issue_token, register_screen, revoke_token


@pytest.fixture
def server(engine: Engine, tmp_path: Path) -> Iterator[LiveServer]:
    live = LiveServer(engine, tmp_path / "data")
    live.start()
    yield live
    live.stop()


@pytest.fixture
def client(server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=10) as http:
        yield http


def _screen(engine: Engine, name: str) -> tuple[int, str]:
    with session_scope(engine) as session:
        screen, token = register_screen(session, name)
        return screen.id, token


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_pairing_end_to_end(engine: Engine, server: LiveServer, client: httpx.Client) -> None:
    started = client.post("/api/v1/pairing")
    assert started.status_code == 201
    code, secret = started.json()["code"], started.json()["device_secret"]
    assert len(code) == 6 and code.isalnum() and not set(code) & set("01OIL")

    waiting = client.get(f"/api/v1/pairing/{code}", headers=_auth(secret))
    assert waiting.status_code == 200 and waiting.json()["status"] == "waiting"
    wrong = client.get(f"/api/v1/pairing/{code}", headers=_auth("pair_wrong"))
    assert wrong.status_code == 401 and wrong.json()["error"] == "unauthenticated"

    with session_scope(engine) as session:
        staff = make_staff(session)
        screen = claim_code(
            session, code.lower(), new_screen_fields={"name": "Lobby"}, staff_user_id=staff.id
        )
        screen_id, staff_id = screen.id, staff.id
    with session_scope(engine) as session, pytest.raises(Conflict):
        claim_code(session, code, screen_id=screen_id, staff_user_id=staff_id)

    paired = client.get(f"/api/v1/pairing/{code}", headers=_auth(secret))
    assert paired.status_code == 200
    body = paired.json()
    assert body["status"] == "paired" and body["screen_id"] == screen_id
    token = body["token"]
    assert token.startswith("scr_")
    again = client.get(f"/api/v1/pairing/{code}", headers=_auth(secret))
    assert again.status_code == 409 and again.json()["error"] == "delivered"
    with session_scope(engine) as session:
        row = session.scalar(select(PairingCode).where(PairingCode.code == code))
        assert row.pending_token is None and row.delivered_at is not None
        assert session.get(Screen, screen_id).token_hash not in (None, token)

    # The token is the screen's: no playlist yet, but authenticated.
    answer = client.get(f"/api/v1/screens/{screen_id}/playlist", headers=_auth(token))
    assert answer.status_code == 404 and answer.json()["error"] == "no_playlist"


def test_expired_code_cannot_be_claimed(engine: Engine, client: httpx.Client) -> None:
    code = client.post("/api/v1/pairing").json()["code"]
    with session_scope(engine) as session:
        staff = make_staff(session)
        later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=16)
        with pytest.raises(ValidationFailed) as refused:
            claim_code(
                session, code, new_screen_fields={"name": "X"}, staff_user_id=staff.id, now=later
            )
        assert refused.value.code == "expired"


def test_playlist_auth_etag_and_gzip(
    engine: Engine, server: LiveServer, client: httpx.Client
) -> None:
    mine, token = _screen(engine, "Mine")
    other, other_token = _screen(engine, "Other")
    with session_scope(engine) as session:
        published = publish_playlist(session, session.get(Screen, mine), server.storage)
        publish_playlist(session, session.get(Screen, other), server.storage)
        etag = published.playlist.etag

    url = f"/api/v1/screens/{mine}/playlist"
    assert client.get(url).status_code == 401
    assert client.get(url).headers["www-authenticate"] == "Bearer"
    assert client.get(url, headers=_auth("scr_nope")).status_code == 401
    forbidden = client.get(f"/api/v1/screens/{other}/playlist", headers=_auth(token))
    assert forbidden.status_code == 403 and forbidden.json()["error"] == "forbidden"

    first = client.get(url, headers={**_auth(token), "Accept-Encoding": "gzip"})
    assert first.status_code == 200
    assert first.headers["etag"] == f'"{etag}"'
    assert first.headers["content-encoding"] == "gzip"
    doc = first.json()
    assert doc["version"] == published.document["version"]
    item = doc["items"][next(iter(published.allocations))]
    assert item["url"] == f"/files/{item['media']}" and item["size_bytes"] > 0
    assert item["impressions_multiplier"] == pytest.approx(0.8)
    assert doc["poll"] == {"interval_s": 60, "offset_s": (mine * 7919) % 60}
    # Spliced from the stored document's parts, the body is the whole document enriched.
    assert doc == json.loads(render_body(published.playlist.document, mine, 60))
    assert all(entry["url"].startswith("/files/") for entry in doc["media"].values())

    second = client.get(url, headers={**_auth(token), "If-None-Match": first.headers["etag"]})
    assert second.status_code == 304 and second.content == b""
    assert second.headers["etag"] == first.headers["etag"]
    stale = client.get(url, headers={**_auth(token), "If-None-Match": '"old", W/"older"'})
    assert stale.status_code == 200

    with session_scope(engine) as session:
        newer = publish_playlist(session, session.get(Screen, mine), server.storage)
    changed = client.get(url, headers={**_auth(token), "If-None-Match": first.headers["etag"]})
    assert changed.status_code == 200
    assert changed.headers["etag"] == f'"{newer.playlist.etag}"'
    assert changed.json()["version"] == newer.document["version"]

    with session_scope(engine) as session:
        revoke_token(session, mine)
    assert client.get(url, headers=_auth(token)).status_code == 401
    with session_scope(engine) as session:
        fresh = issue_token(session.get(Screen, mine))
    assert client.get(url, headers=_auth(fresh)).status_code == 200


def _play(published, item_id: str, when: dt.datetime, duration_ms: int = 10_000) -> dict:
    return {
        "play_id": uuid.uuid4().hex,
        "item_id": item_id,
        "started_at": when.isoformat().replace("+00:00", "Z"),
        "duration_ms": duration_ms,
    }


def _plays_in_db(engine: Engine, screen_id: int) -> list[Play]:
    with session_scope(engine) as session:
        return list(session.scalars(select(Play).where(Play.screen_id == screen_id)))


def test_retried_batch_is_stored_once(
    engine: Engine, server: LiveServer, client: httpx.Client
) -> None:
    screen_id, token = _screen(engine, "Retry")
    with session_scope(engine) as session:
        published = publish_playlist(session, session.get(Screen, screen_id), server.storage)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    starts = [now - dt.timedelta(seconds=30 + 10 * i) for i in range(6)]
    batch = {"plays": [_play(published, published.item_at(t), t) for t in starts]}
    url = f"/api/v1/screens/{screen_id}/plays"

    first = client.post(url, json=batch, headers=_auth(token))
    assert first.status_code == 200, first.text
    assert len(first.json()["accepted"]) == 6 and first.json()["refused"] == []
    retry = client.post(url, json=batch, headers=_auth(token))
    assert retry.status_code == 200
    assert retry.json()["accepted"] == [] and sorted(retry.json()["duplicates"]) == sorted(
        p["play_id"] for p in batch["plays"]
    )
    rows = _plays_in_db(engine, screen_id)
    assert len(rows) == 6
    assert {r.play_uid for r in rows} == {p["play_id"] for p in batch["plays"]}
    for row in rows:
        if row.item_id == "house":
            assert row.price_krw == 0 and row.campaign_id is None
        else:
            allocation = published.allocations[row.item_id]
            assert row.allocation_id == allocation.id
            assert row.price_krw == allocation.price_krw
            assert row.campaign_id == allocation.campaign_id
            assert row.impressions == pytest.approx(allocation.impressions_multiplier)
        assert row.playlist_id == published.playlist.id
    with session_scope(engine) as session:
        assert session.get(Screen, screen_id).last_seen_at is not None


def test_partial_batch_gives_a_reason_per_play(
    engine: Engine, server: LiveServer, client: httpx.Client
) -> None:
    screen_id, token = _screen(engine, "Partial")
    other_id, _ = _screen(engine, "Elsewhere")
    with session_scope(engine) as session:
        published = publish_playlist(session, session.get(Screen, screen_id), server.storage)
        elsewhere = publish_playlist(session, session.get(Screen, other_id), server.storage)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    good_at = now - dt.timedelta(seconds=40)
    paid_item = next(iter(published.allocations))
    alloc_hour = published.allocations[paid_item].hour_start
    other_hour_item = next(
        i for i, a in published.allocations.items() if a.hour_start != alloc_hour
    )
    plays = [
        _play(published, published.item_at(good_at), good_at),  # kept
        _play(published, published.item_at(good_at), good_at, duration_ms=4_000),
        _play(published, next(iter(elsewhere.allocations)), good_at),  # another screen's item
        _play(published, "a999999", good_at),
        _play(published, "house", now + dt.timedelta(minutes=5)),
        {"play_id": "x" * 80, "item_id": "house", "started_at": "yesterday", "duration_ms": 1},
        {
            "play_id": "p-naive",
            "item_id": "house",
            "started_at": "2026-01-01T00:00:00",
            "duration_ms": 10_000,
        },
        _play(published, other_hour_item, alloc_hour + dt.timedelta(minutes=10)),
        _play(published, "house", good_at),  # kept
    ]
    answer = client.post(
        f"/api/v1/screens/{screen_id}/plays", json={"plays": plays}, headers=_auth(token)
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    reasons = {r["index"]: r["reason"] for r in body["refused"]}
    assert reasons == {
        1: "not_full_length",
        2: "unknown_item",
        3: "unknown_item",
        4: "from_the_future",
        5: "malformed",
        6: "malformed",
        7: "wrong_hour",
    }
    assert all(r["message"] for r in body["refused"])
    assert sorted(body["accepted"]) == sorted([plays[0]["play_id"], plays[8]["play_id"]])
    assert {r.play_uid for r in _plays_in_db(engine, screen_id)} == set(body["accepted"])
    assert _plays_in_db(engine, other_id) == []

    # Not even an object: the batch does not follow the schema at all.
    garbage = {"plays": [plays[0], "not a play"]}
    refused = client.post(f"/api/v1/screens/{screen_id}/plays", json=garbage, headers=_auth(token))
    assert refused.status_code == 422 and refused.json()["details"]
    too_many = {"plays": [plays[0]] * 1001}
    refused = client.post(f"/api/v1/screens/{screen_id}/plays", json=too_many, headers=_auth(token))
    assert refused.status_code == 422 and refused.json()["error"] == "invalid"
    assert (
        client.post(
            f"/api/v1/screens/{other_id}/plays", json={"plays": []}, headers=_auth(token)
        ).status_code
        == 403
    )


def test_files_are_immutable_and_support_range(
    engine: Engine, server: LiveServer, client: httpx.Client
) -> None:
    data = bytes(range(256)) * 40
    sha = server.storage.put(data, "application/octet-stream")
    whole = client.get(f"/files/{sha}")
    assert whole.status_code == 200 and whole.content == data
    assert whole.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert whole.headers["accept-ranges"] == "bytes"
    assert whole.headers["etag"] == f'"{sha}"'
    part = client.get(f"/files/{sha}", headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.content == data[100:200]
    assert part.headers["content-range"] == f"bytes 100-199/{len(data)}"
    tail = client.get(f"/files/{sha}", headers={"Range": "bytes=-10"})
    assert tail.status_code == 206 and tail.content == data[-10:]
    assert client.get(f"/files/{sha}", headers={"Range": "bytes=99999-"}).status_code == 416
    png = server.storage.put(b"\x89PNG\r\n\x1a\n" + b"0" * 100, "image/png")
    assert client.get(f"/files/{png}").headers["content-type"] == "image/png"
    missing = client.get("/files/" + "0" * 64)
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"
    assert client.get("/files/../etc/passwd").status_code == 404


def test_operations_endpoints(engine: Engine, server: LiveServer, client: httpx.Client) -> None:
    screen_id, token = _screen(engine, "Ops")
    with session_scope(engine) as session:
        publish_playlist(session, session.get(Screen, screen_id), server.storage)
    url = f"/api/v1/screens/{screen_id}/playlist"
    etag = client.get(url, headers=_auth(token)).headers["etag"]
    for _ in range(3):
        assert client.get(url, headers={**_auth(token), "If-None-Match": etag}).status_code == 304
    health = client.get("/healthz")
    assert health.status_code == 200 and health.json() == {"status": "ok", "database": "ok"}
    metrics = client.get("/metrics").text
    assert 'localcast_playlists_served_total{status="304"} 3.0' in metrics
    assert "localcast_playlist_not_modified_share 0.75" in metrics
    assert "localcast_screens_seen_5m 1" in metrics
    assert 'route="/api/v1/screens/{screen_id}/playlist"' in metrics
    assert "localcast_http_request_seconds_bucket" in metrics
    schema = client.get("/openapi.json").json()
    assert "/api/v1/screens/{screen_id}/plays" in schema["paths"]
    unknown = client.get("/nowhere")
    assert unknown.status_code == 404 and unknown.json()["error"] == "not_found"
    bad = client.post(
        f"/api/v1/screens/{screen_id}/plays",
        content=b"{not json",
        headers={**_auth(token), "Content-Type": "application/json"},
    )
    assert bad.status_code == 422 and "Traceback" not in bad.text
    player = client.get("/player/")
    assert player.status_code == 200 and "player.js" in player.text
    with session_scope(engine) as session:
        n = session.scalar(select(func.count()).select_from(Screen))
    assert n == 1


def test_snapshot_follows_revocation_rotation_and_publishing(
    engine: Engine, tmp_path: Path
) -> None:
    """With the per-worker snapshot on (as in production), changes show within 2 s."""
    live = LiveServer(engine, tmp_path / "data", refresh_s=0.5)
    screen_id, token = _screen(engine, "Snapshot")
    with session_scope(engine) as session:
        first = publish_playlist(session, session.get(Screen, screen_id), live.storage)
    live.start()
    try:
        url = f"/api/v1/screens/{screen_id}/playlist"
        with httpx.Client(base_url=live.url, timeout=10) as http:
            plain = http.get(url, headers={**_auth(token), "Accept-Encoding": "identity"})
            assert plain.status_code == 200 and plain.headers["vary"] == "Accept-Encoding"
            assert "content-encoding" not in plain.headers
            assert plain.json()["version"] == first.document["version"]
            tag = plain.headers["etag"]
            assert http.get(url, headers={**_auth(token), "If-None-Match": tag}).status_code == 304

            # The snapshot is at most 1 s old (twice refresh_s); the bound below leaves room
            # for a slow machine's request latency on top.
            def until(status: int, headers: dict[str, str]) -> float:
                started = time.monotonic()
                while time.monotonic() - started < 5:
                    if http.get(url, headers=headers).status_code == status:
                        return time.monotonic() - started
                    time.sleep(0.05)
                raise AssertionError(f"no {status} within 5 s")

            with session_scope(engine) as session:
                newer = publish_playlist(session, session.get(Screen, screen_id), live.storage)
            assert until(200, {**_auth(token), "If-None-Match": tag}) < 3.0
            fresh = http.get(url, headers=_auth(token))
            assert fresh.headers["etag"] == f'"{newer.playlist.etag}"'

            with session_scope(engine) as session:
                revoke_token(session, screen_id)
            assert until(401, _auth(token)) < 3.0
            assert http.get(url, headers=_auth(token)).status_code == 401
            with session_scope(engine) as session:
                rotated = issue_token(session.get(Screen, screen_id))
            # A token the snapshot does not hold yet is looked up at once.
            assert http.get(url, headers=_auth(rotated)).status_code == 200
            assert http.get(url, headers=_auth(token)).status_code == 401
    finally:
        live.stop()
