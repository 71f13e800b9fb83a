"""Data the staff pages show, as small query functions returning DataFrames or plain values.

Free of Streamlit so that they are tested without a browser; each takes an open session.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from scheduler.models import (
    Business,
    Campaign,
    Creative,
    Forecast,
    JobRun,
    ModerationDecision,
    Playlist,
    PricingTier,
    PricingTierSet,
    QuotaPolicy,
    Rendition,
    Screen,
    TrafficCount,
    TrafficImport,
    User,
    Zone,
)
from scheduler.policy import POLICY_FIELDS


def _frame(rows: Any, columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame([tuple(r) for r in rows], columns=columns)


def _utc_cols(frame: pd.DataFrame, *cols: str) -> pd.DataFrame:
    for col in cols:
        frame[col] = pd.to_datetime(frame[col], utc=True)
    return frame


def zones(session: Session) -> pd.DataFrame:
    rows = session.execute(
        select(Zone.id, Zone.name, Zone.kind, Zone.latitude, Zone.longitude).order_by(Zone.name)
    ).all()
    return _frame(rows, ["id", "name", "kind", "latitude", "longitude"])


# Every column a screen table may show, by the name the frame gives it.
SCREEN_COLUMNS: dict[str, Any] = {
    "id": Screen.id,
    "name": Screen.name,
    "zone_id": Screen.zone_id,
    "zone": Zone.name,
    "latitude": Screen.latitude,
    "longitude": Screen.longitude,
    "width_px": Screen.width_px,
    "height_px": Screen.height_px,
    "slot_seconds": Screen.slot_seconds,
    "open_hour": Screen.open_hour,
    "close_hour": Screen.close_hour,
    "visibility_factor": Screen.visibility_factor,
    "base_price_krw": Screen.base_price_krw,
    "traffic_location": Screen.traffic_location,
    "status": Screen.status,
    "has_token": Screen.token_hash.is_not(None),
    "token_issued_at": Screen.token_issued_at,
    "last_seen_at": Screen.last_seen_at,
}
_SCREEN_TIMES = ("token_issued_at", "last_seen_at")


def screen_table(
    session: Session,
    columns: Sequence[str] = tuple(SCREEN_COLUMNS),
    *,
    active_only: bool = False,
    by_zone: bool = False,
) -> pd.DataFrame:
    """Screens with their zone name, as the named ``SCREEN_COLUMNS``; sorted by name, or by zone
    and then name."""
    stmt = select(*(SCREEN_COLUMNS[c] for c in columns)).outerjoin(Zone, Zone.id == Screen.zone_id)
    if active_only:
        stmt = stmt.where(Screen.status == "active")
    stmt = stmt.order_by(Zone.name, Screen.name) if by_zone else stmt.order_by(Screen.name)
    frame = _frame(session.execute(stmt).all(), list(columns))
    return _utc_cols(frame, *(c for c in _SCREEN_TIMES if c in columns))


def screens(session: Session) -> pd.DataFrame:
    """Every screen with its zone name and whether it holds a token."""
    return screen_table(session)


def traffic_counts(
    session: Session, *, screen_id: int | None = None, zone_id: int | None = None
) -> pd.DataFrame:
    """Hourly counts of one screen or of every screen in a zone."""
    stmt = select(
        TrafficCount.screen_id, TrafficCount.hour_start, TrafficCount.count, TrafficCount.suspect
    )
    if screen_id is not None:
        stmt = stmt.where(TrafficCount.screen_id == screen_id)
    if zone_id is not None:
        stmt = stmt.join(Screen, Screen.id == TrafficCount.screen_id).where(
            Screen.zone_id == zone_id
        )
    frame = _frame(session.execute(stmt).all(), ["screen_id", "hour_start", "count", "suspect"])
    return _utc_cols(frame, "hour_start")


def forecasts(session: Session, screen_id: int) -> pd.DataFrame:
    rows = session.execute(
        select(Forecast.hour_start, Forecast.expected, Forecast.source)
        .where(Forecast.screen_id == screen_id)
        .order_by(Forecast.hour_start)
    ).all()
    return _utc_cols(_frame(rows, ["hour_start", "expected", "source"]), "hour_start")


def traffic_imports(session: Session, limit: int = 50) -> pd.DataFrame:
    rows = session.execute(
        select(
            TrafficImport.id,
            TrafficImport.filename,
            TrafficImport.rows_kept,
            TrafficImport.rows_rejected,
            User.username,
            TrafficImport.imported_at,
        )
        .outerjoin(User, User.id == TrafficImport.imported_by_id)
        .order_by(TrafficImport.imported_at.desc())
        .limit(limit)
    ).all()
    cols = ["id", "filename", "rows_kept", "rows_rejected", "imported_by", "imported_at"]
    return _utc_cols(_frame(rows, cols), "imported_at")


def pending_creatives(session: Session) -> list[dict[str, Any]]:
    """Creatives waiting for review, oldest first, with the thumbnail's content hash if any."""
    thumb = (
        select(Rendition.creative_id, func.min(Rendition.sha256).label("sha"))
        .where(Rendition.purpose == "thumbnail")
        .group_by(Rendition.creative_id)
        .subquery()
    )
    rows = session.execute(
        select(Creative, Business.name, User.username, thumb.c.sha)
        .join(Business, Business.id == Creative.business_id)
        .outerjoin(User, User.id == Creative.uploaded_by_id)
        .outerjoin(thumb, thumb.c.creative_id == Creative.id)
        .where(Creative.status == "pending")
        .order_by(Creative.created_at, Creative.id)
    ).all()
    return [
        {
            "id": c.id,
            "name": c.name,
            "business": business,
            "business_id": c.business_id,
            "uploaded_by": uploader,
            "created_at": c.created_at,
            "width_px": c.width_px,
            "height_px": c.height_px,
            "format": c.format,
            "size_bytes": c.size_bytes,
            "sha256": c.sha256,
            "thumbnail_sha256": sha,
        }
        for c, business, uploader, sha in rows
    ]


