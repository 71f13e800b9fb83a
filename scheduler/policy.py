"""Quota policy and pricing tiers, versioned by effective date; history is never rewritten.

The row in force at a moment is the one with the latest ``effective_from`` at or before it (ties:
the newest row). With nothing stored yet, the documented defaults apply: local share 0.6, public
share 0.1, one advertiser 0.25, no release of unused local airtime, local discount 0.3, surcharge
+20 % above a booked share of 0.8; tiers off-peak (from 0 passers-by/h, ×0.8), standard
(from 150, ×1.0), peak (from 600, ×1.5).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.allocate import Quotas
from scheduler.errors import ValidationFailed
from scheduler.models import PricingTier, PricingTierSet, QuotaPolicy, utcnow
from scheduler.pricing import DEFAULT_TIERS, PriceRules, Tier

POLICY_FIELDS = (
    "local_min_share",
    "public_min_share",
    "advertiser_max_share",
    "release_unused_local",
    "local_discount",
    "surcharge_threshold",
    "surcharge_rate",
)
SHARE_FIELDS = POLICY_FIELDS[:3] + ("local_discount", "surcharge_threshold")


def default_policy() -> QuotaPolicy:
    """The documented defaults, as an unsaved row (``id`` is None)."""
    return QuotaPolicy(
        effective_from=dt.datetime(1970, 1, 1, tzinfo=dt.UTC),
        local_min_share=0.6,
        public_min_share=0.1,
        advertiser_max_share=0.25,
        release_unused_local=False,
        local_discount=0.3,
        surcharge_threshold=0.8,
        surcharge_rate=0.2,
        note="default",
    )


def default_tiers() -> PricingTierSet:
    tier_set = PricingTierSet(effective_from=dt.datetime(1970, 1, 1, tzinfo=dt.UTC), note="default")
    tier_set.tiers = [
        PricingTier(name=t.name, min_traffic=t.min_traffic, multiplier=t.multiplier)
        for t in DEFAULT_TIERS
    ]
    return tier_set


def policy_at(session: Session, when: dt.datetime | None = None) -> QuotaPolicy:
    """The quota policy in force at ``when`` (default now)."""
    when = when or utcnow()
    row = session.scalars(
        select(QuotaPolicy)
        .where(QuotaPolicy.effective_from <= when)
        .order_by(QuotaPolicy.effective_from.desc(), QuotaPolicy.id.desc())
        .limit(1)
    ).first()
    return row if row is not None else default_policy()


def tiers_at(session: Session, when: dt.datetime | None = None) -> PricingTierSet:
    """The pricing tier set in force at ``when`` (default now)."""
    when = when or utcnow()
    row = session.scalars(
        select(PricingTierSet)
        .where(PricingTierSet.effective_from <= when)
        .order_by(PricingTierSet.effective_from.desc(), PricingTierSet.id.desc())
        .limit(1)
    ).first()
    return row if row is not None and row.tiers else default_tiers()


def save_policy(
    session: Session,
    *,
    effective_from: dt.datetime,
    created_by_id: int | None = None,
    note: str | None = None,
    **fields: Any,
) -> QuotaPolicy:
    """Store a new policy version; fields not given keep the value in force at that moment."""
    unknown = set(fields) - set(POLICY_FIELDS)
    if unknown:
        raise ValidationFailed(f"Unknown policy setting(s): {', '.join(sorted(unknown))}.")
    if effective_from.tzinfo is None:
        raise ValidationFailed("The effective date needs a time zone.")
    base = policy_at(session, effective_from)
    values = {name: fields.get(name, getattr(base, name)) for name in POLICY_FIELDS}
    for name in SHARE_FIELDS:
        if not 0.0 <= float(values[name]) <= 1.0:
            raise ValidationFailed(f"{name} must be between 0 and 1, not {values[name]}.")
    if float(values["surcharge_rate"]) < 0:
        raise ValidationFailed("The surcharge rate cannot be negative.")
    if float(values["local_min_share"]) + float(values["public_min_share"]) > 1.0:
        raise ValidationFailed(
            "The local and public shares add up to more than all airtime; lower one of them."
        )
    row = QuotaPolicy(
        effective_from=effective_from, created_by_id=created_by_id, note=note, **values
    )
    session.add(row)
    session.flush()
    return row


def save_tiers(
    session: Session,
    tiers: list[tuple[str, float, float]],
    *,
    effective_from: dt.datetime,
    created_by_id: int | None = None,
    note: str | None = None,
) -> PricingTierSet:
    """Store a new full set of tiers (name, min forecast passers-by per hour, multiplier)."""
    if not tiers:
        raise ValidationFailed("Give at least one pricing tier.")
    if effective_from.tzinfo is None:
        raise ValidationFailed("The effective date needs a time zone.")
    names = [str(name).strip() for name, _, _ in tiers]
    if any(not name for name in names) or len(set(names)) != len(names):
        raise ValidationFailed("Every tier needs its own, non-empty name.")
    for name, low, mult in tiers:
        if float(low) < 0:
            raise ValidationFailed(f"Tier {name!r}: the traffic threshold cannot be negative.")
        if float(mult) <= 0:
            raise ValidationFailed(f"Tier {name!r}: the multiplier must be above 0.")
    if min(float(low) for _, low, _ in tiers) > 0:
        raise ValidationFailed("One tier must start at 0 passers-by so every hour has a price.")
    tier_set = PricingTierSet(effective_from=effective_from, created_by_id=created_by_id, note=note)
    tier_set.tiers = [
        PricingTier(name=name.strip(), min_traffic=float(low), multiplier=float(mult))
        for name, low, mult in sorted(tiers, key=lambda t: float(t[1]))
    ]
    session.add(tier_set)
    session.flush()
    return tier_set


def quotas_of(policy: QuotaPolicy) -> Quotas:
    return Quotas(
        local_min_share=float(policy.local_min_share),
        public_min_share=float(policy.public_min_share),
        advertiser_max_share=float(policy.advertiser_max_share),
        release_unused_local=bool(policy.release_unused_local),
    )


def price_rules_of(policy: QuotaPolicy) -> PriceRules:
    return PriceRules(
        local_discount=float(policy.local_discount),
        surcharge_threshold=float(policy.surcharge_threshold),
        surcharge_rate=float(policy.surcharge_rate),
    )


def tier_list(tier_set: PricingTierSet) -> tuple[Tier, ...]:
    return tuple(
        Tier(t.name, float(t.min_traffic), float(t.multiplier))
        for t in sorted(tier_set.tiers, key=lambda t: t.min_traffic)
    )
