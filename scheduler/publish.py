"""Write a checked plan: its allocations and a new playlist version for every screen, atomically.

Everything is written in the caller's one transaction: new ``plan_allocations``, new ``playlists``
rows (never changing an old document), then one UPDATE moves ``is_current`` from the old versions
to the new ones. A crash anywhere before the commit leaves the previous playlists current; a
screen never sees a mix of two plans.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import func, insert, select, text, update
from sqlalchemy.orm import Session

from scheduler.models import PlanAllocation, PlanRun, Playlist
from scheduler.ordering import order_hour
from scheduler.plan_inputs import PlanInputs

Progress = Callable[[str, int, int], None]
# Allocation rows per INSERT statement (SQLite), and between progress reports.
ALLOCATION_CHUNK = 5000


def _iso(moment: Any) -> str:
    return pd.Timestamp(moment).tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%SZ")


def rule_sentence(rule: str, row: Any, inputs: PlanInputs) -> str:
    """Why this item is in the playlist, in words a shop owner or staff member understands."""
    q = inputs.quotas
    if rule == "local_quota":
        return (
            f"Small-local reserve: {q.local_min_share:.0%} of airtime is kept for verified small "
            f"local businesses; played at {row.price_krw} KRW ({row.tier} traffic, local discount)."
        )
    if rule == "paid":
        extra = (
            " with the busy-hour surcharge"
            if row.booked_share > inputs.rules.surcharge_threshold
            else ""
        )
        return f"Open airtime at {row.price_krw} KRW per play ({row.tier} traffic{extra})."
    if rule == "released":
        return (
            "Local reserve no small local business could use this hour, released to other "
            f"advertisers by policy; {row.price_krw} KRW per play ({row.tier} traffic)."
        )
    if rule == "public_quota":
        return f"Public notices: at least {q.public_min_share:.0%} of airtime goes to the city."
    return "House content fills airtime no campaign booked."


def publish_plan(
    session: Session,
    run: PlanRun,
    inputs: PlanInputs,
    plan: pd.DataFrame,
    *,
    now: dt.datetime,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Insert allocations and playlists for ``run`` and make them current (no commit here)."""
    sh = inputs.screen_hours
    rows = plan.join(
        sh[["screen_id", "hour_start", "tier", "forecast", "audience", "booked_share"]],
        on="sh",
    )
    names = (
        inputs.campaigns.set_index("campaign_id")["name"].to_dict() if len(inputs.campaigns) else {}
    )
    business = (
        inputs.campaigns.set_index("campaign_id")[["business_id", "creative_id"]].to_dict("index")
        if len(inputs.campaigns)
        else {}
    )
    records = _allocation_columns(rows, run.id)
    ids = _insert_allocations(session, records, progress)
    rows = rows.assign(allocation_id=np.array(ids, dtype=np.int64) if ids else [])

    versions = dict(
        session.execute(
            select(Playlist.screen_id, func.max(Playlist.version)).group_by(Playlist.screen_id)
        ).all()
    )
    hours = pd.date_range(inputs.horizon_start, inputs.horizon_end, freq="h", inclusive="left")
    by_screen = dict(tuple(rows.groupby("screen_id"))) if len(rows) else {}
    screen_ids = [int(s) for s in inputs.screens["screen_id"]]
    slot_of = inputs.screens.set_index("screen_id")["slot_seconds"].to_dict()
    new_ids: list[int] = []
    for n, screen_id in enumerate(screen_ids, start=1):
        doc = build_document(
            screen_id,
            versions.get(screen_id, 0) + 1,
            run.id,
            now,
            inputs,
            by_screen.get(screen_id, rows.iloc[0:0]),
            hours,
            int(slot_of[screen_id]),
            names,
            business,
        )
        body = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        playlist = Playlist(
            screen_id=screen_id,
            version=doc["version"],
            plan_run_id=run.id,
            valid_from=inputs.horizon_start,
            valid_until=inputs.horizon_end,
            etag=hashlib.sha256(body.encode()).hexdigest()[:40],
            document=doc,
            published_at=now,
            is_current=False,
        )
        session.add(playlist)
        session.flush()
        new_ids.append(playlist.id)
        if progress:
            progress("publish", n, len(screen_ids))
    # The switch: old versions off, new versions on, inside the same transaction.
    session.execute(
        update(Playlist)
        .where(Playlist.screen_id.in_(screen_ids), Playlist.is_current.is_(True))
        .values(is_current=False)
    )
    session.execute(update(Playlist).where(Playlist.id.in_(new_ids)).values(is_current=True))
    return {"allocations": len(ids), "playlists": len(new_ids)}


def _allocation_columns(rows: pd.DataFrame, run_id: int) -> dict[str, list[Any]]:
    """The plan's allocation rows as one list per column (plain Python values)."""
    campaign = rows["campaign_id"]
    return {
        "plan_run_id": [run_id] * len(rows),
        "screen_id": rows["screen_id"].astype("int64").tolist(),
        "hour_start": list(pd.DatetimeIndex(rows["hour_start"]).to_pydatetime()),
        "campaign_id": [None if pd.isna(c) else int(c) for c in campaign.tolist()],
        "plays": rows["plays"].astype("int64").tolist(),
        "price_krw": rows["price_krw"].astype("int64").tolist(),
        "tier": rows["tier"].tolist(),
        "forecast": rows["forecast"].astype("float64").tolist(),
        "impressions_multiplier": rows["audience"].astype("float64").tolist(),
        "rule": rows["rule"].tolist(),
    }


