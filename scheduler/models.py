"""The domain model: every table localcast keeps, as SQLAlchemy 2.x typed ORM classes.

Times are stored in UTC (``UTCDateTime``) and converted to the city's zone at the edges.
Money is whole Korean won (KRW has no minor unit in use), so it is an integer everywhere.
Rules the data must always obey are written as database constraints, not only as Python checks.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware datetime stored as UTC; SQLite gives it back aware too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: localcast stores only aware datetimes")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _share(column: str) -> CheckConstraint:
    return CheckConstraint(f"{column} >= 0 AND {column} <= 1", name=f"{column}_is_share")


def _enum(column: str, values: tuple[str, ...]) -> CheckConstraint:
    listed = ", ".join(f"'{v}'" for v in values)
    return CheckConstraint(f"{column} IN ({listed})", name=f"{column}_known")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dt.datetime: UTCDateTime(), dict[str, Any]: JSON, list[Any]: JSON}


ROLES = ("owner", "staff", "admin")
ZONE_KINDS = ("office", "residential", "transit", "park", "market", "civic", "campus", "mixed")
BUSINESS_KINDS = ("commercial", "public")
CREATIVE_STATUSES = ("pending", "approved", "rejected")
CAMPAIGN_STATUSES = (
    "draft",
    "pending",
    "approved",
    "paused",
    "rejected",
    "completed",
    "cancelled",
)
PLAN_STATUSES = ("running", "published", "failed", "rejected")
JOB_OUTCOMES = ("running", "ok", "error", "skipped")
FIT_MODES = ("contain", "cover")
PLACEMENT_RULES = ("local_quota", "public_quota", "paid", "released", "house")


class Zone(Base):
    """A part of the city with a character (office blocks, a lake park...)."""

    __tablename__ = "zones"
    __table_args__ = (_enum("kind", ZONE_KINDS),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]

    screens: Mapped[list[Screen]] = relationship(back_populates="zone")


class Screen(Base):
    """A physical display. Its token is stored only as a hash."""

    __tablename__ = "screens"
    __table_args__ = (
        CheckConstraint("width_px > 0 AND height_px > 0", name="positive_size"),
        CheckConstraint("slot_seconds > 0", name="positive_slot"),
        CheckConstraint(
            "open_hour >= 0 AND open_hour <= 23 AND close_hour >= 1 AND close_hour <= 24",
            name="hours_in_day",
        ),
        CheckConstraint("visibility_factor >= 0", name="visibility_not_negative"),
        CheckConstraint("base_price_krw >= 0", name="price_not_negative"),
        _enum("status", ("active", "retired")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    zone_id: Mapped[int | None] = mapped_column(ForeignKey("zones.id"), index=True)
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    width_px: Mapped[int] = mapped_column(default=1080)
    height_px: Mapped[int] = mapped_column(default=1920)
    slot_seconds: Mapped[int] = mapped_column(default=10)
    # Operating hours in the city's zone: open_hour inclusive, close_hour exclusive (24 = midnight).
    open_hour: Mapped[int] = mapped_column(default=6)
    close_hour: Mapped[int] = mapped_column(default=24)
    visibility_factor: Mapped[float] = mapped_column(default=1.0)
    base_price_krw: Mapped[int] = mapped_column(default=12)
    # Which foot-traffic location (sensor) stands for this screen's passers-by.
    traffic_location: Mapped[str | None] = mapped_column(String(200), index=True)
    status: Mapped[str] = mapped_column(String(10), default="active")
    token_hash: Mapped[str | None] = mapped_column(String(128), unique=True)
    token_issued_at: Mapped[dt.datetime | None]
    last_seen_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    zone: Mapped[Zone | None] = relationship(back_populates="screens")


class PairingCode(Base):
    """A short code a new screen shows until staff claim it; single-use, expires."""

    __tablename__ = "pairing_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    # The unpaired device proves it is the one that asked by this secret (hashed).
    device_secret_hash: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    claimed_at: Mapped[dt.datetime | None]
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    screen_id: Mapped[int | None] = mapped_column(ForeignKey("screens.id"))
    # The token is handed to the device once, on its next poll, then cleared.
    pending_token: Mapped[str | None] = mapped_column(String(128))
    delivered_at: Mapped[dt.datetime | None]


class Business(Base):
    """An advertiser. Small-local status counts only once staff have verified it."""

    __tablename__ = "businesses"
    __table_args__ = (_enum("kind", BUSINESS_KINDS),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), default="commercial")
    category: Mapped[str | None] = mapped_column(String(60))
    zone_id: Mapped[int | None] = mapped_column(ForeignKey("zones.id"))
    claims_small_local: Mapped[bool] = mapped_column(default=False)
    is_small_local: Mapped[bool] = mapped_column(default=False)
    # use_alter: users and businesses refer to each other.
    local_verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", use_alter=True))
    local_verified_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class User(Base):
    """A login. Owners belong to one business; staff and admins to the city."""

    __tablename__ = "users"
    __table_args__ = (
        _enum("role", ROLES),
        CheckConstraint("role <> 'owner' OR business_id IS NOT NULL", name="owner_has_business"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(10))
    business_id: Mapped[int | None] = mapped_column(ForeignKey("businesses.id"), index=True)
    display_name: Mapped[str | None] = mapped_column(String(120))
    locale: Mapped[str] = mapped_column(String(5), default="ko")
    disabled: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Creative(Base):
    """An uploaded ad image, normalised; only approved creatives reach a screen."""

    __tablename__ = "creatives"
    __table_args__ = (
        _enum("status", CREATIVE_STATUSES),
        _enum("fit", FIT_MODES),
        CheckConstraint(
            "focal_x >= 0 AND focal_x <= 1 AND focal_y >= 0 AND focal_y <= 1", name="focal_in_frame"
        ),
        CheckConstraint("width_px > 0 AND height_px > 0", name="positive_size"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    # SHA-256 of the normalised master image in content-addressed storage.
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    source_sha256: Mapped[str] = mapped_column(String(64))
    format: Mapped[str] = mapped_column(String(10))
    width_px: Mapped[int]
    height_px: Mapped[int]
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    fit: Mapped[str] = mapped_column(String(10), default="contain")
    background: Mapped[str] = mapped_column(String(9), default="#000000")
    focal_x: Mapped[float] = mapped_column(default=0.5)
    focal_y: Mapped[float] = mapped_column(default=0.5)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    reject_reason: Mapped[str | None] = mapped_column(Text)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    renditions: Mapped[list[Rendition]] = relationship(
        back_populates="creative", cascade="all, delete-orphan"
    )


class Rendition(Base):
    """A creative rendered for one screen resolution (or a thumbnail)."""

    __tablename__ = "renditions"
    __table_args__ = (
        UniqueConstraint("creative_id", "width_px", "height_px", "purpose"),
        CheckConstraint("width_px > 0 AND height_px > 0", name="positive_size"),
        _enum("purpose", ("screen", "thumbnail", "preview")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    creative_id: Mapped[int] = mapped_column(ForeignKey("creatives.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(10), default="screen")
    width_px: Mapped[int]
    height_px: Mapped[int]
    format: Mapped[str] = mapped_column(String(10))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    creative: Mapped[Creative] = relationship(back_populates="renditions")


class ModerationDecision(Base):
    """History of every approve/reject on a creative or a campaign."""

    __tablename__ = "moderation_decisions"
    __table_args__ = (
        _enum("subject", ("creative", "campaign", "business")),
        _enum("decision", ("approved", "rejected", "verified", "unverified")),
        CheckConstraint(
            "decision <> 'rejected' OR reason IS NOT NULL", name="rejection_has_reason"
        ),
        Index("ix_moderation_subject", "subject", "subject_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(String(10))
    subject_id: Mapped[int]
    decision: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Campaign(Base):
    """A booking: where and when a business wants its creative played, within a budget.

    ``dayparts`` is a list of 7 lists (Monday first) of the hours 0-23 the campaign may play.
    ``target_zone_ids`` / ``target_screen_ids``: an empty pair means every screen.
    """

    __tablename__ = "campaigns"
    __table_args__ = (
        _enum("status", CAMPAIGN_STATUSES),
        CheckConstraint("budget_krw >= 0", name="budget_not_negative"),
        CheckConstraint("ends_on >= starts_on", name="flight_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id"), index=True)
    creative_id: Mapped[int | None] = mapped_column(ForeignKey("creatives.id"))
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(10), default="draft")
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)
    dayparts: Mapped[list[Any]] = mapped_column(default=lambda: [list(range(24))] * 7)
    target_zone_ids: Mapped[list[Any]] = mapped_column(default=list)
    target_screen_ids: Mapped[list[Any]] = mapped_column(default=list)
    budget_krw: Mapped[int] = mapped_column(BigInteger)
    reject_reason: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    business: Mapped[Business] = relationship()
    creative: Mapped[Creative | None] = relationship()


class TrafficImport(Base):
    """One imported foot-traffic file, with its row-level report."""

    __tablename__ = "traffic_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    rows_kept: Mapped[int] = mapped_column(default=0)
    rows_rejected: Mapped[int] = mapped_column(default=0)
    report: Mapped[dict[str, Any]] = mapped_column(default=dict)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    imported_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class TrafficCount(Base):
    """Passers-by seen near a screen in one hour (hour_start in UTC). Missing hours have no row."""

    __tablename__ = "traffic_counts"
    __table_args__ = (
        UniqueConstraint("screen_id", "hour_start"),
        CheckConstraint("count >= 0", name="count_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    screen_id: Mapped[int] = mapped_column(ForeignKey("screens.id", ondelete="CASCADE"))
    hour_start: Mapped[dt.datetime]
    count: Mapped[int]
    # A dead sensor's run of zeros is kept for the record but left out of the forecast.
    suspect: Mapped[bool] = mapped_column(default=False)
    import_id: Mapped[int | None] = mapped_column(ForeignKey("traffic_imports.id"))


class Forecast(Base):
    """Expected passers-by per screen-hour, from the latest forecast run."""

    __tablename__ = "forecasts"
    __table_args__ = (
        UniqueConstraint("screen_id", "hour_start"),
        CheckConstraint("expected >= 0", name="expected_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    screen_id: Mapped[int] = mapped_column(ForeignKey("screens.id", ondelete="CASCADE"))
    hour_start: Mapped[dt.datetime]
    expected: Mapped[float]
    # "screen" when learned from the screen's own history, "zone" when borrowed.
    source: Mapped[str] = mapped_column(String(10), default="screen")
    made_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class QuotaPolicy(Base):
    """The city's airtime rules, effective from a moment on; older rows are the history."""

    __tablename__ = "quota_policies"
    __table_args__ = (
        _share("local_min_share"),
        _share("public_min_share"),
        _share("advertiser_max_share"),
        _share("local_discount"),
        _share("surcharge_threshold"),
        CheckConstraint("surcharge_rate >= 0", name="surcharge_not_negative"),
        CheckConstraint("local_min_share + public_min_share <= 1", name="quotas_fit"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    effective_from: Mapped[dt.datetime] = mapped_column(index=True)
    local_min_share: Mapped[float] = mapped_column(default=0.6)
    public_min_share: Mapped[float] = mapped_column(default=0.1)
    advertiser_max_share: Mapped[float] = mapped_column(default=0.25)
    # When local demand cannot fill its reserve: give the rest to other advertisers (True)
    # or keep it for public notices and house content (False).
    release_unused_local: Mapped[bool] = mapped_column(default=False)
    local_discount: Mapped[float] = mapped_column(default=0.3)
    surcharge_threshold: Mapped[float] = mapped_column(default=0.8)
    surcharge_rate: Mapped[float] = mapped_column(default=0.2)
    note: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class PricingTierSet(Base):
    """A full set of pricing tiers, effective from a moment on."""

    __tablename__ = "pricing_tier_sets"

    id: Mapped[int] = mapped_column(primary_key=True)
    effective_from: Mapped[dt.datetime] = mapped_column(index=True)
    note: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    tiers: Mapped[list[PricingTier]] = relationship(
        back_populates="tier_set", cascade="all, delete-orphan", order_by="PricingTier.min_traffic"
    )


class PricingTier(Base):
    """A band of forecast passers-by per screen-hour and its price multiplier."""

    __tablename__ = "pricing_tiers"
    __table_args__ = (
        UniqueConstraint("tier_set_id", "name"),
        CheckConstraint("min_traffic >= 0", name="min_not_negative"),
        CheckConstraint("multiplier > 0", name="multiplier_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tier_set_id: Mapped[int] = mapped_column(ForeignKey("pricing_tier_sets.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(40))
    min_traffic: Mapped[float]
    multiplier: Mapped[float]

    tier_set: Mapped[PricingTierSet] = relationship(back_populates="tiers")


class PlanRun(Base):
    """One run of the planner over the horizon, published or not."""

    __tablename__ = "plan_runs"
    __table_args__ = (_enum("status", PLAN_STATUSES),)

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[dt.datetime | None]
    horizon_start: Mapped[dt.datetime]
    horizon_end: Mapped[dt.datetime]
    status: Mapped[str] = mapped_column(String(10), default="running")
    quota_policy_id: Mapped[int | None] = mapped_column(ForeignKey("quota_policies.id"))
    tier_set_id: Mapped[int | None] = mapped_column(ForeignKey("pricing_tier_sets.id"))
    objective: Mapped[float | None]
    summary: Mapped[dict[str, Any]] = mapped_column(default=dict)
    error: Mapped[str | None] = mapped_column(Text)


class PlanAllocation(Base):
    """How many plays a campaign (or the house) got in one screen-hour, and why, at what price."""

    __tablename__ = "plan_allocations"
    __table_args__ = (
        UniqueConstraint("plan_run_id", "screen_id", "hour_start", "campaign_id", "rule"),
        CheckConstraint("plays >= 0", name="plays_not_negative"),
        CheckConstraint("price_krw >= 0", name="price_not_negative"),
        _enum("rule", PLACEMENT_RULES),
        Index("ix_plan_allocations_screen_hour", "screen_id", "hour_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_run_id: Mapped[int] = mapped_column(
        ForeignKey("plan_runs.id", ondelete="CASCADE"), index=True
    )
    screen_id: Mapped[int] = mapped_column(ForeignKey("screens.id", ondelete="CASCADE"))
    hour_start: Mapped[dt.datetime]
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"), index=True)
    plays: Mapped[int]
    price_krw: Mapped[int] = mapped_column(default=0)
    tier: Mapped[str | None] = mapped_column(String(40))
    forecast: Mapped[float] = mapped_column(default=0.0)
    # Impressions per play (OpenRTB DOOH qty.multiplier).
    impressions_multiplier: Mapped[float] = mapped_column(default=0.0)
    rule: Mapped[str] = mapped_column(String(12))


class Playlist(Base):
    """A published playlist version for one screen. The document is immutable once written."""

    __tablename__ = "playlists"
    __table_args__ = (UniqueConstraint("screen_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    screen_id: Mapped[int] = mapped_column(ForeignKey("screens.id", ondelete="CASCADE"))
    version: Mapped[int]
    plan_run_id: Mapped[int | None] = mapped_column(ForeignKey("plan_runs.id"))
    valid_from: Mapped[dt.datetime]
    valid_until: Mapped[dt.datetime]
    etag: Mapped[str] = mapped_column(String(80))
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    published_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # Exactly one playlist per screen is current; switching is one UPDATE in one transaction.
    is_current: Mapped[bool] = mapped_column(Boolean, default=False)


class Play(Base):
    """Proof of play reported by a screen; ``play_uid`` is the screen's own id for the play."""

    __tablename__ = "plays"
    __table_args__ = (
        UniqueConstraint("screen_id", "play_uid"),
        CheckConstraint("duration_ms > 0", name="duration_positive"),
        CheckConstraint("price_krw >= 0", name="price_not_negative"),
        Index("ix_plays_campaign_started", "campaign_id", "started_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    screen_id: Mapped[int] = mapped_column(ForeignKey("screens.id"))
    play_uid: Mapped[str] = mapped_column(String(64))
    item_id: Mapped[str] = mapped_column(String(64))
    playlist_id: Mapped[int | None] = mapped_column(ForeignKey("playlists.id"))
    allocation_id: Mapped[int | None] = mapped_column(ForeignKey("plan_allocations.id"))
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"))
    creative_id: Mapped[int | None] = mapped_column(ForeignKey("creatives.id"))
    started_at: Mapped[dt.datetime]
    duration_ms: Mapped[int]
    price_krw: Mapped[int] = mapped_column(default=0)
    impressions: Mapped[float] = mapped_column(Float, default=0.0)
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class BillingDaily(Base):
    """Plays, audience and charges per campaign and city-local day, rolled up from plays."""

    __tablename__ = "billing_daily"
    __table_args__ = (
        UniqueConstraint("campaign_id", "day"),
        CheckConstraint("plays >= 0 AND charge_krw >= 0", name="totals_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    day: Mapped[dt.date] = mapped_column(Date)
    plays: Mapped[int]
    impressions: Mapped[float]
    charge_krw: Mapped[int] = mapped_column(BigInteger)
    computed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class JobRun(Base):
    """Every run of a scheduled job: when, how long, and how it ended."""

    __tablename__ = "job_runs"
    __table_args__ = (
        _enum("outcome", JOB_OUTCOMES),
        Index("ix_job_runs_job_started", "job", "started_at"),
        # A scheduled fire time is claimed by inserting its run row: at most one run per fire time.
        UniqueConstraint("job", "scheduled_for"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(60))
    worker: Mapped[str] = mapped_column(String(120))
    # The trigger's fire time; NULL for runs started by hand or on worker start.
    scheduled_for: Mapped[dt.datetime | None]
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[dt.datetime | None]
    duration_s: Mapped[float | None]
    outcome: Mapped[str] = mapped_column(String(10), default="running")
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    error: Mapped[str | None] = mapped_column(Text)


class JobLock(Base):
    """A lease so that exactly one worker runs jobs (PostgreSQL also takes an advisory lock)."""

    __tablename__ = "job_locks"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    holder: Mapped[str] = mapped_column(String(120))
    expires_at: Mapped[dt.datetime]


class LoginSession(Base):
    """A dashboard login session; expires, and logout ends it."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(128), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    ended_at: Mapped[dt.datetime | None]


__all__ = [name for name in dir() if name[0].isupper()] + ["utcnow"]
