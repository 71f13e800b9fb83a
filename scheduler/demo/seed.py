"""Load the demo city into a database: zones, screens, businesses, logins, policy, traffic, ads
and campaigns in every state. Same seed and same anchor day give the same data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine, func, insert, select
from sqlalchemy.orm import Session

from scheduler.db import session_scope
from scheduler.demo.city import (
    BASE_PRICE_BY_KIND,
    DEMO_PASSWORD,
    HOURS_BY_KIND,
    SCREEN_SIZES,
    ZONES,
    businesses,
)
from scheduler.demo.images import draw_ad
from scheduler.demo.traffic import generate_traffic
from scheduler.errors import Conflict
from scheduler.models import (
    Business,
    Campaign,
    Creative,
    ModerationDecision,
    PricingTier,
    PricingTierSet,
    QuotaPolicy,
    Screen,
    TrafficCount,
    User,
    Zone,
)
from scheduler.screens import register_screen
from scheduler.security import hash_password
from scheduler.users import create_user

# ingest(session, data, filename, business_id, uploaded_by_id) -> Creative
Ingest = Callable[[Session, bytes, str, int, int | None], Creative]
Progress = Callable[[str, float], None]

HISTORY_WEEKS = 8
OWNER_LOGINS = 5
DEFAULT_TIERS = (("off-peak", 0.0, 0.7), ("standard", 300.0, 1.0), ("peak", 900.0, 1.5))


@dataclass
class SeedSummary:
    zones: int = 0
    screens: int = 0
    businesses: int = 0
    users: list[dict[str, Any]] = field(default_factory=list)
    traffic_rows: int = 0
    creatives: int = 0
    campaigns: dict[str, int] = field(default_factory=dict)
    screen_tokens: dict[str, str] = field(default_factory=dict)


def is_seeded(engine: Engine) -> bool:
    with Session(engine) as session:
        return bool(session.scalar(select(func.count()).select_from(Zone)))


def seed_demo(
    engine: Engine,
    *,
    seed: int = 7,
    today: dt.date,
    tz: str = "Asia/Seoul",
    ingest: Ingest | None = None,
    progress: Progress | None = None,
    history_weeks: int = HISTORY_WEEKS,
) -> SeedSummary:
    """Fill an empty database with the demo city. ``today`` anchors the traffic history and the
    campaign flights (history ends at the start of ``today``, city time)."""
    if is_seeded(engine):
        raise Conflict("The database already holds a city; the demo seeds only an empty one.")
    report = progress or (lambda _step, _fraction: None)
    summary = SeedSummary()
    rng = np.random.default_rng(seed)
    midnight = pd.Timestamp(today).tz_localize(tz)
    history_start = (midnight - pd.Timedelta(weeks=history_weeks)).to_pydatetime()

    with session_scope(engine) as session:
        report("city", 0.0)
        zones = _add_zones(session)
        screens = _add_screens(session, zones, rng, summary)
        report("businesses", 0.1)
        staff, owners, shops = _add_people(session, seed, zones, summary)
        _add_policy(session, history_start, staff.id)
        summary.zones, summary.screens = len(zones), len(screens)

    report("foot traffic", 0.2)
    traffic = generate_traffic(
        pd.DataFrame(
            {
                "screen_id": [s.id for s in screens],
                "kind": [z.kind for s in screens for z in zones if z.id == s.zone_id],
                "level": [_screen_level(s, zones, rng) for s in screens],
            }
        ),
        end_local=midnight,
        weeks=history_weeks,
        seed=seed,
    )
    rows = traffic.assign(hour_start=traffic["hour_start"].dt.to_pydatetime()).to_dict("records")
    with session_scope(engine) as session:
        for start in range(0, len(rows), 20_000):
            session.execute(insert(TrafficCount), rows[start : start + 20_000])
    summary.traffic_rows = len(rows)

    report("ads and campaigns", 0.5)
    with session_scope(engine) as session:
        _add_campaigns(
            session, shops, zones, screens, staff, owners, rng, today, ingest, summary, report
        )
    report("done", 1.0)
    return summary


def _add_zones(session: Session) -> list[Zone]:
    zones = [
        Zone(name=z.name, kind=z.kind, latitude=z.latitude, longitude=z.longitude) for z in ZONES
    ]
    session.add_all(zones)
    session.flush()
    return zones


def _add_screens(
    session: Session, zones: list[Zone], rng: np.random.Generator, summary: SeedSummary
) -> list[Screen]:
    screens = []
    for zone, spec in zip(zones, ZONES, strict=True):
        open_hour, close_hour = HOURS_BY_KIND.get(spec.kind, (6, 24))
        for n in range(spec.screens):
            width, height = SCREEN_SIZES[int(rng.integers(len(SCREEN_SIZES)))]
            screen, token = register_screen(
                session,
                f"{spec.name} #{n + 1}",
                zone_id=zone.id,
                width_px=width,
                height_px=height,
                latitude=round(spec.latitude + float(rng.normal(0, 0.0015)), 6),
                longitude=round(spec.longitude + float(rng.normal(0, 0.0015)), 6),
                open_hour=open_hour,
                close_hour=close_hour,
                visibility_factor=round(float(rng.uniform(0.6, 1.0)), 2),
                base_price_krw=BASE_PRICE_BY_KIND.get(spec.kind, 12),
            )
            screens.append(screen)
            summary.screen_tokens[screen.name] = token
    return screens


def _screen_level(screen: Screen, zones: list[Zone], rng: np.random.Generator) -> float:
    spec = next(s for z, s in zip(zones, ZONES, strict=True) if z.id == screen.zone_id)
    return spec.level * float(rng.uniform(0.6, 1.3))


def _add_people(
    session: Session, seed: int, zones: list[Zone], summary: SeedSummary
) -> tuple[User, list[User], list[Business]]:
    shared = {"password_hash": hash_password(DEMO_PASSWORD)}  # argon2 is slow on purpose
    admin = create_user(
        session, "admin", DEMO_PASSWORD, "admin", display_name="City admin", **shared
    )
    staff = create_user(
        session, "staff", DEMO_PASSWORD, "staff", display_name="City staff", **shared
    )
    verified_at = dt.datetime.now(dt.UTC)
    shops = []
    for spec in businesses(seed):
        business = Business(
            name=spec.name,
            kind=spec.kind,
            category=spec.category,
            claims_small_local=spec.small_local,
            is_small_local=spec.small_local and spec.verified,
        )
        if spec.zone_index is not None:
            business.zone_id = zones[spec.zone_index].id
        shops.append(business)
    session.add_all(shops)
    session.flush()
    for business in shops:
        if business.is_small_local:
            business.local_verified_by_id = staff.id
            business.local_verified_at = verified_at
    local = [b for b in shops if b.is_small_local]
    owners = [
        create_user(
            session,
            f"owner{n + 1}",
            DEMO_PASSWORD,
            "owner",
            business_id=business.id,
            display_name=f"{business.name} (owner)",
            **shared,
        )
        for n, business in enumerate(local[:OWNER_LOGINS])
    ]
    summary.businesses = len(shops)
    summary.users = [
        {"username": u.username, "role": u.role, "password": DEMO_PASSWORD}
        for u in [admin, staff, *owners]
    ]
    return staff, owners, shops


def _add_policy(session: Session, effective_from: dt.datetime, staff_id: int) -> None:
    session.add(
        QuotaPolicy(effective_from=effective_from, created_by_id=staff_id, note="demo defaults")
    )
    tier_set = PricingTierSet(
        effective_from=effective_from, created_by_id=staff_id, note="demo tiers"
    )
    tier_set.tiers = [PricingTier(name=n, min_traffic=m, multiplier=x) for n, m, x in DEFAULT_TIERS]
    session.add(tier_set)


# Campaign states for the demo and how many of each (the rest of the advertisers book nothing).
CAMPAIGN_MIX = (
    ("approved", 80),
    ("pending", 5),
    ("draft", 3),
    ("paused", 3),
    ("rejected", 2),
    ("completed", 4),
    ("cancelled", 2),
)


def _add_campaigns(
    session: Session,
    shops: list[Business],
    zones: list[Zone],
    screens: list[Screen],
    staff: User,
    owners: list[User],
    rng: np.random.Generator,
    today: dt.date,
    ingest: Ingest | None,
    summary: SeedSummary,
    report: Progress,
) -> None:
    owner_of = {o.business_id: o.id for o in owners}
    public = [b for b in shops if b.kind == "public"]
    chains = [b for b in shops if b.kind == "commercial" and not b.claims_small_local]
    local = [b for b in shops if b.is_small_local]
    # Owners' own businesses always book, so each demo login has something to look at.
    order = (
        [b for b in local if b.id in owner_of]
        + [b for b in local if b.id not in owner_of][: 66 - len(owner_of)]
        + chains[:16]
    )
    rng.shuffle(order[len(owner_of) :])
    states = [state for state, n in CAMPAIGN_MIX for _ in range(n)]
    advertisers = public + order
    total = len(public) + len(states)
    for n, state in enumerate(["approved"] * len(public) + states):
        business = advertisers[n % len(advertisers)]
        report("ads and campaigns", 0.5 + 0.5 * n / total)
        creative = _add_creative(session, business, n, state, staff, owner_of, ingest)
        summary.creatives += creative is not None
        campaign = _campaign(business, creative, state, zones, screens, rng, today)
        campaign.created_by_id = owner_of.get(business.id)
        session.add(campaign)
        session.flush()
        if state in ("approved", "paused", "completed", "rejected"):
            decision = "rejected" if state == "rejected" else "approved"
            reason = (
                "The flight overlaps the city festival blackout."
                if decision == "rejected"
                else None
            )
            campaign.reject_reason = reason
            session.add(
                ModerationDecision(
                    subject="campaign",
                    subject_id=campaign.id,
                    decision=decision,
                    reason=reason,
                    decided_by_id=staff.id,
                )
            )
        summary.campaigns[state] = summary.campaigns.get(state, 0) + 1


def _add_creative(
    session: Session,
    business: Business,
    n: int,
    state: str,
    staff: User,
    owner_of: dict[int, int],
    ingest: Ingest | None,
) -> Creative | None:
    if ingest is None:
        return None
    image = draw_ad(business.name, seed=n, public=business.kind == "public")
    creative = ingest(
        session,
        image,
        f"{business.name.lower().replace(' ', '-')}.jpg",
        business.id,
        owner_of.get(business.id),
    )
    if state in ("pending", "draft"):
        return creative  # awaits review
    creative.status = "approved"
    session.add(
        ModerationDecision(
            subject="creative", subject_id=creative.id, decision="approved", decided_by_id=staff.id
        )
    )
    return creative


def _campaign(
    business: Business,
    creative: Creative | None,
    state: str,
    zones: list[Zone],
    screens: list[Screen],
    rng: np.random.Generator,
    today: dt.date,
) -> Campaign:
    if state == "completed":
        starts = today - dt.timedelta(days=int(rng.integers(20, 40)))
        ends = starts + dt.timedelta(days=14)
    else:
        starts = today - dt.timedelta(days=int(rng.integers(0, 10)))
        ends = today + dt.timedelta(days=int(rng.integers(7, 30)))
    if business.kind == "public":
        zone_ids: list[int] = []  # public notices run city-wide
        hours = list(range(24))
        budget = 0
    elif business.is_small_local:
        home = business.zone_id or zones[0].id
        zone_ids = [home]
        hours = list(range(int(rng.integers(6, 10)), int(rng.integers(19, 23))))
        budget = int(rng.integers(10, 60)) * 10_000
    else:
        zone_ids = sorted(
            {int(z) for z in rng.choice([z.id for z in zones], size=3, replace=False)}
        )
        hours = list(range(7, 23))
        budget = int(rng.integers(80, 300)) * 10_000
    weekdays_only = business.kind == "commercial" and rng.random() < 0.2
    dayparts = [hours if (day < 5 or not weekdays_only) else [] for day in range(7)]
    return Campaign(
        business_id=business.id,
        creative_id=creative.id if creative is not None else None,
        name=f"{business.name} — {'notice' if business.kind == 'public' else 'campaign'}",
        status=state,
        starts_on=starts,
        ends_on=ends,
        dayparts=dayparts,
        target_zone_ids=zone_ids,
        target_screen_ids=[],
        budget_krw=budget,
    )