def _insert_allocations(
    session: Session, columns: dict[str, list[Any]], progress: Progress | None
) -> list[int]:
    """Insert the allocation rows; their ids in row order (playlist items name them)."""
    total = len(columns["plays"])
    chunk = ALLOCATION_CHUNK
    if session.get_bind().dialect.name != "postgresql":
        records = [
            dict(zip(columns, values, strict=True))
            for values in zip(*columns.values(), strict=True)
        ]
        ids: list[int] = []
        for i in range(0, total, chunk):
            ids.extend(
                session.scalars(
                    insert(PlanAllocation).returning(
                        PlanAllocation.id, sort_by_parameter_order=True
                    ),
                    records[i : i + chunk],
                ).all()
            )
            if progress:
                progress("allocations", min(i + chunk, total), total)
        return ids
    # PostgreSQL: ids drawn from the table's sequence first, then the rows go in with COPY on
    # the session's own connection (same transaction); a row-by-row executemany with RETURNING
    # cost ~25x a COPY, an INSERT from unnest'ed column arrays ~5x.
    ids = list(
        session.execute(
            text("SELECT nextval(pg_get_serial_sequence('plan_allocations', 'id')) "
                 "FROM generate_series(1, :n)"),
            {"n": total},
        ).scalars()
    )  # fmt: skip
    names = ["id", *columns]
    driver = session.connection().connection.driver_connection
    assert driver is not None
    sql = f"COPY plan_allocations ({', '.join(names)}) FROM STDIN"
    with driver.cursor() as cursor, cursor.copy(sql) as copy:
        for n, row in enumerate(zip(ids, *columns.values(), strict=True), start=1):
            copy.write_row(row)
            if progress and (n % chunk == 0 or n == total):
                progress("allocations", n, total)
    return ids


def build_document(
    screen_id: int,
    version: int,
    run_id: int,
    now: dt.datetime,
    inputs: PlanInputs,
    rows: pd.DataFrame,
    hours: pd.DatetimeIndex,
    slot_seconds: int,
    names: dict[int, str],
    business: dict[int, dict[str, Any]],
) -> dict[str, Any]:
    """The playlist document of one screen (format agreed with the screen API)."""
    media: dict[str, dict[str, Any]] = {}
    items: dict[str, dict[str, Any]] = {}
    house = inputs.house.get(screen_id)
    house_media = None
    if house is not None:
        house_media = house[1]["sha256"]
        media[house_media] = house[1]
    items["house"] = {
        "media": house_media,
        "duration_s": slot_seconds,
        "campaign_id": None,
        "business_id": None,
        "creative_id": house[0] if house else None,
        "rule": "house",
        "impressions_multiplier": 0.0,
        "explain": {
            "campaign": None,
            "price_krw": 0,
            "tier": None,
            "forecast": None,
            "rule": "House content fills airtime no campaign booked.",
        },
    }
    width, height = _size(inputs, screen_id)
    per_hour: dict[pd.Timestamp, list[tuple[str, int, int | None]]] = {}
    for r in rows.itertuples():
        if pd.isna(r.campaign_id):
            per_hour.setdefault(r.hour_start, []).append(("house", int(r.plays), None))
            continue
        cid = int(r.campaign_id)
        info = business[cid]
        entry = inputs.media[(int(info["creative_id"]), width, height)]
        media[entry["sha256"]] = entry
        item_id = f"a{int(r.allocation_id)}"
        items[item_id] = {
            "media": entry["sha256"],
            "duration_s": slot_seconds,
            "campaign_id": cid,
            "business_id": int(info["business_id"]),
            "creative_id": int(info["creative_id"]),
            "rule": r.rule,
            "impressions_multiplier": round(float(r.audience), 6),
            "explain": {
                "campaign": names.get(cid),
                "price_krw": int(r.price_krw),
                "tier": r.tier,
                "forecast": round(float(r.forecast), 1),
                "rule": rule_sentence(r.rule, r, inputs),
            },
        }
        per_hour.setdefault(r.hour_start, []).append(
            (item_id, int(r.plays), int(info["business_id"]))
        )
    slots = 3600 // slot_seconds
    hour_docs = []
    for start in hours:
        listed = per_hour.get(start)
        # Closed hours have no plays planned: an empty sequence (the screen shows nothing).
        sequence = order_hour(_merge_house(listed), slots) if listed else []
        hour_docs.append({"start": _iso(start), "sequence": sequence})
    return {
        "screen_id": screen_id,
        "version": version,
        "plan_run_id": run_id,
        "generated_at": _iso(now),
        "valid_from": _iso(inputs.horizon_start),
        "valid_until": _iso(inputs.horizon_end),
        "timezone": inputs.timezone,
        "slot_seconds": slot_seconds,
        "media": media,
        "items": items,
        "hours": hour_docs,
    }


def _merge_house(listed: list[tuple[str, int, int | None]]) -> list[tuple[str, int, int | None]]:
    house = sum(k for item, k, _ in listed if item == "house")
    rest = [x for x in listed if x[0] != "house"]
    return rest + ([("house", house, None)] if house else [])


def _size(inputs: PlanInputs, screen_id: int) -> tuple[int, int]:
    row = inputs.screens.set_index("screen_id").loc[screen_id]
    return int(row["width_px"]), int(row["height_px"])
