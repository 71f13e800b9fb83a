"""Pure parsing and validation of foot-traffic CSVs (no database).

A file becomes a table of *observations*: one count for one location in one hour, with the CSV
row it came from. Long files (location, timestamp or date + hour, count) give one observation per
row; wide files (date, hour, one column per location) give one per cell. Every observation ends
up kept, missing (an explicit missing marker) or rejected with a reason: nothing is dropped
silently.

Rules (documented for staff in the import report):

- Missing markers (empty, ``-1``, ``undefined``, ``NA``, ``N/A``, ``NaN``, ``null``, ``-``) mean
  "no data", never zero. Any other negative number is rejected.
- Dates are read day-first. Each file gets the one format that reads most of its dates
  (``1-Jan-12`` and ``01/01/2016`` both occur in real data); dates it cannot read are tried against
  the other known formats before being rejected.
- Local times are turned into UTC in the source's zone. An hour that does not exist (spring
  forward) or happens twice (fall back) is rejected, not guessed. Timestamps that carry a UTC
  offset use it.
- Duplicate hours for one location: identical counts keep the first row and reject the repeats;
  different counts reject every row of that hour (we cannot know which is right).
- A run of at least ``DEAD_RUN_HOURS`` zero hours in a row for one location (missing hours do not
  break the run) is a dead sensor: kept for the record with ``suspect=True``.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

MISSING_MARKERS = frozenset({"", "-1", "undefined", "na", "n/a", "nan", "null", "none", "-"})
DEAD_RUN_HOURS = 24

CANONICAL = ("location", "screen_id", "timestamp", "date", "hour", "count")
# Other spellings of the canonical columns seen in published files (lower-case, "_" for spaces).
ALIASES: dict[str, tuple[str, ...]] = {
    "location": ("location", "sensor_name", "sensor_description", "sensor", "site", "screen"),
    "screen_id": ("screen_id",),
    "timestamp": ("timestamp", "date_time", "datetime", "time_stamp"),
    "date": ("date", "day"),
    "hour": ("hour", "hr", "time"),
    "count": ("count", "hourly_counts", "counts", "passers_by", "value"),
}

DATE_FORMATS = (
    "%d-%b-%y",
    "%d/%m/%Y",
    "%Y-%m-%d",
    "%d-%b-%Y",
    "%d/%m/%y",
    "%d-%m-%Y",
    "%d.%m.%Y",
    "%d %b %Y",
    "%d %B %Y",
    "%Y/%m/%d",
    "%Y%m%d",
)
TIME_SUFFIXES = (" %H:%M", " %H:%M:%S", " %I:%M:%S %p", " %I:%M %p", "T%H:%M", "T%H:%M:%S")
TIMESTAMP_FORMATS = tuple(d + t for d in DATE_FORMATS for t in TIME_SUFFIXES) + (
    "%B %d, %Y %I:%M:%S %p",
    "%b %d, %Y %I:%M:%S %p",
)
_OFFSET = re.compile(r"(?:Z|[+-]\d{2}:?\d{2})$", re.IGNORECASE)
_HOUR = re.compile(r"^(\d{1,2})(?::00(?::00)?)?$")


class LayoutError(ValueError):
    """The file's columns cannot be understood; the message says what to pass."""


@dataclass
class Observations:
    """Observations of one file before validation (all values still strings)."""

    frame: pd.DataFrame  # row, column, location, value, and timestamp or date + hour
    layout: str  # "long" or "wide"
    blank_rows: int
    ignored_columns: list[str] = field(default_factory=list)
    # Rows with the wrong number of fields: (row, fields, text); each counts as one rejected value.
    malformed: list[tuple[int, int, str]] = field(default_factory=list)


@dataclass
class Validated:
    """The outcome of validation: what to store, what is missing, what was refused and why."""

    counts: pd.DataFrame  # location, row, hour_start (UTC), count, suspect
    problems: pd.DataFrame  # row, column, location, value, code, reason
    missing: int
    reasons: dict[str, int]  # rejected values per problem code
    date_format: str | None
    by_location: pd.DataFrame  # location, kept, missing, suspect, rejected


