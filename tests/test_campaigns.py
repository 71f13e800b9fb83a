"""Campaign booking rules and who may touch which campaign, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from scheduler.campaigns import (
    campaigns_for,
    cancel_campaign,
    create_campaign,
    pause_campaign,
    resume_campaign,
    submit_campaign,
    update_campaign,
)
from scheduler.db import session_factory
from scheduler.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from scheduler.models import Business, Campaign, Creative, Screen, User, Zone

TODAY = dt.date(2026, 11, 23)


@dataclass
class City:
    zone: Zone
    screen: Screen
    retired: Screen
    shop: Business
    other: Business
    owner: User
    other_owner: User
    staff: User
    creative: Creative
    other_creative: Creative
    rejected_creative: Creative


@pytest.fixture
def session(engine: Engine):
    with session_factory(engine)() as session:
        yield session


@pytest.fixture
def city(session: Session) -> City:
    zone = Zone(name="Old market", kind="market")
    shop = Business(name="Kim's bakery", is_small_local=True)
    other = Business(name="Chain store")
    session.add_all([zone, shop, other])
    session.flush()
    screen = Screen(name="Bus stop 1", zone=zone)
    retired = Screen(name="Bus stop 2", zone=zone, status="retired")
    owner = User(username="kim", password_hash="x", role="owner", business_id=shop.id)
    other_owner = User(username="lee", password_hash="x", role="owner", business_id=other.id)
    staff = User(username="staff", password_hash="x", role="staff")
    creatives = [
        _creative_row(shop.id, "Bread", "pending"),
        _creative_row(other.id, "Sale", "approved"),
        _creative_row(shop.id, "Old", "rejected"),
    ]
    session.add_all([screen, retired, owner, other_owner, staff, *creatives])
    session.commit()
    return City(zone, screen, retired, shop, other, owner, other_owner, staff, *creatives)


def _creative_row(business_id: int, name: str, status: str) -> Creative:
    return Creative(
        business_id=business_id,
        name=name,
        sha256="a" * 64,
        source_sha256="b" * 64,
        format="webp",
        width_px=1080,
        height_px=1920,
        size_bytes=1000,
        status=status,
        reject_reason="blurry" if status == "rejected" else None,
    )


def _book(session: Session, city: City, user: User | None = None, **changes) -> Campaign:
    fields = {
        "name": "Fresh bread",
        "starts_on": TODAY,
        "ends_on": TODAY + dt.timedelta(days=13),
        "budget_krw": 50_000,
        "creative_id": city.creative.id,
        "dayparts": [[7, 8, 8, 9]] * 5 + [[10, 11], []],
        "target_zone_ids": [city.zone.id],
        "today": TODAY,
    }
    fields.update(changes)
    return create_campaign(session, city.shop.id, user=user or city.owner, **fields)


def test_create_normalises_and_stores_a_draft(session: Session, city: City) -> None:
    campaign = _book(session, city, target_screen_ids=[city.screen.id, city.screen.id])
    session.commit()
    stored = session.get(Campaign, campaign.id)
    assert stored is not None
    assert stored.status == "draft"
    assert stored.dayparts[0] == [7, 8, 9]
    assert stored.dayparts[6] == []
    assert stored.target_screen_ids == [city.screen.id]
    assert stored.created_by_id == city.owner.id


def test_created_by_id_stands_for_the_user(session: Session, city: City) -> None:
    fields = {"name": "x", "starts_on": TODAY, "ends_on": TODAY, "budget_krw": 1, "today": TODAY}
    with pytest.raises(PermissionDenied):
        create_campaign(session, city.shop.id, created_by_id=city.other_owner.id, **fields)
    campaign = create_campaign(session, city.shop.id, created_by_id=city.staff.id, **fields)
    assert campaign.created_by_id == city.staff.id
    assert campaign.dayparts == [list(range(24))] * 7


BAD_INPUT = [
    ({"ends_on": TODAY - dt.timedelta(days=1)}, "bad_flight", "before it starts"),
    ({"starts_on": TODAY - dt.timedelta(days=2)}, "bad_flight", "in the past"),
    ({"ends_on": TODAY + dt.timedelta(days=400)}, "bad_flight", "at most 366"),
    ({"budget_krw": 0}, "bad_budget", "positive"),
    ({"budget_krw": 10.5}, "bad_budget", "whole number"),
    ({"dayparts": [[9]] * 6}, "bad_dayparts", "7 lists"),
    ({"dayparts": [[24]] * 7}, "bad_dayparts", "0-23"),
    ({"dayparts": [[]] * 7}, "bad_dayparts", "at least one hour"),
    ({"dayparts": [["9"]] * 7}, "bad_dayparts", "not an hour"),
    ({"target_zone_ids": [999]}, "bad_target", "no zone with id 999"),
    ({"name": "  "}, "bad_name", "name"),
    ({"creative_id": 9999}, "bad_creative", "no ad image"),
]


def test_create_refuses_bad_input(session: Session, city: City) -> None:
    # One database per backend for all cases: setting one up costs more than the checks.
    for changes, code, words in BAD_INPUT:
        with pytest.raises(ValidationFailed) as caught:
            _book(session, city, **changes)
        assert caught.value.code == code, changes
        assert words in caught.value.message, changes
    assert session.scalars(select(Campaign)).all() == []


def test_create_refuses_retired_screens_and_foreign_or_rejected_creatives(
    session: Session, city: City
) -> None:
    with pytest.raises(ValidationFailed, match="retired"):
        _book(session, city, target_screen_ids=[city.retired.id])
    with pytest.raises(ValidationFailed, match="another business"):
        _book(session, city, creative_id=city.other_creative.id)
    with pytest.raises(ValidationFailed, match="rejected \\(blurry\\)"):
        _book(session, city, creative_id=city.rejected_creative.id)
    assert session.scalars(select(Campaign)).all() == []


def test_owner_cannot_book_or_touch_another_business(session: Session, city: City) -> None:
    with pytest.raises(PermissionDenied):
        _book(session, city, user=city.other_owner)
    campaign = _book(session, city)
    for action in (submit_campaign, pause_campaign, resume_campaign, cancel_campaign):
        with pytest.raises(PermissionDenied):
            action(session, campaign.id, city.other_owner)
    with pytest.raises(PermissionDenied):
        update_campaign(session, campaign, city.other_owner, name="mine now")
    assert campaign.status == "draft"
    with pytest.raises(NotFound):
        submit_campaign(session, 12345, city.owner)


def test_the_lifecycle(session: Session, city: City) -> None:
    campaign = _book(session, city, creative_id=None)
    with pytest.raises(ValidationFailed, match="ad image"):
        submit_campaign(session, campaign, city.owner, today=TODAY)
    update_campaign(
        session, campaign, city.owner, creative_id=city.creative.id, budget_krw=70_000, today=TODAY
    )
    assert campaign.budget_krw == 70_000
    submit_campaign(session, campaign, city.owner, today=TODAY)
    assert campaign.status == "pending"
    with pytest.raises(Conflict, match="only a draft can be changed"):
        update_campaign(session, campaign, city.owner, name="late change", today=TODAY)
    with pytest.raises(Conflict, match="only a approved campaign can be paused"):
        pause_campaign(session, campaign, city.owner)
    campaign.status = "approved"  # staff approval is moderation's job
    pause_campaign(session, campaign, city.owner)
    assert campaign.status == "paused"
    resume_campaign(session, campaign, city.staff)
    assert campaign.status == "approved"
    cancel_campaign(session, campaign, city.owner)
    assert campaign.status == "cancelled"
    with pytest.raises(Conflict):
        cancel_campaign(session, campaign, city.owner)
    session.commit()
    assert session.get(Campaign, campaign.id).status == "cancelled"


def test_editing_a_rejected_campaign_returns_it_to_draft(session: Session, city: City) -> None:
    campaign = _book(session, city)
    campaign.status, campaign.reject_reason = "rejected", "too loud"
    update_campaign(session, campaign, city.owner, name="Quieter bread", today=TODAY)
    assert (campaign.status, campaign.reject_reason) == ("draft", None)
    with pytest.raises(ValidationFailed, match="cannot be changed: status"):
        update_campaign(session, campaign, city.owner, status="approved", today=TODAY)


def test_listing_is_scoped_to_the_owner(session: Session, city: City) -> None:
    mine = _book(session, city)
    theirs = create_campaign(
        session,
        city.other.id,
        user=city.other_owner,
        name="Chain sale",
        starts_on=TODAY,
        ends_on=TODAY,
        budget_krw=1000,
        today=TODAY,
    )
    submit_campaign(session, mine, city.owner, today=TODAY)
    session.commit()
    assert [c.id for c in campaigns_for(session, city.owner)] == [mine.id]
    assert [c.id for c in campaigns_for(session, city.other_owner)] == [theirs.id]
    assert {c.id for c in campaigns_for(session, city.staff)} == {mine.id, theirs.id}
    assert [c.id for c in campaigns_for(session, city.staff, status="draft")] == [theirs.id]
