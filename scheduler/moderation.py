"""Moderation: staff approve or reject creatives and campaigns and verify small local businesses.

Every decision is written to ``moderation_decisions`` (the history is never edited). A rejection
needs a reason, which the owner sees on the creative or campaign. Only staff and admins decide.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from scheduler.models import Business, Campaign, Creative, ModerationDecision, User, utcnow

MAX_REASON = 2000
# A campaign can be approved from here, and withdrawn (rejected) from any of these.
CAMPAIGN_REVIEWABLE = ("pending",)
CAMPAIGN_WITHDRAWABLE = ("pending", "approved", "paused")


def _moderator(session: Session, decided_by_id: int | None) -> User:
    user = session.get(User, decided_by_id) if decided_by_id is not None else None
    if user is None or user.disabled or user.role not in ("staff", "admin"):
        raise PermissionDenied("Only city staff can approve, reject or verify.")
    return user


def _reason(reason: str | None) -> str:
    text = (reason or "").strip()
    if not text:
        raise ValidationFailed(
            "A rejection needs a reason; the owner reads it to fix the ad or the booking."
        )
    if len(text) > MAX_REASON:
        raise ValidationFailed(f"Keep the reason under {MAX_REASON} characters.")
    return text


def _record(
    session: Session,
    subject: str,
    subject_id: int,
    decision: str,
    user: User,
    reason: str | None = None,
) -> ModerationDecision:
    row = ModerationDecision(
        subject=subject,
        subject_id=subject_id,
        decision=decision,
        reason=reason,
        decided_by_id=user.id,
        decided_at=utcnow(),
    )
    session.add(row)
    session.flush()
    return row


def _creative(session: Session, creative_id: int) -> Creative:
    creative = session.get(Creative, creative_id)
    if creative is None:
        raise NotFound(f"There is no ad (creative) with id {creative_id}.")
    return creative


def _campaign(session: Session, campaign_id: int) -> Campaign:
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound(f"There is no campaign with id {campaign_id}.")
    return campaign


def approve_creative(session: Session, creative_id: int, *, decided_by_id: int | None) -> Creative:
    """Let an ad reach screens. Approving an approved ad again changes nothing."""
    user = _moderator(session, decided_by_id)
    creative = _creative(session, creative_id)
    if creative.status == "approved":
        return creative
    creative.status = "approved"
    creative.reject_reason = None
    _record(session, "creative", creative.id, "approved", user)
    return creative


def reject_creative(
    session: Session, creative_id: int, reason: str, *, decided_by_id: int | None
) -> Creative:
    """Keep an ad off the screens (also one approved before), telling the owner why."""
    user = _moderator(session, decided_by_id)
    text = _reason(reason)
    creative = _creative(session, creative_id)
    creative.status = "rejected"
    creative.reject_reason = text
    _record(session, "creative", creative.id, "rejected", user, text)
    return creative


def approve_campaign(session: Session, campaign_id: int, *, decided_by_id: int | None) -> Campaign:
    """Approve a submitted campaign; its ad must be approved first."""
    user = _moderator(session, decided_by_id)
    campaign = _campaign(session, campaign_id)
    if campaign.status not in CAMPAIGN_REVIEWABLE:
        raise Conflict(
            f"Campaign {campaign.name!r} is {campaign.status}; only a submitted (pending) "
            "campaign can be approved."
        )
    creative = session.get(Creative, campaign.creative_id) if campaign.creative_id else None
    if creative is None:
        raise Conflict(f"Campaign {campaign.name!r} has no ad yet; it cannot be approved.")
    if creative.status != "approved":
        raise Conflict(
            f"The ad {creative.name!r} of campaign {campaign.name!r} is {creative.status}; "
            "approve the ad first."
        )
    campaign.status = "approved"
    campaign.reject_reason = None
    _record(session, "campaign", campaign.id, "approved", user)
    return campaign


def reject_campaign(
    session: Session, campaign_id: int, reason: str, *, decided_by_id: int | None
) -> Campaign:
    """Turn down a submitted campaign (or withdraw an approved one), telling the owner why."""
    user = _moderator(session, decided_by_id)
    text = _reason(reason)
    campaign = _campaign(session, campaign_id)
    if campaign.status not in CAMPAIGN_WITHDRAWABLE:
        raise Conflict(
            f"Campaign {campaign.name!r} is {campaign.status}; only a pending, approved or "
            "paused campaign can be rejected."
        )
    campaign.status = "rejected"
    campaign.reject_reason = text
    _record(session, "campaign", campaign.id, "rejected", user, text)
    return campaign


def verify_business(
    session: Session,
    business_id: int,
    local: bool,
    *,
    decided_by_id: int | None,
    reason: str | None = None,
) -> Business:
    """Record whether a business counts as small and local (only then the local quota applies)."""
    user = _moderator(session, decided_by_id)
    business = session.get(Business, business_id)
    if business is None:
        raise NotFound(f"There is no business with id {business_id}.")
    if local and business.kind == "public":
        raise ValidationFailed(
            f"{business.name!r} is a public body; public notices have their own share of airtime."
        )
    business.is_small_local = bool(local)
    business.local_verified_by_id = user.id
    business.local_verified_at = utcnow()
    note = (reason or "").strip() or None
    _record(session, "business", business.id, "verified" if local else "unverified", user, note)
    return business


def decisions_for(session: Session, subject: str, subject_id: int) -> list[ModerationDecision]:
    """The history of decisions on one creative, campaign or business, oldest first."""
    return list(
        session.scalars(
            select(ModerationDecision)
            .where(
                ModerationDecision.subject == subject, ModerationDecision.subject_id == subject_id
            )
            .order_by(ModerationDecision.decided_at, ModerationDecision.id)
        )
    )
