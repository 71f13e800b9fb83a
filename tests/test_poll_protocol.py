"""Playlist polls answered inside the HTTP protocol (``playlists.poll_protocol``), over a socket."""

from __future__ import annotations

import gzip
import json
import logging
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from screen_fixtures import LiveServer, publish_playlist
from sqlalchemy import Engine, select

from playlists.poll import PlaylistPoll
from playlists.serving import render_body
from scheduler.db import session_scope
from scheduler.models import Playlist, Screen
from scheduler.screens import register_screen, revoke_token


@pytest.fixture
def through_asgi(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Paths of the polls that went the ASGI way rather than being answered in the protocol."""
    paths: list[str] = []
    original = PlaylistPoll.asgi

    async def counting(self, scope, receive, send) -> bool:  # type: ignore[no-untyped-def]
        handled = await original(self, scope, receive, send)
        if handled:
            paths.append(scope["path"])
        return handled

    monkeypatch.setattr(PlaylistPoll, "asgi", counting)
    return paths


@pytest.fixture
def city(engine: Engine, tmp_path: Path) -> Iterator[tuple[LiveServer, dict]]:
    """Two screens with playlists, and the API with its snapshot refreshing as in production."""
    live = LiveServer(engine, tmp_path / "data", refresh_s=0.5)
    screens = {}
    with session_scope(engine) as session:
        for name in ("Mine", "Other"):
            screen, token = register_screen(session, name)
            published = publish_playlist(session, screen, live.storage)
            screens[name] = (screen.id, token, published.playlist.etag)
    live.start()
    try:
        yield live, screens
    finally:
        live.stop()


def _request(path: str, token: str, *extra: str) -> bytes:
    lines = [f"GET {path} HTTP/1.1", "Host: screens", f"Authorization: Bearer {token}", *extra]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _read_response(reader) -> tuple[int, dict[str, str], bytes]:  # type: ignore[no-untyped-def]
    status = int(reader.readline().split()[1])
    headers: dict[str, str] = {}
    while (line := reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    body = reader.read(int(headers.get("content-length", "0")))
    return status, headers, body


def test_plain_polls_are_answered_in_the_protocol(
    engine: Engine, city: tuple[LiveServer, dict], through_asgi: list[str]
) -> None:
    live, screens = city
    mine, token, etag = screens["Mine"]
    other = screens["Other"][0]
    url = f"/api/v1/screens/{mine}/playlist"
    with httpx.Client(base_url=live.url, timeout=10) as http:
        for _ in range(2):  # the first poll may render the body; the second finds it cached
            warm = http.get(url, headers={"Authorization": f"Bearer {token}"})
            assert warm.status_code == 200
    through_asgi.clear()

    requests = [
        _request(url, token, f'If-None-Match: "{etag}"', "Connection: keep-alive"),
        _request(url, token, "accept-encoding: gzip, deflate"),
        _request(f"/api/v1/screens/{other}/playlist", token),
        _request(url, token, "Accept-Encoding: identity"),
        _request(url, "scr_x", "Authorization:  Bearer   "),  # the last one counts, empty
    ]
    with socket.create_connection(("127.0.0.1", live.port), timeout=10) as sock:
        reader = sock.makefile("rb")
        answers = []
        for request in requests:  # one at a time on one connection, as a screen polls
            sock.sendall(request)
            answers.append(_read_response(reader))

    assert [status for status, _, _ in answers] == [304, 200, 403, 200, 401]
    not_modified, zipped, forbidden, plain, unauthenticated = answers
    assert not_modified[1]["etag"] == f'"{etag}"' and not_modified[2] == b""
    assert zipped[1]["content-encoding"] == "gzip"
    with session_scope(engine) as session:
        document = session.scalars(
            select(Playlist.document).where(Playlist.screen_id == mine).order_by(Playlist.id.desc())
        ).first()
    expected = json.loads(render_body(document, mine, 60))
    assert json.loads(gzip.decompress(zipped[2])) == expected
    assert json.loads(plain[2]) == expected and "content-encoding" not in plain[1]
    assert json.loads(forbidden[2])["error"] == "forbidden"
    assert unauthenticated[1]["www-authenticate"] == "Bearer"
    assert through_asgi == []  # all five answered in the protocol

    with httpx.Client(base_url=live.url, timeout=10) as http:
        served = http.get("/metrics").text
    assert 'localcast_playlists_served_total{status="304"}' in served


def test_what_the_protocol_does_not_answer_goes_through_asgi(
    city: tuple[LiveServer, dict], through_asgi: list[str]
) -> None:
    live, screens = city
    mine, token, etag = screens["Mine"]
    url = f"/api/v1/screens/{mine}/playlist"
    with httpx.Client(base_url=live.url, timeout=10) as http:
        http.get(url, headers={"Authorization": f"Bearer {token}"})
        through_asgi.clear()
        # An unknown token needs the database; a query string makes it no plain poll.
        unknown = http.get(url, headers={"Authorization": "Bearer scr_unknown"})
        assert unknown.status_code == 401 and unknown.json()["error"] == "unauthenticated"
        query = http.get(url + "?x=1", headers={"Authorization": f"Bearer {token}"})
        assert query.status_code == 200
    assert through_asgi == [url, url]

    with socket.create_connection(("127.0.0.1", live.port), timeout=10) as sock:
        reader = sock.makefile("rb")
        # Two requests in one segment (pipelined): both answered, in order.
        sock.sendall(
            _request(url, token, f'If-None-Match: "{etag}"') + _request(url, token, "X-A: b")
        )
        assert [_read_response(reader)[0] for _ in range(2)] == [304, 200]
        # One request split over two segments.
        whole = _request(url, token, f'If-None-Match: "{etag}"')
        sock.sendall(whole[:30])
        time.sleep(0.2)
        sock.sendall(whole[30:])
        assert _read_response(reader)[0] == 304
        # A body announced on a GET is read by the parser, not left for the next request.
        sock.sendall(_request(url, token, "Content-Length: 3") + b"abc")
        assert _read_response(reader)[0] == 200
        # "Connection: close": answered, then the connection is closed.
        sock.sendall(_request(url, token, "Connection: close"))
        status, headers, _ = _read_response(reader)
        assert status == 200 and headers.get("connection") == "close"
        assert reader.read() == b""
    assert len(through_asgi) == 7


def test_repeated_polls_are_remembered_until_the_snapshot_changes(
    engine: Engine, city: tuple[LiveServer, dict], monkeypatch: pytest.MonkeyPatch
) -> None:
    live, screens = city
    mine, token, etag = screens["Mine"]
    url = f"/api/v1/screens/{mine}/playlist"
    answered: list[int] = []
    original = PlaylistPoll.respond

    def counting(self, screen_id, *args, **kwargs):  # type: ignore[no-untyped-def]
        answered.append(screen_id)
        return original(self, screen_id, *args, **kwargs)

    monkeypatch.setattr(PlaylistPoll, "respond", counting)
    poll = _request(url, token, f'If-None-Match: "{etag}"')
    with socket.create_connection(("127.0.0.1", live.port), timeout=10) as sock:
        reader = sock.makefile("rb")

        def send(request: bytes) -> tuple[int, dict[str, str], bytes]:
            sock.sendall(request)
            return _read_response(reader)

        def until(status: int) -> tuple[int, dict[str, str], bytes]:
            deadline = time.monotonic() + 5
            while (answer := send(poll))[0] != status:
                assert time.monotonic() < deadline, f"no {status} within 5 s"
                time.sleep(0.05)
            return answer

        until(304)
        directory = live.app.poll.directory
        directory.flush_seen()
        with session_scope(engine) as session:
            session.get(Screen, mine).last_seen_at = None
        answered.clear()
        for _ in range(20):
            assert send(poll)[0] == 304
        assert len(answered) < 20  # mostly answered from the memo, without looking anything up
        directory.flush_seen()  # a remembered answer still counts as the screen being seen
        with session_scope(engine) as session:
            assert session.get(Screen, mine).last_seen_at is not None

        with session_scope(engine) as session:
            screen = session.get(Screen, mine)
            newer = publish_playlist(session, screen, live.storage).playlist.etag
        _, headers, body = until(200)  # the same bytes, a new playlist: not the old answer
        assert headers["etag"] == f'"{newer}"'
        assert json.loads(body)["version"] > 1

        with session_scope(engine) as session:
            revoke_token(session, mine)
        _, _, body = until(401)
        assert json.loads(body)["error"] == "unauthenticated"


def test_idle_connections_close_after_the_keep_alive_timeout(
    engine: Engine, tmp_path: Path
) -> None:
    live = LiveServer(engine, tmp_path / "data", refresh_s=0.5, keep_alive_s=1)
    with session_scope(engine) as session:
        screen, token = register_screen(session, "Kept")
        etag = publish_playlist(session, screen, live.storage).playlist.etag
        url = f"/api/v1/screens/{screen.id}/playlist"
    live.start()
    try:
        with socket.create_connection(("127.0.0.1", live.port), timeout=10) as sock:
            reader = sock.makefile("rb")
            started = time.monotonic()
            while time.monotonic() - started < 2.5:  # busy for longer than the timeout
                sock.sendall(_request(url, token, f'If-None-Match: "{etag}"'))
                assert _read_response(reader)[0] == 304
                answered = time.monotonic()
                time.sleep(0.3)
            assert reader.read() == b""  # then idle: the server closes the connection
            assert 0.9 < time.monotonic() - answered < 3
    finally:
        live.stop()


def test_access_log_names_the_client_behind_the_proxy(
    city: tuple[LiveServer, dict], through_asgi: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    live, screens = city
    mine, token, etag = screens["Mine"]
    url = f"/api/v1/screens/{mine}/playlist"
    caplog.set_level(logging.INFO, logger="localcast.access")
    headers = {
        "Authorization": f"Bearer {token}",
        "If-None-Match": f'"{etag}"',
        "X-Forwarded-For": "203.0.113.7",
    }
    with httpx.Client(base_url=live.url, timeout=10) as http:
        for _ in range(3):
            assert http.get(url, headers=headers).status_code == 304
    records = [json.loads(r.getMessage()) for r in caplog.records if r.name == "localcast.access"]
    polls = [r for r in records if r["route"] == "/api/v1/screens/{screen_id}/playlist"]
    assert len(polls) == 3
    assert {r["client"] for r in polls} == {"203.0.113.7"}
    assert {r["screen_id"] for r in polls} == {mine} and {r["status"] for r in polls} == {304}
    assert len(through_asgi) < 3  # at least one of them was answered in the protocol
