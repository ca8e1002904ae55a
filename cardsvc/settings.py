"""Service settings, from the environment (prefix CARDSVC_) or a .env file."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from cardsvc.core.bounds import (
    BATCH,
    BYTES,
    DURATION,
    MEGABYTES,
    PORT,
    POSITIVE_DURATION,
    QUEUE,
    WORKERS,
)
from cardsvc.protocol.bounds import within

# Settings come from the environment as text: parsed, not strict, and bounded like any input.
Port = Annotated[int, within(PORT, strict=False)]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CARDSVC_", env_file=".env", extra="ignore")

    # SQLite (WAL) by default: no set-up. PostgreSQL in production:
    # postgresql+psycopg://user@host:port/dbname
    database_url: str = "sqlite:///var/cardsvc.db"
    host: str = "127.0.0.1"
    port: Port = 8080
    workers: Annotated[int, within(WORKERS, strict=False)] = 1

    # Signed requests: how far a terminal's clock may be from ours, in seconds, both ways.
    signature_window_s: Annotated[int, within(DURATION, lo=1, hi=86_400, strict=False)] = 300
    # A rotated terminal key stays valid this long so queued, already-signed batches still land.
    key_overlap_s: Annotated[int, within(DURATION, strict=False)] = 7 * 24 * 3600
    enrollment_code_ttl_s: Annotated[int, within(POSITIVE_DURATION, strict=False)] = 24 * 3600
    # Group commit: the most transactions one database transaction carries.
    group_max_tx: Annotated[int, within(BATCH, strict=False)] = 8192
    # Bound on requests waiting for the committer; beyond it the service answers 503.
    group_queue_max: Annotated[int, within(QUEUE, strict=False)] = 4096
    void_window_s: Annotated[int, within(DURATION, strict=False)] = 1800
    # Largest request body accepted (a full batch of 8192 transactions is ~2.5 MB).
    max_body_bytes: Annotated[int, within(BYTES, strict=False)] = 4 * 1024 * 1024
    sqlite_cache_mb: Annotated[int, within(MEGABYTES, strict=False)] = 64
    # A replaced purse card's value is held this long for late offline taps of the old card
    # synced from tills, then moved to the new card.
    card_holding_window_s: int = Field(7 * 24 * 3600, ge=0, le=90 * 24 * 3600)

    # The back office (/admin): sign-in lock-out and sessions (dates are Asia/Ho_Chi_Minh).
    backoffice_max_failures: int = Field(5, ge=1, le=100)
    backoffice_lock_s: int = Field(15 * 60, ge=1, le=7 * 86400)
    backoffice_session_s: int = Field(8 * 3600, ge=60, le=7 * 86400)
    # Mark the session cookie Secure: None = when the request arrived over https (set true
    # behind a TLS-terminating proxy that forwards plain http).
    backoffice_secure_cookie: bool | None = None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
