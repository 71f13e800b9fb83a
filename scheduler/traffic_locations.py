"""Which traffic location stands for which screen (pure: frames in, dictionaries out).

Each screen is fed by at most one location, chosen in this order:

1. the mapping file (CSV ``location,screen_id``; ``screen_id`` may also be a screen's name);
2. the screen's own ``traffic_location``;
3. the nearest sensor of a sensor-locations file (``sensor_id``, ``sensor_description``,
   ``latitude``, ``longitude``, optionally ``sensor_name``) within ``max_distance_m`` of the
   screen; the sensor is then known by its description, id and name;
4. a location written as the screen's id: ``12`` for a screen no other rule feeds, and always
   in a long file whose location column is ``screen_id``.

Several screens may share a location (two screens at one crossing see the same people).
"""

from __future__ import annotations

import io
from collections.abc import Mapping

import numpy as np
import pandas as pd

from scheduler.traffic_parse import normalise_name

EARTH_RADIUS_M = 6_371_000.0
DEFAULT_MAX_DISTANCE_M = 500.0


class MappingError(ValueError):
    """A mapping or sensor file cannot be used; the message says why."""


def read_mapping_csv(data: bytes) -> dict[str, str]:
    """``{location: screen id or name}`` from a CSV with ``location`` and ``screen_id`` columns."""
    frame = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)
    frame.columns = [c.strip().lower() for c in frame.columns]
    screen_col = next((c for c in ("screen_id", "screen") if c in frame.columns), None)
    if "location" not in frame.columns or screen_col is None:
        raise MappingError(
            "A mapping file needs the columns 'location' and 'screen_id' "
            f"(found: {', '.join(frame.columns)})."
        )
    frame = frame[(frame["location"].str.strip() != "") & (frame[screen_col].str.strip() != "")]
    return dict(zip(frame["location"].str.strip(), frame[screen_col].str.strip(), strict=True))


def read_sensors_csv(data: bytes) -> pd.DataFrame:
    """Sensors as ``names`` (every name a sensor is known by), ``latitude``, ``longitude``."""
    frame = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)
    frame.columns = [c.strip().lower() for c in frame.columns]
    needed = {"sensor_description", "latitude", "longitude"}
    if not needed <= set(frame.columns):
        raise MappingError(
            "A sensor-locations file needs the columns sensor_description, latitude and longitude "
            f"(found: {', '.join(frame.columns)})."
        )
    lat = pd.to_numeric(frame["latitude"], errors="coerce")
    lon = pd.to_numeric(frame["longitude"], errors="coerce")
    name_cols = [c for c in ("sensor_description", "sensor_name", "sensor_id") if c in frame]
    names = frame[name_cols].apply(
        lambda r: [v.strip() for v in r if v.strip()], axis=1, result_type="reduce"
    )
    out = pd.DataFrame({"names": names, "latitude": lat, "longitude": lon})
    return out[lat.notna() & lon.notna()].reset_index(drop=True)


def haversine_m(
    lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray
) -> np.ndarray:
    """Great-circle distance in metres, broadcasting like numpy."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(lon2) - np.radians(lon1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def nearest_sensor(
    screens: pd.DataFrame, sensors: pd.DataFrame, max_distance_m: float = DEFAULT_MAX_DISTANCE_M
) -> pd.DataFrame:
    """For screens (``screen_id``, ``latitude``, ``longitude``) the nearest sensor in range:
    columns ``screen_id``, ``sensor`` (its row in ``sensors``), ``distance_m``."""
    located = screens.dropna(subset=["latitude", "longitude"])
    if located.empty or sensors.empty:
        return pd.DataFrame({"screen_id": [], "sensor": [], "distance_m": []})
    dist = haversine_m(
        located["latitude"].to_numpy()[:, None],
        located["longitude"].to_numpy()[:, None],
        sensors["latitude"].to_numpy()[None, :],
        sensors["longitude"].to_numpy()[None, :],
    )
    best = dist.argmin(axis=1)
    best_dist = dist[np.arange(len(located)), best]
    out = pd.DataFrame(
        {"screen_id": located["screen_id"].to_numpy(), "sensor": best, "distance_m": best_dist}
    )
    return out[out["distance_m"] <= max_distance_m].reset_index(drop=True)


def location_screens(
    screens: pd.DataFrame,
    mapping: Mapping[str, str | int] | None = None,
    sensors: pd.DataFrame | None = None,
    max_distance_m: float = DEFAULT_MAX_DISTANCE_M,
) -> tuple[dict[str, list[int]], list[str]]:
    """``{normalised location: [screen ids]}`` and a list of mapping problems (for the report).

    ``screens`` has ``screen_id``, ``name``, ``traffic_location``, ``latitude``, ``longitude``.
    """
    notes: list[str] = []
    fed: dict[int, list[str]] = {}  # screen id -> every name its one location is known by
    by_name = {
        normalise_name(n): int(i)
        for i, n in zip(screens["screen_id"], screens["name"], strict=True)
    }
    ids = set(int(i) for i in screens["screen_id"])
    for location, target in (mapping or {}).items():
        text = str(target).strip()
        screen_id = (
            int(text) if text.isdigit() and int(text) in ids else by_name.get(normalise_name(text))
        )
        if screen_id is None:
            notes.append(f"mapping: no screen {text!r} for location {location!r}")
            continue
        if screen_id in fed:
            raise MappingError(
                f"The mapping file feeds screen {screen_id} from both {fed[screen_id][0]!r} and "
                f"{location!r}; a screen takes its passers-by from one location."
            )
        fed[screen_id] = [location]
    for screen_id, loc in zip(screens["screen_id"], screens["traffic_location"], strict=True):
        if int(screen_id) not in fed and isinstance(loc, str) and loc.strip():
            fed[int(screen_id)] = [loc]
    if sensors is not None and not sensors.empty:
        open_screens = screens[~screens["screen_id"].astype(int).isin(fed)]
        for row in nearest_sensor(open_screens, sensors, max_distance_m).itertuples():
            fed[int(row.screen_id)] = list(sensors["names"].iloc[int(row.sensor)])
    for screen_id in ids - set(fed):
        fed[screen_id] = [str(screen_id)]
    for screen_id in ids:
        fed[screen_id].append(f"screen:{screen_id}")
    result: dict[str, list[int]] = {}
    for screen_id, names in sorted(fed.items()):
        for name in {normalise_name(n) for n in names}:
            result.setdefault(name, []).append(screen_id)
    return result, notes