def pending_campaigns(session: Session) -> list[dict[str, Any]]:
    """Campaigns submitted for review, oldest first, with their creative's status."""
    rows = session.execute(
        select(Campaign, Business.name, Business.is_small_local, Creative.name, Creative.status)
        .join(Business, Business.id == Campaign.business_id)
        .outerjoin(Creative, Creative.id == Campaign.creative_id)
        .where(Campaign.status == "pending")
        .order_by(Campaign.created_at, Campaign.id)
    ).all()
    return [
        {
            "id": c.id,
            "name": c.name,
            "business": business,
            "small_local": bool(local),
            "creative_id": c.creative_id,
            "creative": creative,
            "creative_status": creative_status,
            "starts_on": c.starts_on,
            "ends_on": c.ends_on,
            "budget_krw": c.budget_krw,
            "target_zone_ids": list(c.target_zone_ids or []),
            "target_screen_ids": list(c.target_screen_ids or []),
            "dayparts": c.dayparts,
            "created_at": c.created_at,
        }
        for c, business, local, creative, creative_status in rows
    ]


def decisions(session: Session, *, subject: str | None = None, limit: int = 30) -> pd.DataFrame:
    """The latest moderation decisions with who took them."""
    stmt = (
        select(
            ModerationDecision.decided_at,
            ModerationDecision.subject,
            ModerationDecision.subject_id,
            ModerationDecision.decision,
            ModerationDecision.reason,
            User.username,
        )
        .outerjoin(User, User.id == ModerationDecision.decided_by_id)
        .order_by(ModerationDecision.decided_at.desc(), ModerationDecision.id.desc())
        .limit(limit)
    )
    if subject is not None:
        stmt = stmt.where(ModerationDecision.subject == subject)
    cols = ["decided_at", "subject", "subject_id", "decision", "reason", "decided_by"]
    return _utc_cols(_frame(session.execute(stmt).all(), cols), "decided_at")


