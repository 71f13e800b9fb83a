"""Moderation: who may decide, rejections carry reasons, and every decision is kept."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from scheduler import moderation
from scheduler.errors import Conflict, PermissionDenied, ValidationFailed
from scheduler.models import Business, Campaign, Creative, ModerationDecision, User


@pytest.fixture
def world(engine: Engine) -> Iterator[tuple[Session, dict[str, int]]]:
    with Session(engine, expire_on_commit=False) as session:
        shop = Business(name="Bakery", claims_small_local=True)
        city = Business(name="City hall", kind="public")
        session.add_all([shop, city])
        session.flush()
        users = [
            User(username="staff", password_hash="x", role="staff"),
            User(username="admin", password_hash="x", role="admin"),
            User(username="owner", password_hash="x", role="owner", business_id=shop.id),
            User(username="gone", password_hash="x", role="staff", disabled=True),
        ]
        session.add_all(users)
        session.flush()
        creative = Creative(
            business_id=shop.id,
            name="Bread",
            sha256="a" * 64,
            source_sha256="b" * 64,
            format="PNG",
            width_px=800,
            height_px=600,
            size_bytes=1000,
        )
        session.add(creative)
        session.flush()
        today = dt.date(2026, 12, 1)
        campaign = Campaign(
            business_id=shop.id,
            creative_id=creative.id,
            name="Winter bread",
            status="pending",
            starts_on=today,
            ends_on=today + dt.timedelta(days=7),
            budget_krw=50_000,
        )
        session.add(campaign)
        session.commit()
        ids = {u.username: u.id for u in users} | {
            "shop": shop.id,
            "city": city.id,
            "creative": creative.id,
            "campaign": campaign.id,
        }
        yield session, ids


def history(session: Session, subject: str, subject_id: int) -> list[tuple[str, str | None]]:
    return [(d.decision, d.reason) for d in moderation.decisions_for(session, subject, subject_id)]


@pytest.mark.parametrize("who", ["owner", "gone", None])
def test_only_active_staff_or_admin_may_decide(
    world: tuple[Session, dict[str, int]], who: str | None
) -> None:
    session, ids = world
    actor = ids[who] if who else None
    calls = [
        lambda: moderation.approve_creative(session, ids["creative"], decided_by_id=actor),
        lambda: moderation.reject_creative(session, ids["creative"], "no", decided_by_id=actor),
        lambda: moderation.approve_campaign(session, ids["campaign"], decided_by_id=actor),
        lambda: moderation.reject_campaign(session, ids["campaign"], "no", decided_by_id=actor),
        lambda: moderation.verify_business(session, ids["shop"], True, decided_by_id=actor),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()
    session.commit()
    assert session.scalars(select(ModerationDecision)).all() == []
    assert session.get(Creative, ids["creative"]).status == "pending"
    assert session.get(Business, ids["shop"]).is_small_local is False


def test_creative_rejection_needs_a_reason_the_owner_sees(
    world: tuple[Session, dict[str, int]],
) -> None:
    session, ids = world
    for reason in ("", "   "):
        with pytest.raises(ValidationFailed):
            moderation.reject_creative(session, ids["creative"], reason, decided_by_id=ids["staff"])
    creative = moderation.reject_creative(
        session, ids["creative"], "  Phone number unreadable  ", decided_by_id=ids["staff"]
    )
    assert (creative.status, creative.reject_reason) == ("rejected", "Phone number unreadable")
    creative = moderation.approve_creative(session, ids["creative"], decided_by_id=ids["admin"])
    assert (creative.status, creative.reject_reason) == ("approved", None)
    moderation.approve_creative(session, ids["creative"], decided_by_id=ids["admin"])  # no-op
    session.commit()
    assert history(session, "creative", ids["creative"]) == [
        ("rejected", "Phone number unreadable"),
        ("approved", None),
    ]
    decided_by = session.scalars(select(ModerationDecision.decided_by_id)).all()
    assert decided_by == [ids["staff"], ids["admin"]]


def test_campaign_needs_an_approved_ad(world: tuple[Session, dict[str, int]]) -> None:
    session, ids = world
    with pytest.raises(Conflict, match="approve the ad first"):
        moderation.approve_campaign(session, ids["campaign"], decided_by_id=ids["staff"])
    moderation.approve_creative(session, ids["creative"], decided_by_id=ids["staff"])
    campaign = moderation.approve_campaign(session, ids["campaign"], decided_by_id=ids["staff"])
    assert campaign.status == "approved"
    with pytest.raises(Conflict):  # approving twice is not a new decision
        moderation.approve_campaign(session, ids["campaign"], decided_by_id=ids["staff"])
    with pytest.raises(ValidationFailed):
        moderation.reject_campaign(session, ids["campaign"], "", decided_by_id=ids["staff"])
    campaign = moderation.reject_campaign(
        session, ids["campaign"], "Budget covers less than a day", decided_by_id=ids["staff"]
    )
    assert (campaign.status, campaign.reject_reason) == (
        "rejected",
        "Budget covers less than a day",
    )
    with pytest.raises(Conflict):  # a rejected campaign goes back through the owner first
        moderation.approve_campaign(session, ids["campaign"], decided_by_id=ids["staff"])
    session.commit()
    assert history(session, "campaign", ids["campaign"]) == [
        ("approved", None),
        ("rejected", "Budget covers less than a day"),
    ]


def test_verify_business_records_who_and_when(world: tuple[Session, dict[str, int]]) -> None:
    session, ids = world
    shop = moderation.verify_business(session, ids["shop"], True, decided_by_id=ids["staff"])
    assert shop.is_small_local and shop.local_verified_by_id == ids["staff"]
    assert shop.local_verified_at is not None
    shop = moderation.verify_business(
        session, ids["shop"], False, decided_by_id=ids["admin"], reason="Moved out of the city"
    )
    assert not shop.is_small_local and shop.local_verified_by_id == ids["admin"]
    with pytest.raises(ValidationFailed):
        moderation.verify_business(session, ids["city"], True, decided_by_id=ids["staff"])
    session.commit()
    assert history(session, "business", ids["shop"]) == [
        ("verified", None),
        ("unverified", "Moved out of the city"),
    ]


def test_database_refuses_a_rejection_without_reason(
    world: tuple[Session, dict[str, int]],
) -> None:
    session, ids = world
    session.add(
        ModerationDecision(subject="creative", subject_id=ids["creative"], decision="rejected")
    )
    with pytest.raises(IntegrityError):
        session.commit()
