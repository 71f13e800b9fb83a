"""Campaign bookings: create, edit while a draft, submit for approval, pause, resume, cancel.

Every function takes the acting user. Owners act only on their own business's campaigns;
staff and admins act on any. Approval and rejection are moderation (``scheduler.moderation``).

State machine::

    draft --submit--> pending --(staff approve)--> approved <--pause/resume--> paused
    rejected --edit--> draft            any open state --cancel--> cancelled
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from scheduler.models import Business, Campaign, Creative, Screen, User, Zone, utcnow
from scheduler.settings import get_settings

MAX_FLIGHT_DAYS = 366
MAX_NAME = 200
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
EDITABLE = ("draft", "rejected")
CANCELLABLE = ("draft", "pending", "approved", "paused")
EDITABLE_FIELDS = (
    "name",
    "creative_id",
    "starts_on",
    "ends_on",
    "dayparts",
    "target_zone_ids",
    "target_screen_ids",
    "budget_krw",
)


def is_staff(user: User) -> bool:
    return user.role in ("staff", "admin")


def city_today() -> dt.date:
    return dt.datetime.now(get_settings().tz).date()


def _check_business_access(user: User | None, business_id: int) -> None:
    if user is None or is_staff(user):
        return
    if user.business_id != business_id:
        raise PermissionDenied("You can only manage campaigns of your own business.")


def get_campaign(session: Session, campaign: Campaign | int, user: User | None) -> Campaign:
    """The campaign, if ``user`` may act on it (``None`` is the system itself)."""
    found = session.get(Campaign, campaign) if isinstance(campaign, int) else campaign
    if found is None:
        raise NotFound(f"There is no campaign with id {campaign}.")
    _check_business_access(user, found.business_id)
    return found


def campaigns_for(
    session: Session, user: User, *, status: str | Iterable[str] | None = None
) -> list[Campaign]:
    """Campaigns ``user`` may see, newest first: an owner's own business, or all for staff."""
    query = select(Campaign).order_by(Campaign.created_at.desc(), Campaign.id.desc())
    if not is_staff(user):
        query = query.where(Campaign.business_id == user.business_id)
    if status is not None:
        statuses = [status] if isinstance(status, str) else list(status)
        query = query.where(Campaign.status.in_(statuses))
    return list(session.scalars(query))


# --- validation -------------------------------------------------------------------------------


def normalise_dayparts(dayparts: Any) -> list[list[int]]:
    """Seven lists (Monday first) of hours 0-23, sorted and without repeats."""
    if dayparts is None:
        return [list(range(24)) for _ in range(7)]
    if not isinstance(dayparts, Sequence) or isinstance(dayparts, str) or len(dayparts) != 7:
        raise ValidationFailed(
            "Dayparts must be 7 lists of hours, one per weekday starting on Monday.",
            code="bad_dayparts",
        )
    result: list[list[int]] = []
    for day_name, hours in zip(DAY_NAMES, dayparts, strict=True):
        if not isinstance(hours, Iterable) or isinstance(hours, str):
            raise ValidationFailed(
                f"The hours for {day_name} must be a list of numbers 0-23.", code="bad_dayparts"
            )
        clean: set[int] = set()
        for hour in hours:
            if isinstance(hour, bool) or not isinstance(hour, int) or not 0 <= hour <= 23:
                raise ValidationFailed(
                    f"{hour!r} on {day_name} is not an hour; use whole numbers 0-23.",
                    code="bad_dayparts",
                )
            clean.add(hour)
        result.append(sorted(clean))
    if not any(result):
        raise ValidationFailed(
            "Pick at least one hour of the week, or the campaign can never play.",
            code="bad_dayparts",
        )
    return result


def _validate_name(name: Any) -> str:
    if not isinstance(name, str) or not name.strip():
        raise ValidationFailed("Give the campaign a name.", code="bad_name")
    name = name.strip()
    if len(name) > MAX_NAME:
        raise ValidationFailed(
            f"The name has {len(name)} characters; keep it to {MAX_NAME}.", code="bad_name"
        )
    return name


