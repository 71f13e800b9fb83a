"""Settings, read from ``LOCALCAST_*`` environment variables or a ``.env`` file."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every knob of a localcast deployment. Defaults suit the embedded demo."""

    model_config = SettingsConfigDict(env_prefix="LOCALCAST_", env_file=".env", extra="ignore")

    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default is SQLite under the data directory."
    )
    data_dir: Path = Path("./var")
    timezone: str = "Asia/Seoul"
    holidays: str = Field(default="", description="public holidays, YYYY-MM-DD, comma-separated")
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    api_workers: int = 1
    dashboard_port: int = 8501
    public_url: str | None = Field(
        default=None, description="Base URL screens use to reach the API (default from host/port)."
    )
    horizon_hours: int = 48
    replan_minutes: int = 60
    # Job worker: seconds between runs, per job name, overriding the schedule (tests use short ones;
    # a "billing" entry replaces the daily run after midnight by an interval).
    job_intervals: dict[str, float] = Field(default_factory=dict)
    worker_lease_seconds: float = 30.0
    stale_screen_minutes: int = 10
    drop_settle_seconds: float = 2.0
    poll_seconds: int = 60
    session_hours: int = 12
    max_upload_bytes: int = 20 * 1024 * 1024
    max_upload_pixels: int = 40_000_000
    min_image_side: int = 200
    max_image_side: int = 8000

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except Exception as exc:  # ZoneInfoNotFoundError or a malformed key
            raise ValueError(
                f"unknown time zone {value!r}; use an IANA name such as Asia/Seoul"
            ) from exc
        return value

    @field_validator("holidays")
    @classmethod
    def _dates(cls, value: str) -> str:
        for part in filter(None, (p.strip() for p in value.split(","))):
            try:
                dt.date.fromisoformat(part)
            except ValueError:
                raise ValueError(
                    f"holiday {part!r} is not a date; list them as YYYY-MM-DD,YYYY-MM-DD"
                ) from None
        return value

    @property
    def holiday_dates(self) -> frozenset[dt.date]:
        """Public holidays, forecast like Sundays."""
        return frozenset(
            dt.date.fromisoformat(p.strip()) for p in self.holidays.split(",") if p.strip()
        )

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def assets_dir(self) -> Path:
        return self.data_dir / "assets"

    @property
    def drop_dir(self) -> Path:
        """Folder the worker watches for foot-traffic CSVs."""
        return self.data_dir / "incoming"

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'localcast.db').resolve()}"

    @property
    def api_base_url(self) -> str:
        return self.public_url or f"http://{self.api_host}:{self.api_port}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (cached; tests call ``get_settings.cache_clear()``)."""
    return Settings()
