"""Request and response bodies of the screen API (they are the published OpenAPI schema)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ErrorOut(BaseModel):
    """Every 4xx/5xx body: a stable code for programs and a sentence for people."""

    error: str = Field(description="stable error code, e.g. unauthenticated, forbidden")
    message: str
    details: list[dict[str, Any]] | None = None


class HealthOut(BaseModel):
    status: str
    database: str


class PairingStartOut(BaseModel):
    code: str = Field(description="short code the screen shows until staff claim it")
    device_secret: str = Field(description="send as 'Authorization: Bearer …' when polling")
    expires_at: dt.datetime
    poll_interval_s: int


class PairingPollOut(BaseModel):
    status: str = Field(description="'waiting' until staff claim the code, then 'paired'")
    screen_id: int | None = None
    token: str | None = Field(default=None, description="the screen's bearer token, given once")
    expires_at: dt.datetime | None = None


class MediaOut(BaseModel):
    model_config = ConfigDict(extra="allow")

    sha256: str
    size_bytes: int
    content_type: str
    width: int | None = None
    height: int | None = None
    url: str = Field(description="where the file is served, content-addressed and immutable")


class ItemOut(BaseModel):
    model_config = ConfigDict(extra="allow")

    media: str | None = Field(description="sha256 of the file to show; null = built-in card")
    duration_s: float
    campaign_id: int | None = None
    business_id: int | None = None
    creative_id: int | None = None
    rule: str | None = None
    impressions_multiplier: float = 0.0
    explain: dict[str, Any] | None = None
    url: str | None = None
    sha256: str | None = None
    size_bytes: int | None = None


class HourOut(BaseModel):
    model_config = ConfigDict(extra="allow")

    start: dt.datetime
    sequence: list[str] = Field(description="item ids, one per slot, in play order")


class PollOut(BaseModel):
    interval_s: int = Field(description="poll the playlist every interval_s seconds …")
    offset_s: int = Field(description="… at this offset into each interval (per-screen jitter)")


class PlaylistOut(BaseModel):
    """The screen's current playlist document, with file URLs and poll advice added."""

    model_config = ConfigDict(extra="allow")

    screen_id: int
    version: int
    plan_run_id: int | None = None
    generated_at: dt.datetime | None = None
    valid_from: dt.datetime
    valid_until: dt.datetime
    timezone: str | None = None
    slot_seconds: int | None = None
    media: dict[str, MediaOut]
    items: dict[str, ItemOut]
    hours: list[HourOut]
    poll: PollOut


class PlayIn(BaseModel):
    """One play as a screen reports it. A play that does not fit is refused on its own."""

    play_id: str = Field(description="chosen by the screen; a retry sends the same id")
    item_id: str = Field(description="the playlist item that played, e.g. a812 or house")
    started_at: dt.datetime
    duration_ms: int = Field(description="how long it was actually shown")


class PlayBatchIn(BaseModel):
    plays: list[PlayIn | dict[str, Any]] = Field(
        max_length=1000,
        description="up to 1000 plays; malformed ones are refused one by one, not the batch",
    )


class RefusedPlayOut(BaseModel):
    index: int = Field(description="position in the batch")
    play_id: str | None
    reason: str = Field(
        description="malformed, not_full_length, unknown_item, wrong_hour or from_the_future"
    )
    message: str


class PlayBatchOut(BaseModel):
    accepted: list[str] = Field(description="play ids stored now")
    duplicates: list[str] = Field(description="play ids stored before (a retried batch)")
    refused: list[RefusedPlayOut]
