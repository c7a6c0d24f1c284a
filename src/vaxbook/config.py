"""All settings in one typed object, read from VAXBOOK_* environment variables or CLI flags."""

from __future__ import annotations

import secrets
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_CAMPAIGN = Path(__file__).parent / "campaigns" / "kr-2021-18-49.toml"
METHODS = ("mobile", "kakao", "naver", "pass")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VAXBOOK_", extra="ignore")

    database_url: str = Field(default="sqlite:///var/vaxbook.db", description="sqlite:///path, postgresql://")
    redis_url: str | None = Field(default=None, description="redis://...; else the gate is in-process")
    redis_prefix: str = "vaxbook:"
    campaign_file: Path = DEFAULT_CAMPAIGN
    secret: str | None = Field(default=None, description="signing secret; else kept in secret_file")
    secret_file: Path = Path("var/secret")
    dev_mode: bool = Field(default=True, description="reveal simulated verification codes in responses")

    # waiting room
    admission_rate: float = Field(default=50.0, gt=0, description="people admitted per second, per line")
    admission_cap: int | None = Field(default=None, ge=1, description="max people holding a live pass")
    admission_pass_seconds: int = 600
    pre_queue_seconds: int = Field(default=600, ge=0, description="how early the line forms")
    counters_cache_seconds: float = Field(default=0.2, ge=0, description="how stale line counters may be")

    # verification
    identity_seconds: int = 600
    verification_hold_seconds: int = 600  # one verification and one device per 10 minutes
    sim_latency_ms: dict[str, float] = {"mobile": 400.0, "kakao": 150.0, "naver": 150.0, "pass": 200.0}
    sim_capacity: dict[str, int] = {"mobile": 200, "kakao": 500, "naver": 500, "pass": 400}
    sim_queue_timeout_seconds: float = 10.0

    # reads
    browse_cache_seconds: float = Field(default=1.0, ge=0, description="how stale clinic free counts may be")
    pool_size: int = Field(default=10, ge=1, description="PostgreSQL connections per worker")
    redis_pool_size: int = Field(default=50, ge=1, description="Redis connections per worker")
    migrate_on_start: bool = Field(default=False, description="apply PostgreSQL migrations at start-up")

    def secret_bytes(self) -> bytes:
        """The configured secret, or one generated once and kept in secret_file."""
        if self.secret:
            return self.secret.encode()
        if self.secret_file.exists():
            return self.secret_file.read_text().strip().encode()
        self.secret_file.parent.mkdir(parents=True, exist_ok=True)
        value = secrets.token_hex(32)
        self.secret_file.write_text(value + "\n")
        self.secret_file.chmod(0o600)
        return value.encode()
