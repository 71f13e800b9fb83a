"""Changing a registered screen's location, size, hours, visibility and price, with validation."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.errors import Conflict, NotFound, ValidationFailed
from scheduler.models import Screen, Zone

EDITABLE = (
    "name",
    "zone_id",
    "latitude",
    "longitude",
    "width_px",
    "height_px",
    "slot_seconds",
    "open_hour",
    "close_hour",
    "visibility_factor",
    "base_price_krw",
    "traffic_location",
    "status",
)


def _check(screen: Screen, fields: dict[str, Any], session: Session) -> None:
    unknown = sorted(set(fields) - set(EDITABLE))
    if unknown:
        raise ValidationFailed(f"These screen fields cannot be changed here: {', '.join(unknown)}.")
    name = fields.get("name", screen.name)
    if not str(name).strip():
        raise ValidationFailed("A screen needs a name.")
    if name != screen.name:
        clash = session.scalar(select(Screen.id).where(Screen.name == name, Screen.id != screen.id))
        if clash is not None:
            raise Conflict(f"Another screen is already named {name!r}.")
    zone_id = fields.get("zone_id", screen.zone_id)
    if zone_id is not None and session.get(Zone, zone_id) is None:
        raise ValidationFailed(f"There is no zone with id {zone_id}.")
    lat = fields.get("latitude", screen.latitude)
    lon = fields.get("longitude", screen.longitude)
    if lat is not None and not -90 <= lat <= 90:
        raise ValidationFailed(f"Latitude {lat} is outside -90..90.")
    if lon is not None and not -180 <= lon <= 180:
        raise ValidationFailed(f"Longitude {lon} is outside -180..180.")
    width = fields.get("width_px", screen.width_px)
    height = fields.get("height_px", screen.height_px)
    if width <= 0 or height <= 0:
        raise ValidationFailed(f"Screen size {width}x{height} must be positive.")
    if fields.get("slot_seconds", screen.slot_seconds) <= 0:
        raise ValidationFailed("The slot length must be at least one second.")
    opens = fields.get("open_hour", screen.open_hour)
    closes = fields.get("close_hour", screen.close_hour)
    if not (0 <= opens <= 23 and 1 <= closes <= 24 and opens < closes):
        raise ValidationFailed(
            f"Operating hours {opens}-{closes} must open at 0-23 and close later, by 24 at most."
        )
    if fields.get("visibility_factor", screen.visibility_factor) < 0:
        raise ValidationFailed("The visibility factor cannot be negative (1 = fully visible).")
    if fields.get("base_price_krw", screen.base_price_krw) < 0:
        raise ValidationFailed("The base price cannot be negative.")
    if fields.get("status", screen.status) not in ("active", "retired"):
        raise ValidationFailed("A screen's status is either active or retired.")


def update_screen(session: Session, screen_id: int, **fields: Any) -> Screen:
    """Change the given fields of a screen; nothing changes when any value is refused."""
    screen = session.get(Screen, screen_id)
    if screen is None:
        raise NotFound(f"There is no screen with id {screen_id}.")
    if "name" in fields:
        fields["name"] = str(fields["name"]).strip()
    if "traffic_location" in fields and not (fields["traffic_location"] or "").strip():
        fields["traffic_location"] = None
    _check(screen, fields, session)
    for key, value in fields.items():
        setattr(screen, key, value)
    session.flush()
    return screen
