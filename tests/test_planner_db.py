"""The planning pipeline on a real database: plan, check, publish atomically, explain."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, select

from scheduler import planner
from scheduler.db import session_scope
from scheduler.errors import PlanRejected
from scheduler.models import (
    Business,
    Campaign,
    Creative,
    Forecast,
    PlanAllocation,
    PlanRun,
    Playlist,
    Rendition,
    Screen,
    TrafficCount,
    Zone,
)
from scheduler.planner import plan_and_publish
from scheduler.policy import policy_at, save_policy, save_tiers, tiers_at
from scheduler.pricing import quote

NOW = dt.datetime(2026, 11, 23, 0, 30, tzinfo=dt.UTC)  # 09:30 in Seoul, a Monday
ROOT = Path(__file__).resolve().parent.parent


def _creative(session, business, sizes, n=0):
    creative = Creative(
        business_id=business.id, name=f"ad {business.name} {n}", sha256=f"{business.id:02d}{n}" * 8,
        source_sha256="s" * 64, format="webp", width_px=1080, height_px=1920, size_bytes=1000,
        status="approved",
    )  # fmt: skip
    session.add(creative)
    session.flush()
    for w, h in sizes:
        session.add(
            Rendition(
                creative_id=creative.id, purpose="screen", width_px=w, height_px=h,
                format="webp", sha256=f"{creative.id:04d}{w}{h}".ljust(64, "0"), size_bytes=900,
            )
        )  # fmt: skip
    return creative


def build_city(engine) -> dict[str, int]:
    """Two zones, three screens (one landscape), a local shop, a chain, the city itself."""
    with session_scope(engine) as s:
        z1, z2 = Zone(name="Market", kind="market"), Zone(name="Park", kind="park")
        s.add_all([z1, z2])
        s.flush()
        screens = [
            Screen(name="S1", zone_id=z1.id, open_hour=6, close_hour=24),
            Screen(name="S2", zone_id=z1.id, open_hour=8, close_hour=22, base_price_krw=150),
            Screen(name="S3", zone_id=z2.id, width_px=1920, height_px=1080, slot_seconds=15),
        ]
        s.add_all(screens)
        s.flush()
        start = NOW.replace(minute=0) - dt.timedelta(days=15)
        counts = []
        for scr in screens[:2]:
            for h in range(15 * 24):
                moment = start + dt.timedelta(hours=h)
                local_hour = (moment.hour + 9) % 24
                counts.append(
                    TrafficCount(
                        screen_id=scr.id,
                        hour_start=moment,
                        count=50 + 40 * local_hour * (scr.id % 2 + 1),
                    )
                )
        s.add_all(counts)
        shop = Business(name="Bakery", is_small_local=True, claims_small_local=True, zone_id=z1.id)
        chain = Business(name="Chain")
        city = Business(name="City", kind="public")
        s.add_all([shop, chain, city])
        s.flush()
        portrait, both = [(1080, 1920)], [(1080, 1920), (1920, 1080)]
        c_shop = _creative(s, shop, portrait)
        c_chain = _creative(s, chain, both)
        c_notice = _creative(s, city, both)
        _creative(s, city, both, n=1)  # house content
        day = NOW.date()
        camps = [
            Campaign(business_id=shop.id, creative_id=c_shop.id, name="Bread", status="approved",
                     starts_on=day, ends_on=day + dt.timedelta(days=9), budget_krw=300_000,
                     target_zone_ids=[z1.id], dayparts=[list(range(7, 20))] * 7),
            Campaign(business_id=chain.id, creative_id=c_chain.id, name="Sale", status="approved",
                     starts_on=day, ends_on=day + dt.timedelta(days=4), budget_krw=2_000_000),
            Campaign(business_id=city.id, creative_id=c_notice.id, name="Recycling",
                     status="approved", starts_on=day, ends_on=day + dt.timedelta(days=30),
                     budget_krw=0),
            Campaign(business_id=chain.id, creative_id=c_chain.id, name="Draft", status="draft",
                     starts_on=day, ends_on=day, budget_krw=1000),
        ]  # fmt: skip
        s.add_all(camps)
        s.flush()
        return {"shop": shop.id, "chain": chain.id, "bread": camps[0].id, "sale": camps[1].id,
                "notice": camps[2].id, "draft": camps[3].id, "z1": z1.id}  # fmt: skip


def current_documents(engine) -> dict[int, dict]:
    with session_scope(engine) as s:
        rows = s.scalars(select(Playlist).where(Playlist.is_current.is_(True))).all()
        per_screen = {}
        for row in rows:
            assert row.screen_id not in per_screen, "two current playlists for one screen"
            per_screen[row.screen_id] = row.document
        return per_screen


def assert_complete(doc: dict) -> None:
    """A playlist a screen can play: 48 h ahead, every slot filled with a known item."""
    start = pd.Timestamp(doc["valid_from"])
    assert pd.Timestamp(doc["valid_until"]) - start >= pd.Timedelta(hours=48)
    assert len(doc["hours"]) == (pd.Timestamp(doc["valid_until"]) - start) / pd.Timedelta(hours=1)
    slots = 3600 // doc["slot_seconds"]
    for hour in doc["hours"]:
        assert len(hour["sequence"]) in (0, slots)
        for item in hour["sequence"]:
            assert item in doc["items"]
            media = doc["items"][item]["media"]
            assert media is None or media in doc["media"]


def test_plan_publishes_explained_playlists_within_quotas(engine):
    ids = build_city(engine)
    report = plan_and_publish(engine, now=NOW)
    assert report.status == "published" and report.playlists == 3
    docs = current_documents(engine)
    assert len(docs) == 3
    for doc in docs.values():
        assert_complete(doc)
        assert doc["plan_run_id"] == report.plan_run_id and doc["timezone"] == "Asia/Seoul"
    with session_scope(engine) as s:
        run = s.get(PlanRun, report.plan_run_id)
        assert run.status == "published" and run.summary["screens"] == 3
        allocs = s.scalars(select(PlanAllocation).where(PlanAllocation.plan_run_id == run.id)).all()
        by_campaign = {a.campaign_id for a in allocs}
        assert ids["draft"] not in by_campaign
        assert {ids["bread"], ids["sale"], ids["notice"]} <= by_campaign
        s3 = s.scalar(select(Screen.id).where(Screen.name == "S3"))
        # The shop targets its zone and has no landscape rendition: never on S3.
        assert not [a for a in allocs if a.campaign_id == ids["bread"] and a.screen_id == s3]
        shop_alloc = next(a for a in allocs if a.campaign_id == ids["bread"])
        assert shop_alloc.rule == "local_quota" and shop_alloc.price_krw > 0
    # Every campaign item explains itself and maps to its allocation and frozen price.
    s1 = next(d for d in docs.values() if d["slot_seconds"] == 10)
    item_id, item = next((k, v) for k, v in s1["items"].items() if v["campaign_id"] == ids["bread"])
    assert item_id == f"a{shop_alloc.id}" or item_id.startswith("a")
    assert item["explain"]["price_krw"] > 0 and item["explain"]["tier"]
    assert "reserve" in item["explain"]["rule"] and item["impressions_multiplier"] > 0
    # The local shop pays the discounted price, the chain the full one.
    sale = next(v for v in s1["items"].values() if v["campaign_id"] == ids["sale"])
    assert sale["rule"] in ("paid", "released")
    # Re-planning makes new versions and keeps exactly one current per screen.
    again = plan_and_publish(engine, now=NOW + dt.timedelta(hours=1))
    docs2 = current_documents(engine)
    assert {d["version"] for d in docs2.values()} == {2}
    assert {d["plan_run_id"] for d in docs2.values()} == {again.plan_run_id}


def test_a_plan_failing_the_checker_is_not_published(engine, monkeypatch):
    build_city(engine)
    first = plan_and_publish(engine, now=NOW)
    real = planner.allocate

    def broken(*args, **kwargs):
        plan = real(*args, **kwargs)
        paid = plan.index[plan["rule"] == "paid"][0]
        plan.loc[paid, "plays"] += 1000  # over the screen-hour's airtime and one advertiser's share
        return plan

    monkeypatch.setattr(planner, "allocate", broken)
    with pytest.raises(PlanRejected) as info:
        plan_and_publish(engine, now=NOW + dt.timedelta(hours=1))
    assert "previous playlists stay live" in info.value.message
    assert {d["plan_run_id"] for d in current_documents(engine).values()} == {first.plan_run_id}
    with session_scope(engine) as s:
        run = s.scalars(select(PlanRun).order_by(PlanRun.id.desc())).first()
        assert run.status == "rejected" and "capacity" in run.error
        kinds = {v["kind"] for v in run.summary["violations"]}
        assert {"capacity", "advertiser_share"} <= kinds


KILLER = textwrap.dedent(
    """
    import datetime as dt, sys, time
    from pathlib import Path
    from scheduler.db import make_engine
    from scheduler.planner import plan_and_publish

    marker = Path(sys.argv[2])

    def progress(stage, done, total):
        if stage == "publish" and done >= 2:
            marker.write_text("writing")
            time.sleep(60)

    plan_and_publish(make_engine(sys.argv[1]), now=dt.datetime.fromisoformat(sys.argv[3]),
                     progress=progress)
    """
)


def test_killing_the_planner_mid_publish_leaves_the_old_playlists(engine, tmp_path):
    build_city(engine)
    first = plan_and_publish(engine, now=NOW)
    marker = tmp_path / "marker"
    url = engine.url.render_as_string(hide_password=False)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLER, url, str(marker), (NOW + dt.timedelta(hours=1)).isoformat()],
        env=env,
    )
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert proc.poll() is None, "the planner ended before it started publishing"
        assert time.monotonic() < deadline
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    docs = current_documents(engine)
    assert len(docs) == 3
    assert {d["plan_run_id"] for d in docs.values()} == {first.plan_run_id}
    for doc in docs.values():
        assert_complete(doc)
    with session_scope(engine) as s:
        assert s.scalar(select(func.count()).select_from(Playlist)) == 3
    # The next run publishes a whole new plan.
    after = plan_and_publish(engine, now=NOW + dt.timedelta(hours=2))
    assert {d["plan_run_id"] for d in current_documents(engine).values()} == {after.plan_run_id}


def test_policy_and_tiers_are_versioned_with_defaults(engine):
    with session_scope(engine) as s:
        assert policy_at(s, NOW).local_min_share == 0.6 and policy_at(s, NOW).id is None
        assert [t.name for t in tiers_at(s, NOW).tiers] == ["off-peak", "standard", "peak"]
        save_policy(s, effective_from=NOW - dt.timedelta(days=1), local_min_share=0.5)
        save_policy(s, effective_from=NOW + dt.timedelta(days=1), local_min_share=0.7)
        save_tiers(s, [("low", 0, 1.0), ("high", 100, 2.0)], effective_from=NOW)
    with session_scope(engine) as s:
        assert policy_at(s, NOW).local_min_share == 0.5
        assert policy_at(s, NOW + dt.timedelta(days=2)).local_min_share == 0.7
        assert policy_at(s, NOW + dt.timedelta(days=2)).public_min_share == 0.1
        assert [t.name for t in tiers_at(s, NOW).tiers] == ["low", "high"]
        assert tiers_at(s, NOW - dt.timedelta(hours=1)).id is None


def test_quote_tells_plays_impressions_and_cost_per_day(engine):
    ids = build_city(engine)
    from types import SimpleNamespace

    draft = SimpleNamespace(
        business_id=ids["shop"], screen_ids=[], zone_ids=[ids["z1"]],
        dayparts=[list(range(8, 20))] * 7, starts_on=NOW.date(),
        ends_on=NOW.date() + dt.timedelta(days=6), budget_krw=70_000,
    )  # fmt: skip
    with session_scope(engine) as s:
        q = quote(s, draft, now=NOW)
    assert q.expected_plays > 0 and q.impressions > 0
    assert 0 < q.cost_krw <= 70_000 and len(q.days) == 7
    assert abs(q.cost_per_day_krw - q.cost_krw / 7) < 1
    assert set(q.tiers_used) <= {"off-peak", "standard", "peak"}


def test_an_empty_city_plans_and_publishes_nothing_without_failing(engine):
    report = plan_and_publish(engine, now=NOW)
    assert report.status == "published"
    assert (report.screens, report.playlists, report.allocations) == (0, 0, 0)
    assert any("no active screens" in note for note in report.unmet)
    with session_scope(engine) as s:
        assert s.get(PlanRun, report.plan_run_id).status == "published"


def test_screens_without_campaigns_or_traffic_get_house_content(engine):
    with session_scope(engine) as s:
        zone = Zone(name="Square", kind="market")
        s.add(zone)
        s.flush()
        s.add_all([Screen(name="Lonely", zone_id=zone.id), Screen(name="Also", zone_id=zone.id)])
    report = plan_and_publish(engine, now=NOW)
    assert report.status == "published" and report.playlists == 2 and report.spend_krw == 0
    docs = current_documents(engine)
    assert len(docs) == 2
    for doc in docs.values():
        assert_complete(doc)
        played = {item for hour in doc["hours"] for item in hour["sequence"]}
        assert played == {"house"}
    with session_scope(engine) as s:
        assert set(s.scalars(select(Forecast.source)).all()) == {"none"}
    # History on one screen only: its zone-mate borrows from it ("zone"), a screen in a zone
    # without history borrows from the whole city ("city"); all of them plan.
    with session_scope(engine) as s:
        far = Zone(name="Far", kind="park")
        s.add(far)
        s.flush()
        s.add(Screen(name="Remote", zone_id=far.id))
        lonely = s.scalar(select(Screen).where(Screen.name == "Lonely"))
        start = NOW.replace(minute=0) - dt.timedelta(days=8)
        s.add_all(
            TrafficCount(screen_id=lonely.id, hour_start=start + dt.timedelta(hours=h), count=80)
            for h in range(8 * 24)
        )
    again = plan_and_publish(engine, now=NOW + dt.timedelta(hours=1))
    assert again.playlists == 3
    assert {d["plan_run_id"] for d in current_documents(engine).values()} == {again.plan_run_id}
    with session_scope(engine) as s:
        hour = NOW.replace(minute=0) + dt.timedelta(hours=2)
        sources = set(s.scalars(select(Forecast.source).where(Forecast.hour_start == hour)))
        assert sources == {"screen", "zone", "city"}


def test_playlist_items_name_the_allocations_written_for_them(engine, monkeypatch):
    from scheduler import publish

    build_city(engine)
    monkeypatch.setattr(publish, "ALLOCATION_CHUNK", 7)  # several statements, progress steps
    first = plan_and_publish(engine, now=NOW)
    again = plan_and_publish(engine, now=NOW + dt.timedelta(hours=1))
    with session_scope(engine) as s:
        allocs = {a.id: a for a in s.scalars(select(PlanAllocation)).all()}
        per_run = {
            run: sum(1 for a in allocs.values() if a.plan_run_id == run)
            for run in (first.plan_run_id, again.plan_run_id)
        }
    assert per_run == {first.plan_run_id: first.allocations, again.plan_run_id: again.allocations}
    assert first.allocations > 7
    checked = 0
    for doc in current_documents(engine).values():
        for hour in doc["hours"]:
            for item_id in set(hour["sequence"]) - {"house"}:
                alloc = allocs[int(item_id.removeprefix("a"))]
                item = doc["items"][item_id]
                assert alloc.plan_run_id == again.plan_run_id
                assert alloc.screen_id == doc["screen_id"]
                assert alloc.hour_start == pd.Timestamp(hour["start"]).to_pydatetime()
                assert (alloc.campaign_id, alloc.rule) == (item["campaign_id"], item["rule"])
                assert alloc.price_krw == item["explain"]["price_krw"]
                assert hour["sequence"].count(item_id) == alloc.plays
                checked += 1
    assert checked > 20
