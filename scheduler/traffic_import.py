"""Import foot-traffic CSVs into ``traffic_counts``: the database edge of ``traffic_parse``.

``import_traffic`` reads one file (long or wide), maps its locations to screens
(see ``traffic_locations``), validates every value (see ``traffic_parse``) and upserts the kept
counts in bulk. The report counts *values* (one location in one hour): in a long file that is a
row, in a wide file a cell. Importing the same file again changes nothing: unchanged counts are
not rewritten and the file's import record (found by SHA-256) is reused.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.bulk_upsert import upsert_rows
from scheduler.errors import ValidationFailed
from scheduler.models import Screen, TrafficCount, TrafficImport
from scheduler.settings import get_settings
from scheduler.traffic_locations import (
    DEFAULT_MAX_DISTANCE_M,
    MappingError,
    location_screens,
    read_mapping_csv,
    read_sensors_csv,
)
from scheduler.traffic_parse import (
    DEAD_RUN_HOURS,
    LayoutError,
    normalise_name,
    normalise_names,
    read_csv_bytes,
    to_observations,
    validate,
)

# Problems stored with the import record and printed by default; the counts are always complete.
REPORT_PROBLEMS = 1000

Source = bytes | str | Path | IO[bytes]
Progress = Callable[[int, int], None]


@dataclass
class ImportReport:
    """What happened to every value of one file."""

    filename: str
    sha256: str
    layout: str
    timezone: str
    date_format: str | None
    data_rows: int
    blank_rows: int
    values: int
    rows_kept: int
    rows_missing: int
    rows_suspect: int
    rows_rejected: int
    rows_written: int
    problems: list[dict[str, Any]]
    reasons: dict[str, int]
    locations: list[dict[str, Any]]
    ignored_columns: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    dry_run: bool = False
    import_id: int | None = None
    already_imported: bool = False

    def as_dict(self, max_problems: int | None = REPORT_PROBLEMS) -> dict[str, Any]:
        data = asdict(self)
        if max_problems is not None and len(self.problems) > max_problems:
            data["problems"] = self.problems[:max_problems]
        data["problems_listed"] = len(data["problems"])
        data["problems_total"] = len(self.problems)
        data["dead_run_hours"] = DEAD_RUN_HOURS
        return data

    def summary(self) -> str:
        """One line a person can read."""
        reasons = ", ".join(f"{n} {code}" for code, n in sorted(self.reasons.items()))
        text = (
            f"{self.filename}: {self.layout} file, {self.rows_kept} values kept "
            f"({self.rows_suspect} flagged as a dead sensor), {self.rows_missing} missing, "
            f"{self.rows_rejected} rejected"
        )
        return text + (f" ({reasons})" if reasons else "")


def _read_source(source: Source) -> bytes:
    if isinstance(source, bytes):
        return source
    if isinstance(source, str | Path):
        try:
            return Path(source).read_bytes()
        except OSError as exc:
            raise ValidationFailed(f"Cannot read {source}: {exc.strerror or exc}.") from exc
    return source.read()


def _screens_frame(session: Session) -> pd.DataFrame:
    rows = session.execute(
        select(Screen.id, Screen.name, Screen.traffic_location, Screen.latitude, Screen.longitude)
    ).all()
    return pd.DataFrame(
        rows, columns=["screen_id", "name", "traffic_location", "latitude", "longitude"]
    ).astype({"latitude": float, "longitude": float})


def _mapping(mapping: Mapping[str, str | int] | Source | None) -> Mapping[str, str | int] | None:
    if mapping is None or isinstance(mapping, Mapping):
        return mapping
    return read_mapping_csv(_read_source(mapping))


def import_traffic(
    session: Session,
    source: Source,
    *,
    filename: str | None = None,
    columns: Mapping[str, str] | None = None,
    mapping: Mapping[str, str | int] | Source | None = None,
    sensors: pd.DataFrame | Source | None = None,
    tz: str | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
    imported_by_id: int | None = None,
    max_sensor_distance_m: float = DEFAULT_MAX_DISTANCE_M,
) -> ImportReport:
    """Import one foot-traffic CSV; ``tz`` is the zone of its local times (default: the city's).

    ``mapping`` is ``{location: screen id or name}`` or a CSV file of it; ``sensors`` a
    sensor-locations file that maps screens to their nearest sensor. Raises ``ValidationFailed``
    when the file cannot be understood at all; bad values are reported, not raised.
    """
    data = _read_source(source)
    if filename is None:
        filename = Path(source).name if isinstance(source, str | Path) else "upload.csv"
    zone = tz or get_settings().timezone
    try:
        pd.Timestamp("2000-01-01").tz_localize(zone)
    except Exception as exc:
        raise ValidationFailed(f"Unknown time zone {zone!r}; use a name like Asia/Seoul.") from exc
    sha = hashlib.sha256(data).hexdigest()
    try:
        raw = read_csv_bytes(data)
        obs = to_observations(raw, columns)
        sensor_frame = (
            sensors
            if isinstance(sensors, pd.DataFrame) or sensors is None
            else read_sensors_csv(_read_source(sensors))
        )
        loc_map, notes = location_screens(
            _screens_frame(session), _mapping(mapping), sensor_frame, max_sensor_distance_m
        )
    except (LayoutError, MappingError) as exc:
        raise ValidationFailed(f"{filename}: {exc}") from exc
    except (pd.errors.ParserError, UnicodeError) as exc:
        raise ValidationFailed(f"{filename}: not a readable CSV file ({exc}).") from exc
    checked = validate(obs, set(loc_map), zone)

    counts = checked.counts
    counts = counts.assign(screen_id=normalise_names(counts["location"]).map(loc_map))
    rows_frame = counts.explode("screen_id")
    report = ImportReport(
        filename=filename,
        sha256=sha,
        layout=obs.layout,
        timezone=zone,
        date_format=checked.date_format,
        data_rows=len(raw),
        blank_rows=obs.blank_rows,
        values=len(obs.frame) + len(obs.malformed),
        rows_kept=len(counts),
        rows_missing=checked.missing,
        rows_suspect=int(counts["suspect"].sum()),
        rows_rejected=sum(checked.reasons.values()),
        rows_written=0,
        problems=checked.problems.to_dict("records"),
        reasons=checked.reasons,
        locations=_location_rows(checked.by_location, loc_map),
        ignored_columns=obs.ignored_columns,
        notes=notes,
        dry_run=dry_run,
    )
    if dry_run:
        if progress is not None:
            progress(len(rows_frame), len(rows_frame))
        return report

    previous = session.scalar(select(TrafficImport).where(TrafficImport.sha256 == sha).limit(1))
    if previous is not None:
        record, report.already_imported = previous, True
    else:
        record = TrafficImport(
            filename=filename[:300],
            sha256=sha,
            rows_kept=report.rows_kept,
            rows_rejected=report.rows_rejected,
            imported_by_id=imported_by_id,
        )
        session.add(record)
        session.flush()
    report.import_id = import_id = record.id
    rows = [
        {
            "screen_id": int(s),
            "hour_start": h,
            "count": int(c),
            "suspect": bool(x),
            "import_id": import_id,
        }
        for s, h, c, x in zip(
            rows_frame["screen_id"],
            rows_frame["hour_start"].dt.to_pydatetime(),
            rows_frame["count"],
            rows_frame["suspect"],
            strict=True,
        )
    ]
    report.rows_written = upsert_rows(
        session,
        TrafficCount.__table__,  # type: ignore[arg-type]
        rows,
        keys=("screen_id", "hour_start"),
        update=("count", "suspect", "import_id"),
        compare=("count", "suspect"),
        progress=progress,
    )
    if previous is None:
        record.report = report.as_dict(max_problems=REPORT_PROBLEMS)
    session.flush()
    return report


def _location_rows(by_location: pd.DataFrame, loc_map: dict[str, list[int]]) -> list[dict]:
    out = []
    for row in by_location.itertuples(index=False):
        out.append(
            {
                "location": row.location,
                "screens": loc_map.get(normalise_name(row.location), []),
                "kept": int(row.kept),
                "missing": int(row.missing),
                "suspect": int(row.suspect),
                "rejected": int(row.rejected),
            }
        )
    return out
