"""Schemathesis over the screen API: no 5xx, and every answer matches the published schema."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from screen_fixtures import publish_playlist
from sqlalchemy import Engine

from assets.storage import LocalStorage
from playlists.api import create_app
from scheduler.db import session_scope
from scheduler.models import Screen
from scheduler.screens import register_screen
from scheduler.settings import Settings

STATE: dict[str, Any] = {}


def _api_schema(engine: Engine, tmp_path: Path) -> Any:
    app_settings = Settings(data_dir=tmp_path / "data")
    storage = LocalStorage(app_settings.assets_dir)
    with session_scope(engine) as session:
        screen, token = register_screen(session, "Fuzzed")
        published = publish_playlist(session, session.get(Screen, screen.id), storage)
        STATE.update(
            screen_id=screen.id,
            token=token,
            item=next(iter(published.allocations)),
            sha=next(iter(published.document["media"])),
        )
    app = create_app(engine, app_settings, storage=storage)
    return schemathesis.openapi.from_asgi("/openapi.json", app)


def _exercise(case: Any) -> None:
    # Half the cases speak as the real screen about itself, so the deep paths run too.
    if case.path_parameters and "screen_id" in case.path_parameters:
        if hash(repr(case.path_parameters)) % 2 == 0:
            case.path_parameters["screen_id"] = STATE["screen_id"]
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {STATE['token']}"}
    if case.path_parameters and "sha256" in case.path_parameters and len(repr(case)) % 2:
        case.path_parameters["sha256"] = STATE["sha"]
    body = case.body
    if isinstance(body, dict) and isinstance(body.get("plays"), list) and body["plays"]:
        started = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
        body["plays"].append(
            {
                "play_id": "fuzz-1",
                "item_id": STATE["item"],
                "started_at": started.isoformat(),
                "duration_ms": 10_000,
            }
        )
    response = case.call_and_validate()
    assert response.status_code < 500


def test_screen_api_conforms_to_its_schema(sqlite_engine: Engine, tmp_path: Path) -> None:
    schema = _api_schema(sqlite_engine, tmp_path)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 6
    for operation in operations:
        run = settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))(
            given(case=operation.as_strategy())(_exercise)
        )
        run()
