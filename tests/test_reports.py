"""The staff reports' pure functions, on small hand-made frames."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from scheduler import reports

UTC = dt.UTC
H0 = pd.Timestamp("2026-03-02T00:00:00Z")  # a Monday, 09:00 in Seoul
H1 = H0 + pd.Timedelta(hours=1)


def test_latest_plan_rows_keeps_newest_run_per_screen_hour() -> None:
    alloc = pd.DataFrame(
        {
            "plan_run_id": [1, 1, 2, 2, 1],
            "screen_id": [1, 1, 1, 1, 2],
            "hour_start": [H0, H0, H0, H1, H0],
            "plays": [10, 5, 7, 3, 9],
        }
    )
    out = reports.latest_plan_rows(alloc)
    assert sorted(zip(out["screen_id"], out["plan_run_id"], out["plays"], strict=True)) == [
        (1, 2, 3),
        (1, 2, 7),
        (2, 1, 9),
    ]


def test_local_share_compliance_against_quota() -> None:
    alloc = pd.DataFrame(
        {
            "screen_id": [1, 1, 1, 2, 2, 3, 3, 4, 4, 4],
            "hour_start": [H0] * 10,
            "plays": [216, 100, 44, 100, 260, 50, 310, 50, 130, 60],
            "is_local": [True, False, False, True, False, True, False, True, False, False],
            "rule": [
                "local_quota",
                "paid",
                "house",
                "local_quota",
                "paid",
                "local_quota",
                "house",
                "local_quota",
                "paid",
                "released",
            ],
            "slots": [360] * 10,
            "quota": [0.6] * 10,
        }
    )
    out = reports.local_share_compliance(alloc).set_index("screen_id")
    assert out.loc[1, "local_share"] == pytest.approx(0.6)
    assert out.loc[1, "status"] == "met" and out.loc[1, "shortfall_plays"] == 0
    # Other advertisers took 260 of 360 slots, more than the 40 % left outside the reserve.
    assert out.loc[2, "status"] == "breached" and not out.loc[2, "compliant"]
    assert out.loc[2, "shortfall_plays"] == 116  # 0.6 * 360 = 216 needed, 100 planned
    # Little local demand, and the rest of the reserve went to house content: compliant.
    assert out.loc[3, "status"] == "reserve_kept" and out.loc[3, "compliant"]
    assert out.loc[4, "status"] == "released" and out.loc[4, "compliant"]
    summary = reports.compliance_by_screen(out.reset_index()).set_index("screen_id")
    assert summary.loc[1, "met_rate"] == 1.0 and summary.loc[2, "met_rate"] == 0.0
    assert summary.loc[3, "met_rate"] == 0.0 and summary.loc[3, "compliant_rate"] == 1.0


def test_local_share_compliance_empty() -> None:
    empty = pd.DataFrame(
        columns=["screen_id", "hour_start", "plays", "is_local", "rule", "slots", "quota"]
    )
    assert reports.local_share_compliance(empty).empty
    assert reports.compliance_by_screen(reports.local_share_compliance(empty)).empty


def test_revenue_by_tier_zone_sums_prices_and_names_house() -> None:
    plays = pd.DataFrame(
        {
            "tier": ["peak", "peak", "off-peak", None],
            "zone": ["Market", "Market", "Park", "Park"],
            "price_krw": [150, 150, 80, 0],
            "impressions": [1.0, 2.0, 0.5, 0.5],
        }
    )
    out = reports.revenue_by_tier_zone(plays)
    first = out.iloc[0]
    assert (first["tier"], first["zone"], first["plays"], first["revenue_krw"]) == (
        "peak",
        "Market",
        2,
        300,
    )
    assert "house" in set(out["tier"])
    assert out["revenue_krw"].sum() == 380


def test_delivery_by_campaign_rates() -> None:
    campaigns = pd.DataFrame(
        {
            "campaign_id": [1, 2],
            "name": ["Bakery", "Gym"],
            "business": ["B", "G"],
            "status": ["approved", "approved"],
            "budget_krw": [1000, 0],
        }
    )
    planned = pd.DataFrame({"campaign_id": [1, 1, None], "plays": [4, 6, 50]})
    plays = pd.DataFrame(
        {"campaign_id": [1] * 5 + [None], "price_krw": [100] * 6, "impressions": [0.5] * 6}
    )
    out = reports.delivery_by_campaign(campaigns, planned, plays).set_index("campaign_id")
    assert out.loc[1, "planned_plays"] == 10
    assert out.loc[1, "played"] == 5
    assert out.loc[1, "delivery_rate"] == pytest.approx(0.5)
    assert out.loc[1, "spend_krw"] == 500
    assert out.loc[1, "budget_used"] == pytest.approx(0.5)
    assert out.loc[2, "played"] == 0 and pd.isna(out.loc[2, "delivery_rate"])


def test_audience_per_screen_groups_by_local_day() -> None:
    # 15:30 UTC is 00:30 the next day in Seoul.
    plays = pd.DataFrame(
        {
            "screen_id": [1, 1, 1],
            "screen": ["A", "A", "A"],
            "started_at": [
                pd.Timestamp("2026-03-02T14:00:00Z"),
                pd.Timestamp("2026-03-02T15:30:00Z"),
                pd.Timestamp("2026-03-02T16:00:00Z"),
            ],
            "impressions": [1.0, 2.0, 3.0],
        }
    )
    out = reports.audience_per_screen(plays, "Asia/Seoul")
    assert list(out["day"].astype(str)) == ["2026-03-02", "2026-03-03"]
    assert list(out["impressions"]) == [1.0, 5.0]


def test_hour_weekday_matrix_local_time_and_suspect_dropped() -> None:
    counts = pd.DataFrame(
        {
            "hour_start": [H0, H0 + pd.Timedelta(days=7), H1, H1 + pd.Timedelta(days=7)],
            "count": [100, 200, 0, 40],
            "suspect": [False, False, True, False],
        }
    )
    out = reports.hour_weekday_matrix(counts, "Asia/Seoul").set_index(["weekday", "hour"])
    assert out.loc[(0, 9), "mean_count"] == 150
    assert out.loc[(0, 10), "mean_count"] == 40  # the suspect zero is left out
    assert out.loc[(0, 10), "hours"] == 1


def test_holdout_comparison_forecasts_the_last_week_from_the_weeks_before() -> None:
    # Four weeks of a perfectly weekly pattern: both forecasts must reproduce the last week.
    hours = pd.date_range("2026-02-02T00:00:00Z", periods=24 * 28, freq="h")
    pattern = (hours.hour * 10 + hours.day_of_week).to_numpy()
    counts = pd.DataFrame({"screen_id": 1, "hour_start": hours, "count": pattern, "suspect": False})
    counts.loc[5, "suspect"] = True  # left out, not fatal
    out = reports.holdout_comparison(counts, "Asia/Seoul", days=7)
    wide = out.pivot_table(index="hour_start", columns="kind", values="value")
    assert len(wide) == 24 * 7
    assert (wide["naive"] - wide["actual"]).abs().max() == 0
    assert (wide["expected"] - wide["actual"]).abs().mean() < 1.0
    assert out["hour_start"].min() > hours[-1] - pd.Timedelta(days=7)
    assert reports.holdout_comparison(counts.iloc[:0], "Asia/Seoul").empty


def test_screen_status_online_within_five_minutes() -> None:
    now = dt.datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    screens = pd.DataFrame(
        {
            "id": [1, 2, 3],
            "last_seen_at": [now - dt.timedelta(minutes=4), now - dt.timedelta(minutes=6), None],
        }
    )
    out = reports.screen_status(screens, now)
    assert list(out["online"]) == [True, False, False]
    assert out.loc[0, "minutes_since_seen"] == pytest.approx(4.0)


def test_job_run_summary() -> None:
    runs = pd.DataFrame(
        {
            "job": ["replan", "replan", "billing"],
            "started_at": [H0, H1, H0],
            "outcome": ["error", "ok", "ok"],
            "duration_s": [1.0, 3.0, 0.5],
        }
    )
    out = reports.job_run_summary(runs).set_index("job")
    assert out.loc["replan", "runs"] == 2
    assert out.loc["replan", "errors"] == 1
    assert out.loc["replan", "last_outcome"] == "ok"
    assert out.loc["replan", "mean_duration_s"] == 2.0


def test_playlist_timeline_counts_slots_and_labels() -> None:
    document = {
        "items": {
            "a1": {
                "campaign_id": 3,
                "business_id": 7,
                "duration_s": 10,
                "rule": "local_quota",
                "explain": {"campaign": "Spring sale"},
            },
            "house": {"duration_s": 10, "rule": "house"},
        },
        "hours": [
            {"start": "2026-03-02T00:00:00Z", "sequence": ["a1", "house", "a1", "a1"]},
            {"start": "2026-03-02T01:00:00Z", "sequence": []},
        ],
    }
    out = reports.playlist_timeline(document, "Asia/Seoul")
    assert list(out["label"]) == ["Spring sale", "house"]
    assert list(out["slots"]) == [3, 1]
    assert out.loc[0, "share"] == 0.75
    assert out.loc[0, "seconds"] == 30
    assert out.loc[0, "hour_start"].hour == 9
    assert reports.playlist_timeline({}, "Asia/Seoul").empty


def test_csv_bytes_have_bom_for_hangul() -> None:
    data = reports.to_csv_bytes(pd.DataFrame({"이름": ["빵집"]}))
    assert data.startswith(b"\xef\xbb\xbf")
    assert "빵집" in data.decode("utf-8-sig")


def test_tier_price_curve_steps_at_tier_bounds() -> None:
    from scheduler.pricing import PriceRules, Tier

    tiers = [Tier("peak", 600.0, 1.5), Tier("off-peak", 0.0, 0.8), Tier("standard", 150.0, 1.0)]
    curve = reports.tier_price_curve(tiers, 100, PriceRules(0.3, 0.8, 0.2), 1000, points=11)
    listed = curve[curve["case"] == "list"].set_index("traffic")
    assert listed.loc[0.0, "price_krw"] == 80 and listed.loc[0.0, "tier"] == "off-peak"
    assert listed.loc[200.0, "price_krw"] == 100
    assert listed.loc[1000.0, "price_krw"] == 150 and listed.loc[1000.0, "tier"] == "peak"
    local = curve[curve["case"] == "local"].set_index("traffic")
    surcharged = curve[curve["case"] == "surcharged"].set_index("traffic")
    assert local.loc[1000.0, "price_krw"] == 105  # 150 × (1 − 0.3)
    assert surcharged.loc[1000.0, "price_krw"] == 180  # 150 × 1.2


def test_tier_usage_counts_every_tier() -> None:
    from scheduler.pricing import Tier

    tiers = [Tier("off-peak", 0.0, 0.8), Tier("standard", 150.0, 1.0), Tier("peak", 600.0, 1.5)]
    out = reports.tier_usage(pd.Series([10.0, 149.0, 150.0, 700.0]), tiers).set_index("tier")
    assert list(out["screen_hours"]) == [2, 1, 1]
    assert out.loc["off-peak", "share"] == 0.5
    assert reports.tier_usage(pd.Series([], dtype=float), tiers)["screen_hours"].sum() == 0


def test_query_edge_loads_newest_plan_and_plays(engine) -> None:
    """The loaders on a real database: newest published run per screen-hour, plays with tiers."""
    from scheduler.db import session_scope
    from scheduler.models import (
        Business,
        Campaign,
        PlanAllocation,
        PlanRun,
        Play,
        QuotaPolicy,
        Screen,
        Zone,
    )

    hour = dt.datetime(2026, 3, 2, 0, tzinfo=UTC)
    with session_scope(engine) as s:
        zone = Zone(name="Market", kind="market")
        s.add(zone)
        s.flush()
        screen = Screen(name="S", zone_id=zone.id, slot_seconds=10)
        local = Business(name="Bakery", is_small_local=True)
        chain = Business(name="Chain")
        policy = QuotaPolicy(effective_from=hour - dt.timedelta(days=1), local_min_share=0.5)
        s.add_all([screen, local, chain, policy])
        s.flush()
        day = hour.date()
        c_local = Campaign(business_id=local.id, name="L", starts_on=day, ends_on=day, budget_krw=1)
        c_chain = Campaign(business_id=chain.id, name="C", starts_on=day, ends_on=day, budget_krw=1)
        s.add_all([c_local, c_chain])
        s.flush()
        runs = []
        for status in ("published", "published", "failed"):
            run = PlanRun(
                horizon_start=hour,
                horizon_end=hour + dt.timedelta(hours=2),
                status=status,
                quota_policy_id=policy.id,
            )
            s.add(run)
            s.flush()
            runs.append(run)
        rows = [
            (runs[0], c_local, 100, "local_quota"),
            (runs[1], c_local, 180, "local_quota"),
            (runs[1], c_chain, 90, "paid"),
            (runs[2], c_chain, 360, "paid"),  # a failed run never counts
        ]
        for run, campaign, plays, rule in rows:
            s.add(
                PlanAllocation(
                    plan_run_id=run.id,
                    screen_id=screen.id,
                    hour_start=hour,
                    campaign_id=campaign.id,
                    plays=plays,
                    price_krw=100,
                    tier="peak",
                    rule=rule,
                )
            )
        s.flush()
        alloc_id = (
            s.query(PlanAllocation.id).filter_by(plan_run_id=runs[1].id, rule="paid").scalar()
        )
        s.add(
            Play(
                screen_id=screen.id,
                play_uid="p1",
                item_id=f"a{alloc_id}",
                allocation_id=alloc_id,
                campaign_id=c_chain.id,
                started_at=hour + dt.timedelta(minutes=5),
                duration_ms=10_000,
                price_krw=100,
                impressions=0.5,
            )
        )
    with session_scope(engine) as s:
        alloc = reports.load_allocations(s, hour, hour + dt.timedelta(hours=1))
        plays = reports.load_plays(s, hour, hour + dt.timedelta(hours=1))
        campaigns = reports.load_campaigns(s)
    assert set(alloc["plan_run_id"]) == {runs[1].id}
    compliance = reports.local_share_compliance(alloc)
    assert compliance.loc[0, "local_share"] == pytest.approx(0.5)  # 180 of 360 slots
    assert bool(compliance.loc[0, "meets"]) is True and compliance.loc[0, "quota"] == 0.5
    revenue = reports.revenue_by_tier_zone(plays)
    assert revenue.loc[0, ["tier", "zone", "revenue_krw"]].tolist() == ["peak", "Market", 100]
    delivery = reports.delivery_by_campaign(campaigns, alloc, plays).set_index("name")
    assert delivery.loc["L", "planned_plays"] == 180 and delivery.loc["C", "played"] == 1
