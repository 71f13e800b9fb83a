"""Editing a registered screen: values are validated and nothing changes when one is refused."""

from __future__ import annotations

import pytest

from scheduler.db import session_scope
from scheduler.errors import Conflict, NotFound, ValidationFailed
from scheduler.models import Screen, Zone
from scheduler.screen_settings import update_screen
from scheduler.screens import register_screen


def test_update_screen_changes_fields_and_refuses_bad_values(engine) -> None:
    with session_scope(engine) as s:
        zone = Zone(name="Market", kind="market")
        s.add(zone)
        s.flush()
        first, _ = register_screen(s, "First")
        register_screen(s, "Second")
        zone_id, screen_id = zone.id, first.id
    with session_scope(engine) as s:
        update_screen(
            s,
            screen_id,
            zone_id=zone_id,
            latitude=36.5,
            longitude=127.2,
            open_hour=7,
            close_hour=22,
            visibility_factor=0.7,
            traffic_location="  ",
        )
    with session_scope(engine) as s:
        screen = s.get(Screen, screen_id)
        assert (screen.zone_id, screen.open_hour, screen.close_hour) == (zone_id, 7, 22)
        assert screen.visibility_factor == pytest.approx(0.7)
        assert screen.traffic_location is None
    bad = [
        ({"open_hour": 20, "close_hour": 20}, ValidationFailed, "Operating hours"),
        ({"visibility_factor": -0.1}, ValidationFailed, "visibility"),
        ({"latitude": 91.0}, ValidationFailed, "Latitude"),
        ({"zone_id": 999}, ValidationFailed, "zone"),
        ({"name": "Second"}, Conflict, "Second"),
        ({"token_hash": "x"}, ValidationFailed, "token_hash"),
        ({"width_px": 0}, ValidationFailed, "size"),
    ]
    for fields, error, words in bad:
        with pytest.raises(error, match=words), session_scope(engine) as s:
            update_screen(s, screen_id, **fields)
    with session_scope(engine) as s:
        screen = s.get(Screen, screen_id)
        assert (screen.name, screen.open_hour, screen.width_px) == ("First", 7, 1080)
    with pytest.raises(NotFound), session_scope(engine) as s:
        update_screen(s, 12345, name="x")