def businesses(session: Session) -> pd.DataFrame:
    """Every business with its small-local claim and who verified it, when."""
    verifier = aliased(User)
    stmt = (
        select(
            Business.id,
            Business.name,
            Business.kind,
            Business.category,
            Zone.name,
            Business.claims_small_local,
            Business.is_small_local,
            verifier.username,
            Business.local_verified_at,
        )
        .outerjoin(Zone, Zone.id == Business.zone_id)
        .outerjoin(verifier, verifier.id == Business.local_verified_by_id)
        .order_by(Business.name)
    )
    cols = [
        "id",
        "name",
        "kind",
        "category",
        "zone",
        "claims_small_local",
        "is_small_local",
        "verified_by",
        "verified_at",
    ]
    return _utc_cols(_frame(session.execute(stmt).all(), cols), "verified_at")


def current_playlist(session: Session, screen_id: int) -> dict[str, Any] | None:
    """The current published playlist document of a screen, with its version and publish time."""
    row = session.scalar(
        select(Playlist).where(Playlist.screen_id == screen_id, Playlist.is_current.is_(True))
    )
    if row is None:
        return None
    return {"version": row.version, "published_at": row.published_at, "document": row.document}


def job_runs(session: Session, limit: int = 200) -> pd.DataFrame:
    rows = session.execute(
        select(
            JobRun.id,
            JobRun.job,
            JobRun.worker,
            JobRun.started_at,
            JobRun.finished_at,
            JobRun.duration_s,
            JobRun.outcome,
            JobRun.error,
        )
        .order_by(JobRun.started_at.desc(), JobRun.id.desc())
        .limit(limit)
    ).all()
    cols = ["id", "job", "worker", "started_at", "finished_at", "duration_s", "outcome", "error"]
    return _utc_cols(_frame(rows, cols), "started_at", "finished_at")


def policy_history(session: Session) -> pd.DataFrame:
    rows = session.execute(
        select(
            QuotaPolicy.effective_from,
            *(getattr(QuotaPolicy, name) for name in POLICY_FIELDS),
            QuotaPolicy.note,
            User.username,
            QuotaPolicy.created_at,
        )
        .outerjoin(User, User.id == QuotaPolicy.created_by_id)
        .order_by(QuotaPolicy.effective_from.desc(), QuotaPolicy.id.desc())
    ).all()
    cols = ["effective_from", *POLICY_FIELDS, "note", "created_by", "created_at"]
    return _utc_cols(_frame(rows, cols), "effective_from", "created_at")


def tier_history(session: Session) -> pd.DataFrame:
    """Every stored tier set, one row per tier."""
    rows = session.execute(
        select(
            PricingTierSet.id,
            PricingTierSet.effective_from,
            PricingTier.name,
            PricingTier.min_traffic,
            PricingTier.multiplier,
            User.username,
            PricingTierSet.note,
        )
        .join(PricingTier, PricingTier.tier_set_id == PricingTierSet.id)
        .outerjoin(User, User.id == PricingTierSet.created_by_id)
        .order_by(
            PricingTierSet.effective_from.desc(), PricingTierSet.id.desc(), PricingTier.min_traffic
        )
    ).all()
    cols = ["set_id", "effective_from", "tier", "min_traffic", "multiplier", "created_by", "note"]
    return _utc_cols(_frame(rows, cols), "effective_from")


def forecast_levels(session: Session, start: dt.datetime, end: dt.datetime) -> pd.Series:
    """Forecast passers-by of every screen-hour in [start, end), for the pricing plot."""
    rows = session.execute(
        select(Forecast.expected).where(Forecast.hour_start >= start, Forecast.hour_start < end)
    ).all()
    return pd.Series([r[0] for r in rows], dtype=float, name="expected")