def _validate_flight(starts_on: Any, ends_on: Any, today: dt.date) -> tuple[dt.date, dt.date]:
    for label, value in (("start", starts_on), ("end", ends_on)):
        if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
            raise ValidationFailed(f"The {label} date must be a calendar date.", code="bad_flight")
    if ends_on < starts_on:
        raise ValidationFailed(
            f"The campaign ends ({ends_on}) before it starts ({starts_on}).", code="bad_flight"
        )
    if starts_on < today:
        raise ValidationFailed(
            f"The start date {starts_on} is in the past; start today ({today}) or later.",
            code="bad_flight",
        )
    days = (ends_on - starts_on).days + 1
    if days > MAX_FLIGHT_DAYS:
        raise ValidationFailed(
            f"The flight is {days} days long; book at most {MAX_FLIGHT_DAYS} days at a time.",
            code="bad_flight",
        )
    return starts_on, ends_on


def _validate_budget(budget_krw: Any) -> int:
    if isinstance(budget_krw, bool) or not isinstance(budget_krw, int) or budget_krw <= 0:
        raise ValidationFailed(
            f"The budget must be a positive whole number of won, not {budget_krw!r}.",
            code="bad_budget",
        )
    return budget_krw


def _validate_ids(session: Session, model: type, ids: Any, label: str) -> list[int]:
    if ids is None:
        return []
    if isinstance(ids, str | bytes) or not isinstance(ids, Iterable):
        raise ValidationFailed(f"The targeted {label}s must be a list of ids.", code="bad_target")
    wanted = sorted(set(ids))
    if any(isinstance(i, bool) or not isinstance(i, int) for i in wanted):
        raise ValidationFailed(f"The targeted {label}s must be a list of ids.", code="bad_target")
    if not wanted:
        return []
    query = select(model.id).where(model.id.in_(wanted))  # type: ignore[attr-defined]
    if model is Screen:
        query = query.where(Screen.status == "active")
    found = set(session.scalars(query))
    missing = [i for i in wanted if i not in found]
    if missing:
        listed = ", ".join(str(i) for i in missing)
        extra = " (or retired)" if model is Screen else ""
        raise ValidationFailed(
            f"There is no {label} with id {listed}{extra}; pick from the list.",
            code="bad_target",
        )
    return wanted


def _validate_creative(session: Session, creative_id: Any, business_id: int) -> int | None:
    if creative_id is None:
        return None
    creative = session.get(Creative, creative_id) if isinstance(creative_id, int) else None
    if creative is None:
        raise ValidationFailed(f"There is no ad image with id {creative_id}.", code="bad_creative")
    if creative.business_id != business_id:
        raise ValidationFailed(
            "That ad image belongs to another business; pick one of your own.",
            code="bad_creative",
        )
    if creative.status == "rejected":
        reason = f" ({creative.reject_reason})" if creative.reject_reason else ""
        raise ValidationFailed(
            f"The ad image {creative.name!r} was rejected{reason}; upload another.",
            code="bad_creative",
        )
    return creative.id


def _validated(
    session: Session, business_id: int, fields: dict[str, Any], today: dt.date
) -> dict[str, Any]:
    starts_on, ends_on = _validate_flight(fields["starts_on"], fields["ends_on"], today)
    return {
        "name": _validate_name(fields["name"]),
        "creative_id": _validate_creative(session, fields.get("creative_id"), business_id),
        "starts_on": starts_on,
        "ends_on": ends_on,
        "dayparts": normalise_dayparts(fields.get("dayparts")),
        "target_zone_ids": _validate_ids(session, Zone, fields.get("target_zone_ids"), "zone"),
        "target_screen_ids": _validate_ids(
            session, Screen, fields.get("target_screen_ids"), "screen"
        ),
        "budget_krw": _validate_budget(fields["budget_krw"]),
    }


# --- commands ---------------------------------------------------------------------------------


