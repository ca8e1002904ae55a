"""Service settings, from the environment (prefix CARDSVC_) or a .env file."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CARDSVC_", env_file=".env", extra="ignore")

    # SQLite (WAL) by default: no set-up. PostgreSQL in production:
    # postgresql+psycopg://user@host:port/dbname
    database_url: str = "sqlite:///var/cardsvc.db"
    host: str = "127.0.0.1"
    port: int = 8080
    workers: int = 1

    # Signed requests: how far a terminal's clock may be from ours, in seconds, both ways.
    signature_window_s: int = 300
    # A rotated terminal key stays valid this long so queued, already-signed batches still land.
    key_overlap_s: int = 7 * 24 * 3600
    enrollment_code_ttl_s: int = 24 * 3600
    # Group commit: the most transactions one database transaction carries.
    group_max_tx: int = 8192
    # Bound on requests waiting for the committer; beyond it the service answers 503.
    group_queue_max: int = 4096
    void_window_s: int = 1800
    # Largest request body accepted (a full batch of 8192 transactions is ~2.5 MB).
    max_body_bytes: int = 4 * 1024 * 1024
    sqlite_cache_mb: int = 64
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