def normalise_name(name: object) -> str:
    """Location names compared without case or repeated spaces."""
    return " ".join(str(name).split()).casefold()


def normalise_names(names: pd.Series) -> pd.Series:
    """``normalise_name`` for a column, computed once per distinct name."""
    return names.map({n: normalise_name(n) for n in names.unique()})


def read_csv_bytes(data: bytes) -> pd.DataFrame:
    """The CSV as strings exactly as written (no NA guessing), header kept as column names.

    ``_row`` holds each record's number (the header is row 1). Rows with a different number of
    fields than the header are left out and listed in ``attrs["malformed"]`` as
    (row, fields, text), to be reported: guessing which cell is which would be worse.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    if not text.strip():
        raise LayoutError("The file is empty.")
    reader = csv.reader(io.StringIO(text, newline=""), skipinitialspace=True)
    header = [h.strip() for h in next(reader)]
    width = len(header)
    rows: list[list[str]] = []
    numbers: list[int] = []
    malformed: list[tuple[int, int, str]] = []
    for number, record in enumerate(reader, start=2):
        if len(record) == width:
            rows.append(record)
            numbers.append(number)
        elif not record or not any(cell.strip() for cell in record):
            rows.append([""] * width)  # a blank line, counted as blank later
            numbers.append(number)
        else:
            malformed.append((number, len(record), ",".join(record)[:80]))
    frame = (
        pd.DataFrame(rows, columns=header, dtype=str)
        if rows
        else pd.DataFrame(columns=header, dtype=str)
    )
    frame["_row"] = np.asarray(numbers, dtype="int64")
    frame.attrs["malformed"] = malformed
    return frame


def _key(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


def _find(columns: list[str], canonical: str) -> str | None:
    keys = {_key(c): c for c in columns}
    for alias in ALIASES[canonical]:
        if alias in keys:
            return keys[alias]
    return None


def to_observations(raw: pd.DataFrame, columns: Mapping[str, str] | None = None) -> Observations:
    """Detect long or wide layout and list every observation with its CSV row number.

    ``columns`` renames source columns first (``{"Sensor": "location", "Old name": "New name"}``);
    in wide files it can also rename location columns.
    """
    malformed = list(raw.attrs.get("malformed", []))
    if "_row" not in raw:
        raw = raw.assign(_row=np.arange(2, len(raw) + 2))
    raw = raw.rename(columns=dict(columns or {}))
    if raw.columns.duplicated().any():
        dupes = sorted(set(raw.columns[raw.columns.duplicated()]))
        raise LayoutError(f"Columns appear twice: {', '.join(dupes)}. Rename one with --columns.")
    data_cols = [c for c in raw.columns if c != "_row"]
    blank = (raw[data_cols].apply(lambda s: s.str.strip()) == "").all(axis=1)
    blank_rows = int(blank.sum())
    raw = raw.loc[~blank]

    found = {name: _find(data_cols, name) for name in CANONICAL}
    time_cols: dict[str, str] = {}
    if found["timestamp"]:
        time_cols["timestamp"] = found["timestamp"]
    elif found["date"] and found["hour"]:
        time_cols = {"date": found["date"], "hour": found["hour"]}
    else:
        raise LayoutError(
            "No time columns: a traffic file needs a 'timestamp' column or 'date' and 'hour' "
            f"columns (found: {', '.join(data_cols)}). Map yours with --columns SRC=timestamp."
        )
    loc_col = found["screen_id"] or found["location"]
    if loc_col and found["count"]:
        frame = pd.DataFrame(
            {
                "row": raw["_row"].to_numpy(),
                "column": found["count"],
                "location": raw[loc_col].str.strip().to_numpy(),
                "value": raw[found["count"]].to_numpy(),
            }
        )
        for canonical, source in time_cols.items():
            frame[canonical] = raw[source].to_numpy()
        if found["screen_id"]:
            frame["location"] = "screen:" + frame["location"]
        used = set(time_cols.values()) | {loc_col, found["count"]}
        ignored = [c for c in data_cols if c not in used]
        return Observations(frame, "long", blank_rows, ignored, malformed)

    if found["count"] or loc_col:
        missing = "a location column" if found["count"] else "a count column"
        raise LayoutError(
            f"This looks like a long file but it has no {missing}. Map it with --columns."
        )
    value_cols = [c for c in data_cols if c not in time_cols.values()]
    if not value_cols:
        raise LayoutError("A wide traffic file needs one column per location after date and hour.")
    long = raw.melt(
        id_vars=["_row", *time_cols.values()],
        value_vars=value_cols,
        var_name="location",
        value_name="value",
    )
    frame = pd.DataFrame(
        {
            "row": long["_row"].to_numpy(),
            "column": long["location"].to_numpy(),
            "location": long["location"].to_numpy(),
            "value": long["value"].to_numpy(),
        }
    )
    for canonical, source in time_cols.items():
        frame[canonical] = long[source].to_numpy()
    return Observations(frame, "wide", blank_rows, [], malformed)


def _best_format(values: pd.Series, formats: tuple[str, ...]) -> tuple[str | None, pd.Series]:
    """The format reading most of ``values`` (unique strings) and the parsed values.

    Values the best format misses get a second chance with the others, in order.
    """
    best: tuple[str | None, pd.Series, int] = (None, pd.Series(pd.NaT, index=values.index), 0)
    for fmt in formats:
        parsed = pd.to_datetime(values, format=fmt, errors="coerce")
        hits = int(parsed.notna().sum())
        if hits > best[2]:
            best = (fmt, parsed, hits)
            if hits == len(values):
                break
    fmt, parsed, _ = best
    for other in formats:
        holes = parsed.isna()
        if not holes.any():
            break
        if other != fmt:
            parsed = parsed.where(~holes, pd.to_datetime(values, format=other, errors="coerce"))
    return fmt, parsed


def _local_times(frame: pd.DataFrame) -> tuple[pd.Series, pd.Series, pd.Series, str | None]:
    """Naive local times, a mask of rows with an explicit offset (already UTC), their UTC times,
    and the date format used. Unreadable values are NaT; ``code`` is set by the caller."""
    index = frame.index
    if "timestamp" in frame:
        text = frame["timestamp"].str.strip()
        has_offset = text.str.contains(_OFFSET)
        utc = pd.Series(pd.NaT, index=index, dtype="datetime64[us, UTC]")
        if has_offset.any():
            utc[has_offset] = pd.to_datetime(
                text[has_offset], format="ISO8601", utc=True, errors="coerce"
            )
        uniq = pd.Series(text[~has_offset].unique())
        fmt, parsed = _best_format(uniq, ("ISO8601", *TIMESTAMP_FORMATS))
        lookup = dict(zip(uniq, parsed, strict=True))
        naive = text.where(~has_offset).map(lookup)
        return pd.to_datetime(naive), has_offset, utc, fmt
    dates = frame["date"].str.strip()
    uniq = pd.Series(dates.unique())
    fmt, parsed = _best_format(uniq, DATE_FORMATS)
    day = pd.to_datetime(dates.map(dict(zip(uniq, parsed, strict=True))))
    hour_text = frame["hour"].str.strip().str.extract(_HOUR, expand=False)
    hour = pd.to_numeric(hour_text, errors="coerce")
    hour = hour.where((hour >= 0) & (hour <= 23))
    naive = day + pd.to_timedelta(hour, unit="h")
    no_offset = pd.Series(False, index=index)
    return naive, no_offset, pd.Series(pd.NaT, index=index, dtype="datetime64[us, UTC]"), fmt


def _to_utc(naive: pd.Series, tz: str) -> tuple[pd.Series, pd.Series]:
    """UTC times and a code per row for local times the zone does not have exactly once."""
    strict = naive.dt.tz_localize(tz, ambiguous="NaT", nonexistent="NaT")
    code = pd.Series("", index=naive.index, dtype=object)
    lost = strict.isna() & naive.notna()
    if lost.any():
        first = naive[lost].dt.tz_localize(
            tz, ambiguous=np.ones(int(lost.sum()), dtype=bool), nonexistent="NaT"
        )
        code[lost] = np.where(first.isna(), "nonexistent_time", "ambiguous_time")
    return strict.dt.tz_convert("UTC"), code


REASONS = {
    "bad_timestamp": "the date or time is missing or cannot be read",
    "bad_hour": "the hour is not a whole hour from 0 to 23",
    "not_on_the_hour": "the timestamp is not at the start of an hour",
    "nonexistent_time": "this local time does not exist in {tz} (clocks went forward)",
    "ambiguous_time": "this local time happens twice in {tz} (clocks went back); give a UTC offset",
    "not_a_count": "the count is not a number",
    "not_whole": "the count is not a whole number",
    "negative_count": "the count is negative",
    "duplicate_hour": "the same hour for this location appeared earlier (row {first}), same count",
    "conflicting_duplicate": "this hour for this location appears in several rows with "
    "different counts; none was kept",
    "unknown_location": "no screen is mapped to this location",
    "wrong_field_count": "the row has a different number of fields than the header",
}


def validate(obs: Observations, known_locations: set[str], tz: str) -> Validated:
    """Sort every observation into kept, missing or rejected (see the module docstring)."""
    frame = obs.frame.reset_index(drop=True)
    code = pd.Series("", index=frame.index, dtype=object)
    first_row = pd.Series(0, index=frame.index)

    value = frame["value"].str.strip()
    is_missing = value.str.lower().isin(MISSING_MARKERS)
    number = pd.to_numeric(value.where(~is_missing), errors="coerce")
    code[~is_missing & number.isna()] = "not_a_count"
    code[(code == "") & ~is_missing & (number < 0)] = "negative_count"
    code[(code == "") & ~is_missing & (number % 1 != 0)] = "not_whole"

    naive, has_offset, utc_direct, date_format = _local_times(frame)
    if "hour" in frame:
        hour = pd.to_numeric(frame["hour"].str.strip().str.extract(_HOUR, expand=False))
        has_date = frame["date"].str.strip() != ""
        code[(code == "") & has_date & ~(hour <= 23)] = "bad_hour"
    code[(code == "") & naive.isna() & ~has_offset] = "bad_timestamp"
    code[(code == "") & has_offset & utc_direct.isna()] = "bad_timestamp"
    utc, tz_code = _to_utc(naive.where(~has_offset), tz)
    code[(code == "") & ~has_offset & (tz_code != "")] = tz_code
    hour_start = utc.where(~has_offset, utc_direct)
    off_hour = hour_start.notna() & (hour_start != hour_start.dt.floor("h"))
    code[(code == "") & off_hour] = "not_on_the_hour"

    unknown = ~normalise_names(frame["location"]).isin(known_locations)
    # Unknown locations matter only for values that would otherwise be kept.
    code[(code == "") & ~is_missing & unknown] = "unknown_location"

    # Missing markers are missing unless the row's time is unreadable (then the row is reported).
    missing_mask = is_missing & (code == "")

    candidate = (code == "") & ~missing_mask
    cand = pd.DataFrame(
        {
            "key": normalise_names(frame["location"]),
            "hour_start": hour_start,
            "number": number,
            "row": frame["row"],
        }
    )[candidate]
    group = cand.groupby(["key", "hour_start"], sort=False)
    size = group["number"].transform("size")
    distinct = group["number"].transform("nunique")
    first = group["row"].transform("min")
    dup = cand[size > 1]
    conflicting = dup.index[distinct[size > 1] > 1]
    repeats = dup.index[(distinct[size > 1] == 1) & (dup["row"] != first[size > 1])]
    code[conflicting] = "conflicting_duplicate"
    code[repeats] = "duplicate_hour"
    first_row[repeats] = first[repeats]

    kept_mask = (code == "") & ~missing_mask
    kept = pd.DataFrame(
        {
            "location": frame["location"][kept_mask],
            "key": cand["key"].reindex(frame.index)[kept_mask],
            "row": frame["row"][kept_mask],
            "hour_start": hour_start[kept_mask],
            "count": number[kept_mask].astype("int64"),
        }
    )
    kept["suspect"] = dead_runs(kept, DEAD_RUN_HOURS)

    rejected = code != ""
    problems = pd.DataFrame(
        {
            "row": frame["row"][rejected].astype(int),
            "column": frame["column"][rejected],
            "location": frame["location"][rejected],
            "value": frame["value"][rejected],
            "code": code[rejected],
        }
    )
    problems["reason"] = [
        REASONS[c].format(tz=tz, first=f)
        for c, f in zip(problems["code"], first_row[rejected], strict=True)
    ]
    if obs.malformed:
        problems = pd.concat(
            [
                problems,
                pd.DataFrame(
                    {
                        "row": [m[0] for m in obs.malformed],
                        "column": "",
                        "location": "",
                        "value": [m[2] for m in obs.malformed],
                        "code": "wrong_field_count",
                        "reason": [
                            f"the row has {m[1]} fields, not as many as the header"
                            for m in obs.malformed
                        ],
                    }
                ),
            ],
            ignore_index=True,
        )
    reasons = {str(k): int(v) for k, v in problems["code"].value_counts().items()}
    if obs.layout == "wide":
        problems = _one_per_unknown_column(problems)
    problems = problems.sort_values(["row", "column"], kind="stable").reset_index(drop=True)

    by_location = (
        pd.DataFrame(
            {
                "location": frame["location"],
                "kept": kept_mask,
                "missing": missing_mask,
                "rejected": rejected,
            }
        )
        .groupby("location", sort=True)
        .sum()
    )
    by_location["suspect"] = kept.groupby("location")["suspect"].sum()
    by_location = by_location.fillna(0).astype(int).reset_index()
    return Validated(
        counts=kept.drop(columns=["key"]).reset_index(drop=True),
        problems=problems,
        missing=int(missing_mask.sum()),
        reasons=reasons,
        date_format=date_format,
        by_location=by_location,
    )


def dead_runs(counts: pd.DataFrame, min_hours: int) -> np.ndarray:
    """True for zeros in runs of at least ``min_hours`` zero observations of one location.

    Missing hours are skipped, not treated as breaks: a sensor that reports nothing but zeros
    and gaps for a day is dead either way.
    """
    if counts.empty:
        return np.zeros(0, dtype=bool)
    order = counts.sort_values(["location", "hour_start"], kind="stable")
    zero = (order["count"] == 0).to_numpy()
    loc = order["location"].to_numpy()
    change = np.ones(len(order), dtype=bool)
    change[1:] = (zero[1:] != zero[:-1]) | (loc[1:] != loc[:-1])
    run_id = np.cumsum(change)
    run_len = np.bincount(run_id)[run_id]
    flags = pd.Series(zero & (run_len >= min_hours), index=order.index)
    return flags.reindex(counts.index).to_numpy()


def _one_per_unknown_column(problems: pd.DataFrame) -> pd.DataFrame:
    """In a wide file an unknown location is a column: report it once, on the header row."""
    unknown = problems["code"] == "unknown_location"
    if not unknown.any():
        return problems
    per_column = problems[unknown].groupby(["column", "location"], sort=True).size()
    header = pd.DataFrame(
        {
            "row": 1,
            "column": per_column.index.get_level_values(0),
            "location": per_column.index.get_level_values(1),
            "value": [f"{n} values" for n in per_column],
            "code": "unknown_location",
            "reason": [
                f"no screen is mapped to this location; its {n} values were not imported"
                for n in per_column
            ],
        }
    )
    return pd.concat([problems[~unknown], header], ignore_index=True)
