"""``localcast serve`` as production runs it: a separate process with 2 workers over real HTTP, on
uvicorn (the default; SQLite and PostgreSQL) and on granian (``--server granian``; SQLite)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from screen_fixtures import free_port, publish_playlist
from sqlalchemy import Engine

from assets.storage import LocalStorage
from scheduler.db import session_scope
from scheduler.models import Screen
from scheduler.screens import register_screen, revoke_token
from scheduler.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def served(server: str, engine: Engine, tmp_path: Path) -> Iterator[str]:
    port = free_port()
    url = engine.url.render_as_string(hide_password=False)
    env = {**os.environ, "LOCALCAST_DATABASE_URL": url, "LOCALCAST_DATA_DIR": str(tmp_path)}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "scheduler.cli", "serve", "--server", server]
        + ["--port", str(port), "--workers", "2", "--no-access-log"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"serve did not start: {process.stderr.read().decode()[-800:]}")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        assert process.wait(timeout=30) == 0


def _gauge(exposition: str, name: str) -> float:
    for line in exposition.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return 0.0


def _eventually(check, seconds: float = 10) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "no change seen in time"
        time.sleep(0.2)


def test_uvicorn_serves_polls_and_follows_the_database(engine: Engine, tmp_path: Path) -> None:
    with served("uvicorn", engine, tmp_path) as base:
        _polls_and_follows(base, engine, tmp_path)


def test_granian_serves_polls_and_follows_the_database(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    with served("granian", sqlite_engine, tmp_path) as base:
        _polls_and_follows(base, sqlite_engine, tmp_path)


def _polls_and_follows(served: str, engine: Engine, tmp_path: Path) -> None:
    storage = LocalStorage(Settings(data_dir=tmp_path).assets_dir)
    with session_scope(engine) as session:
        screen, token = register_screen(session, "front door")
        other, _ = register_screen(session, "back door")
        publish_playlist(session, screen, storage, hours=2, campaigns=1)
        screen_id, other_id = screen.id, other.id
    auth = {"Authorization": f"Bearer {token}", "Accept-Encoding": "gzip"}
    with httpx.Client(base_url=served, timeout=10) as http:
        # Before any screen asks, both workers' background threads (started by the ASGI lifespan)
        # see the new playlist and render it.
        _eventually(
            lambda: _gauge(http.get("/metrics").text, "localcast_playlist_bodies_cached") >= 2
        )
        assert http.get(f"/api/v1/screens/{screen_id}/playlist").status_code == 401
        assert http.get(f"/api/v1/screens/{other_id}/playlist", headers=auth).status_code == 403
        # Every request may land on either worker: each must know the screen and its playlist.
        answers = [
            http.get(f"/api/v1/screens/{screen_id}/playlist", headers=auth) for _ in range(6)
        ]
        assert {a.status_code for a in answers} == {200}
        assert answers[0].headers["content-encoding"] == "gzip"
        assert answers[0].json()["screen_id"] == screen_id
        etag = answers[0].headers["etag"]
        assert {a.headers["etag"] for a in answers} == {etag}
        polled = http.get(
            f"/api/v1/screens/{screen_id}/playlist", headers={**auth, "If-None-Match": etag}
        )
        assert polled.status_code == 304 and polled.content == b""
        # Counters from both workers reach /metrics.
        metrics = http.get("/metrics").text
        assert 'localcast_playlists_served_total{status="200"} 6.0' in metrics
        assert 'localcast_playlists_served_total{status="304"} 1.0' in metrics

        # A new playlist and a revoked token reach both workers without a restart.
        with session_scope(engine) as session:
            publish_playlist(session, session.get(Screen, screen_id), storage, hours=2, version=2)

        def replaced() -> bool:
            answer = http.get(
                f"/api/v1/screens/{screen_id}/playlist", headers={**auth, "If-None-Match": etag}
            )
            return answer.status_code == 200 and answer.headers["etag"] != etag

        _eventually(lambda: all(replaced() for _ in range(4)))
        with session_scope(engine) as session:
            revoke_token(session, screen_id)
        _eventually(
            lambda: all(
                http.get(f"/api/v1/screens/{screen_id}/playlist", headers=auth).status_code == 401
                for _ in range(4)
            )
        )