def create_campaign(
    session: Session,
    business_id: int,
    *,
    name: str,
    starts_on: dt.date,
    ends_on: dt.date,
    budget_krw: int,
    creative_id: int | None = None,
    dayparts: Sequence[Sequence[int]] | None = None,
    target_zone_ids: Iterable[int] | None = None,
    target_screen_ids: Iterable[int] | None = None,
    user: User | None = None,
    created_by_id: int | None = None,
    today: dt.date | None = None,
) -> Campaign:
    """A new draft campaign. ``user`` (or ``created_by_id``) is who books it.

    No zones and no screens targeted means every screen. ``dayparts`` defaults to all hours.
    """
    if user is None and created_by_id is not None:
        user = session.get(User, created_by_id)
        if user is None:
            raise NotFound(f"There is no user with id {created_by_id}.")
    _check_business_access(user, business_id)
    if session.get(Business, business_id) is None:
        raise ValidationFailed(f"There is no business with id {business_id}.", code="bad_business")
    fields = _validated(
        session,
        business_id,
        {
            "name": name,
            "creative_id": creative_id,
            "starts_on": starts_on,
            "ends_on": ends_on,
            "dayparts": dayparts,
            "target_zone_ids": target_zone_ids,
            "target_screen_ids": target_screen_ids,
            "budget_krw": budget_krw,
        },
        today or city_today(),
    )
    campaign = Campaign(
        business_id=business_id,
        status="draft",
        created_by_id=user.id if user is not None else None,
        **fields,
    )
    session.add(campaign)
    session.flush()
    return campaign


def update_campaign(
    session: Session,
    campaign: Campaign | int,
    user: User | None,
    *,
    today: dt.date | None = None,
    **changes: Any,
) -> Campaign:
    """Change a draft (or a rejected campaign, which goes back to draft for a fresh submission)."""
    found = get_campaign(session, campaign, user)
    unknown = sorted(set(changes) - set(EDITABLE_FIELDS))
    if unknown:
        raise ValidationFailed(
            f"These campaign fields cannot be changed: {', '.join(unknown)}.", code="bad_field"
        )
    if found.status not in EDITABLE:
        raise Conflict(
            f"Campaign {found.name!r} is {found.status}; only a draft can be changed. "
            "Cancel it and book a new one instead.",
            code="wrong_state",
        )
    current = {field: getattr(found, field) for field in EDITABLE_FIELDS}
    current.update(changes)
    fields = _validated(session, found.business_id, current, today or city_today())
    for field, value in fields.items():
        setattr(found, field, value)
    if found.status == "rejected":
        found.status = "draft"
        found.reject_reason = None
    found.updated_at = utcnow()
    session.flush()
    return found


def _transition(
    session: Session,
    campaign: Campaign | int,
    user: User | None,
    allowed_from: tuple[str, ...],
    to: str,
    verb: str,
) -> Campaign:
    found = get_campaign(session, campaign, user)
    if found.status not in allowed_from:
        listed = " or ".join(allowed_from)
        raise Conflict(
            f"Campaign {found.name!r} is {found.status}; only a {listed} campaign can be {verb}.",
            code="wrong_state",
        )
    found.status = to
    found.updated_at = utcnow()
    session.flush()
    return found


def submit_campaign(
    session: Session, campaign: Campaign | int, user: User | None, *, today: dt.date | None = None
) -> Campaign:
    """Send a draft to city staff for approval (draft -> pending)."""
    found = get_campaign(session, campaign, user)
    if found.status == "draft":
        if found.creative_id is None:
            raise ValidationFailed(
                "Choose an ad image before submitting the campaign.", code="no_creative"
            )
        day = today or city_today()
        if found.ends_on < day:
            raise ValidationFailed(
                f"The campaign ended on {found.ends_on}; change the dates before submitting.",
                code="bad_flight",
            )
    return _transition(session, found, user, ("draft",), "pending", "submitted")


def pause_campaign(session: Session, campaign: Campaign | int, user: User | None) -> Campaign:
    """Stop an approved campaign from being planned until resumed."""
    return _transition(session, campaign, user, ("approved",), "paused", "paused")


def resume_campaign(session: Session, campaign: Campaign | int, user: User | None) -> Campaign:
    """Let a paused campaign be planned again."""
    return _transition(session, campaign, user, ("paused",), "approved", "resumed")


def cancel_campaign(session: Session, campaign: Campaign | int, user: User | None) -> Campaign:
    """End a campaign for good; plays already made stay billed."""
    return _transition(session, campaign, user, CANCELLABLE, "cancelled", "cancelled")


def complete_finished_campaigns(session: Session, today: dt.date | None = None) -> list[int]:
    """Mark approved and paused campaigns whose flight ended before ``today`` as completed."""
    day = today or city_today()
    finished = session.scalars(
        select(Campaign).where(Campaign.status.in_(("approved", "paused")), Campaign.ends_on < day)
    ).all()
    for campaign in finished:
        campaign.status = "completed"
        campaign.updated_at = utcnow()
    session.flush()
    return [c.id for c in finished]
