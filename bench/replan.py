"""End-to-end benchmark of the hourly re-plan on PostgreSQL, stage by stage.

    python bench/replan.py            # cities of 100, 500 and 2,000 screens
    python bench/replan.py --quick    # 100 and 300 screens (under two minutes)
    python bench/replan.py --sizes 5000

For each size a fresh database is created, migrated and seeded with a city: zones of about 20
screens (the demo city's kinds, levels, sizes and opening hours), as many campaigns as screens
(60 % small-local shops on one zone, 35 % chains on 1-4 zones, 5 % public notices on one zone,
plus two city-wide notices; Zipf-like zone popularity), one approved creative per campaign with a
rendition for every screen size, 8 weeks of hourly foot traffic per screen (the demo's generator),
the default quota policy and pricing tiers. Then ``plan_and_publish`` runs twice: the first plan
of the city, and one hour later the steady-state re-plan with the previous playlists present
(what runs every hour). Stages are timed from the pipeline's own progress calls.

References measured in the same run: a raw ``COPY`` of the same playlist and allocation rows the
steady-state publish wrote, into identical tables (same indexes), so the publish overhead shows;
and the allocator alone on the same inputs (loaded again from the stored forecast).

Prints one JSON object per size as its last lines. Needs PostgreSQL (``--postgres URL``,
default ``LOCALCAST_TEST_POSTGRES_URL``); each database is dropped at the end.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine, create_engine, insert, select, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scheduler.allocate import allocate  # noqa: E402
from scheduler.db import make_engine, session_scope  # noqa: E402
from scheduler.demo.city import (  # noqa: E402
    BASE_PRICE_BY_KIND,
    HOURS_BY_KIND,
    SCREEN_SIZES,
    ZONES,
)
from scheduler.demo.seed import DEFAULT_TIERS  # noqa: E402
from scheduler.demo.traffic import generate_traffic  # noqa: E402
from scheduler.migrate import upgrade  # noqa: E402
from scheduler.models import (  # noqa: E402
    Business,
    Campaign,
    Creative,
    Forecast,
    PlanRun,
    PricingTier,
    PricingTierSet,
    QuotaPolicy,
    Rendition,
    Screen,
    Zone,
)
from scheduler.plan_inputs import horizon, load_inputs  # noqa: E402
from scheduler.planner import plan_and_publish  # noqa: E402
from scheduler.settings import get_settings  # noqa: E402

FULL = (100, 500, 2000)
QUICK = (100, 300)
INTERVAL_S = 3600.0
TZ = "Asia/Seoul"
# Stage names as the pipeline reports them, in order; publish reports "allocations" while it
# inserts plan rows and "publish" per playlist written.
STAGES = ("forecast", "inputs", "allocate", "check", "allocations", "publish")


def seed_city(engine: Engine, n_screens: int, now: dt.datetime, seed: int = 1) -> dict[str, int]:
    """Insert a city of ``n_screens`` screens and about as many campaigns (core inserts)."""
    rng = np.random.default_rng(seed)
    today = pd.Timestamp(now).tz_convert(TZ).date()
    created = now - dt.timedelta(days=60)
    n_zones = max(1, n_screens // 20)
    with engine.begin() as conn:
        specs = [ZONES[z % len(ZONES)] for z in range(n_zones)]
        zone_ids = list(
            conn.execute(
                insert(Zone).returning(Zone.id, sort_by_parameter_order=True),
                [
                    {"name": f"{s.name} {z}", "kind": s.kind, "latitude": s.latitude,
                     "longitude": s.longitude}
                    for z, s in enumerate(specs)
                ],
            ).scalars()
        )  # fmt: skip
        zone_of = rng.integers(0, n_zones, n_screens)
        sizes = [SCREEN_SIZES[int(i)] for i in rng.integers(0, len(SCREEN_SIZES), n_screens)]
        screen_rows = []
        for n in range(n_screens):
            kind = specs[zone_of[n]].kind
            open_hour, close_hour = HOURS_BY_KIND.get(kind, (6, 24))
            screen_rows.append(
                {
                    "name": f"screen {n}",
                    "zone_id": zone_ids[zone_of[n]],
                    "width_px": sizes[n][0],
                    "height_px": sizes[n][1],
                    "open_hour": open_hour,
                    "close_hour": close_hour,
                    "visibility_factor": round(float(rng.uniform(0.6, 1.0)), 2),
                    "base_price_krw": BASE_PRICE_BY_KIND.get(kind, 12),
                    "status": "active",
                    "created_at": created,
                }
            )
        screen_ids = list(
            conn.execute(
                insert(Screen).returning(Screen.id, sort_by_parameter_order=True), screen_rows
            ).scalars()
        )
        conn.execute(insert(QuotaPolicy).values(effective_from=created, note="bench defaults"))
        tier_set = conn.execute(
            insert(PricingTierSet)
            .values(effective_from=created, note="bench tiers")
            .returning(PricingTierSet.id)
        ).scalar_one()
        conn.execute(
            insert(PricingTier),
            [
                {"tier_set_id": tier_set, "name": name, "min_traffic": low, "multiplier": mult}
                for name, low, mult in DEFAULT_TIERS
            ],
        )

        # Campaigns, as in scheduler/synthetic.py: kinds, Zipf-like zone popularity, dayparts.
        n_campaigns = n_screens
        kind = rng.choice(["local", "chain", "public"], n_campaigns, p=[0.6, 0.35, 0.05])
        n_chains = max(1, n_campaigns // 20)
        businesses = [{"name": f"City body {b}", "kind": "public"} for b in range(3)]
        businesses += [{"name": f"Chain {b}", "kind": "commercial"} for b in range(n_chains)]
        local_at = [c for c in range(n_campaigns) if kind[c] == "local"]
        local_zone = {c: int(rng.integers(0, n_zones)) for c in local_at}
        businesses += [
            {"name": f"Shop {c}", "kind": "commercial", "zone_id": zone_ids[local_zone[c]],
             "claims_small_local": True, "is_small_local": True}
            for c in local_at
        ]  # fmt: skip
        for row in businesses:
            row.setdefault("zone_id", None)
            row.setdefault("claims_small_local", False)
            row.setdefault("is_small_local", False)
            row["created_at"] = created
        business_ids = list(
            conn.execute(
                insert(Business).returning(Business.id, sort_by_parameter_order=True), businesses
            ).scalars()
        )
        public_ids, chain_ids = business_ids[:3], business_ids[3 : 3 + n_chains]
        shop_of = dict(zip(local_at, business_ids[3 + n_chains :], strict=True))
        popularity = 1.0 / np.arange(1, n_zones + 1) ** 0.8
        popularity = rng.permutation(popularity / popularity.sum())
        screens_in = [np.nonzero(zone_of == z)[0] for z in range(n_zones)]

        plans: list[dict[str, Any]] = []
        # Two city-wide notices (as in the demo city), then the zone-targeted campaigns.
        for b in range(2):
            plans.append({"business": public_ids[b], "zones": [], "screens": [],
                          "hours": list(range(24)), "pace": 0.0, "kind": "public"})  # fmt: skip
        for c in range(n_campaigns):
            n_z = int(rng.integers(1, 5)) if kind[c] == "chain" else 1
            if kind[c] == "local":
                zones = [local_zone[c]]
            else:
                zones = [
                    int(z)
                    for z in rng.choice(
                        n_zones, size=min(n_z, n_zones), replace=False, p=popularity
                    )
                ]
            targets: list[int] = []
            pool = screens_in[zones[0]]
            if kind[c] == "local" and len(pool) > 3 and rng.random() < 0.4:
                picked = rng.choice(pool, size=int(rng.integers(2, len(pool))), replace=False)
                targets, zones = sorted(screen_ids[int(s)] for s in picked), []
            start = int(rng.integers(6, 16))
            length = int(rng.integers(6, 24 - start + 1))
            pace = (
                0.0
                if kind[c] == "public"
                else float(rng.uniform(10_000, 60_000))
                if kind[c] == "local"
                else float(rng.uniform(40_000, 300_000))
            )
            business = (
                shop_of[c]
                if kind[c] == "local"
                else public_ids[2]
                if kind[c] == "public"
                else chain_ids[int(rng.integers(0, n_chains))]
            )
            plans.append(
                {"business": business, "zones": [zone_ids[z] for z in zones], "screens": targets,
                 "hours": list(range(start, start + length)), "pace": pace, "kind": kind[c]}
            )  # fmt: skip

        creative_rows = [
            {"business_id": p["business"], "name": f"ad {n}", "sha256": f"{n:064x}",
             "source_sha256": f"{n:064x}", "format": "webp", "width_px": 1080,
             "height_px": 1920, "size_bytes": 150_000, "status": "approved",
             "created_at": created}
            for n, p in enumerate(plans)
        ]  # fmt: skip
        creative_ids = list(
            conn.execute(
                insert(Creative).returning(Creative.id, sort_by_parameter_order=True),
                creative_rows,
            ).scalars()
        )
        conn.execute(
            insert(Rendition),
            [
                {"creative_id": cid, "purpose": "screen", "width_px": w, "height_px": h,
                 "format": "webp", "sha256": f"{cid:032x}{w:016x}{h:016x}",
                 "size_bytes": 90_000, "created_at": created}
                for cid in creative_ids
                for w, h in SCREEN_SIZES
            ],
        )  # fmt: skip
        campaign_rows = []
        for n, (p, cid) in enumerate(zip(plans, creative_ids, strict=True)):
            starts = today - dt.timedelta(days=int(rng.integers(0, 10)))
            days_left = int(rng.integers(3, 31))
            campaign_rows.append(
                {"business_id": p["business"], "creative_id": cid, "name": f"Campaign {n}",
                 "status": "approved", "starts_on": starts,
                 "ends_on": today + dt.timedelta(days=days_left - 1),
                 "dayparts": [p["hours"]] * 7, "target_zone_ids": p["zones"],
                 "target_screen_ids": p["screens"],
                 "budget_krw": int(p["pace"] * days_left), "created_at": created,
                 "updated_at": created}
            )  # fmt: skip
        conn.execute(insert(Campaign), campaign_rows)

    # Foot traffic: the demo's generator, loaded with COPY (seeding is not what is measured).
    level = np.array([specs[z].level for z in zone_of]) * rng.uniform(0.6, 1.3, n_screens)
    end_local = pd.Timestamp(now).tz_convert(TZ).floor("h")
    traffic = generate_traffic(
        pd.DataFrame(
            {"screen_id": screen_ids, "kind": [specs[z].kind for z in zone_of], "level": level}
        ),
        end_local=end_local,
        weeks=8,
        seed=seed,
    )
    buffer = io.StringIO()
    traffic.assign(suspect="f").to_csv(
        buffer, index=False, header=False, date_format="%Y-%m-%d %H:%M:%S+00"
    )
    copy_text(
        engine, "COPY traffic_counts (screen_id, hour_start, count, suspect) FROM STDIN "
        "(FORMAT csv)", buffer.getvalue()
    )  # fmt: skip
    return {"campaigns": len(campaign_rows), "traffic_rows": len(traffic)}


def copy_text(engine: Engine, sql: str, data: str) -> None:
    raw = engine.raw_connection()
    try:
        with raw.cursor() as cursor, cursor.copy(sql) as copy:
            copy.write(data)
        raw.commit()
    finally:
        raw.close()


def timed_plan(engine: Engine, now: dt.datetime) -> tuple[dict[str, float], Any]:
    """``plan_and_publish`` with the seconds each stage took (up to the next stage's start)."""
    marks: dict[str, float] = {}

    def progress(name: str, _done: int, _total: int) -> None:
        marks.setdefault(name, time.perf_counter())

    started = time.perf_counter()
    report = plan_and_publish(engine, now, progress)
    ended = time.perf_counter()
    seen = [(name, marks[name]) for name in STAGES if name in marks]
    stages = {
        name: round((seen[i + 1][1] if i + 1 < len(seen) else ended) - at, 3)
        for i, (name, at) in enumerate(seen)
    }
    stages["setup"] = round(seen[0][1] - started, 3) if seen else 0.0
    stages["total"] = round(ended - started, 3)
    stages["interval_share"] = round((ended - started) / INTERVAL_S, 5)
    return stages, report


def copy_reference(engine: Engine, run_id: int) -> dict[str, float]:
    """Seconds to COPY the run's playlist and allocation rows into identical empty tables."""
    out: dict[str, float] = {}
    raw = engine.raw_connection()
    try:
        with raw.cursor() as cursor:
            for table, column in (
                ("playlists", "plan_run_id"),
                ("plan_allocations", "plan_run_id"),
            ):
                copy_name = f"bench_copy_{table}"
                cursor.execute(
                    f"CREATE TABLE {copy_name} (LIKE {table} INCLUDING DEFAULTS INCLUDING INDEXES)"
                )
                buffer = io.BytesIO()
                with cursor.copy(
                    f"COPY (SELECT * FROM {table} WHERE {column} = {int(run_id)}) TO STDOUT"
                ) as copy:
                    for chunk in copy:
                        buffer.write(chunk)
                raw.commit()
                started = time.perf_counter()
                with cursor.copy(f"COPY {copy_name} FROM STDIN") as copy:
                    copy.write(buffer.getvalue())
                raw.commit()
                out[f"copy_{table}_s"] = round(time.perf_counter() - started, 3)
                out[f"{table}_mb"] = round(buffer.tell() / 1e6, 1)
                cursor.execute(f"DROP TABLE {copy_name}")
                raw.commit()
    finally:
        raw.close()
    return out


def allocator_alone(engine: Engine, now: dt.datetime) -> tuple[float, int]:
    """The allocator on the steady-state run's inputs (forecast read back from the table)."""
    start, end = horizon(now, get_settings().horizon_hours)
    with session_scope(engine) as session:
        forecast = pd.DataFrame(
            session.execute(
                select(Forecast.screen_id, Forecast.hour_start, Forecast.expected).where(
                    Forecast.hour_start >= start, Forecast.hour_start < end
                )
            ).all(),
            columns=["screen_id", "hour_start", "expected"],
        )
        inputs = load_inputs(session, start, end, forecast, TZ)
        session.rollback()
    started = time.perf_counter()
    allocate(inputs.screen_hours, inputs.campaigns, inputs.day_caps, inputs.eligible, inputs.quotas)
    return round(time.perf_counter() - started, 3), len(inputs.eligible)


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def run_size(admin_url: Any, n_screens: int) -> dict[str, Any]:
    name = f"localcast_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    try:
        upgrade(engine)
        # Half past the hour, as the hourly job would run.
        now = dt.datetime.now(dt.UTC).replace(minute=30, second=0, microsecond=0)
        started = time.perf_counter()
        seeded = seed_city(engine, n_screens, now)
        with engine.connect() as conn:
            conn.execute(text("ANALYZE"))
        seed_s = time.perf_counter() - started
        print(
            f"{n_screens:,} screens: seeded {seeded['campaigns']:,} campaigns, "
            f"{seeded['traffic_rows']:,} traffic rows in {seed_s:.1f} s (load {load_average()})",
            flush=True,
        )
        first, report = timed_plan(engine, now)
        print(f"  first plan: {first}", flush=True)
        steady, report = timed_plan(engine, now + dt.timedelta(hours=1))
        print(f"  steady-state re-plan: {steady}", flush=True)
        reference = copy_reference(engine, report.plan_run_id)
        alone, pairs = allocator_alone(engine, now + dt.timedelta(hours=1))
        reference["allocate_alone_s"] = alone
        publish_s = steady.get("allocations", 0.0) + steady.get("publish", 0.0)
        copy_s = reference["copy_playlists_s"] + reference["copy_plan_allocations_s"]
        reference["publish_over_copy"] = round(publish_s / copy_s, 1) if copy_s else None
        print(f"  reference: {reference}", flush=True)
        with engine.connect() as conn:
            runs = conn.execute(select(PlanRun.status)).scalars().all()
        return {
            "screens": report.screens,
            "campaigns": report.campaigns,
            "screen_hours": report.screen_hours,
            "pairs": pairs,
            "allocations": report.allocations,
            "playlists": report.playlists,
            "runs": runs,
            "first": first,
            "steady": steady,
            "reference": reference,
            "load_average": load_average(),
        }
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100 and 300 screens only")
    parser.add_argument("--sizes", type=int, nargs="+", help="screen counts to run")
    parser.add_argument(
        "--postgres",
        default=os.environ.get(
            "LOCALCAST_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        ),
    )
    args = parser.parse_args()
    sizes = args.sizes or (QUICK if args.quick else FULL)
    admin_url = make_url(args.postgres)
    results = [run_size(admin_url, n) for n in sizes]
    print(
        f"\n{'screens':>8}{'campaigns':>10}{'screen-h':>10}{'pairs':>11}{'run':>8}"
        + "".join(f"{s[:11]:>12}" for s in (*STAGES, "total"))
        + f"{'of 1 h':>9}"
    )
    for r in results:
        for label in ("first", "steady"):
            t = r[label]
            print(
                f"{r['screens']:>8,}{r['campaigns']:>10,}{r['screen_hours']:>10,}"
                f"{r['pairs']:>11,}{label:>8}"
                + "".join(f"{t.get(s, 0.0):>12.2f}" for s in (*STAGES, "total"))
                + f"{t['interval_share']:>9.2%}"
            )
    for r in results:
        print(json.dumps(r))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
