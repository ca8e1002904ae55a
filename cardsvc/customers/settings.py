"""Customer settings, from the environment (prefix CARDSVC_CUSTOMERS_)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class CustomerSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="CARDSVC_CUSTOMERS_", env_file=".env", extra="ignore"
    )

    region: str = "VN"  # how phone numbers without a country code are read
    tz: str = "Asia/Ho_Chi_Minh"  # a customer's zone unless their record names another
    # Roles that see phone numbers in full; everyone else sees 090****800.
    phone_visible_roles: list[str] = Field(default_factory=lambda: ["admin"])

    # Referral: the new customer's first purchase of at least this much, within this many days
    # of signing up, rewards both sides; a referrer is rewarded at most `monthly_cap` times a
    # calendar month; a refund within the return window reverses both rewards.
    referral_min_purchase: int = Field(100_000, ge=0)
    referral_within_days: int = Field(30, ge=1, le=365)
    referral_points_referrer: int = Field(100, ge=0)
    referral_points_referred: int = Field(50, ge=0)
    referral_monthly_cap: int = Field(10, ge=0)
    return_window_days: int = Field(7, ge=0, le=365)

    # Birthday: the reward and greeting come in the birthday's month or its week.
    birthday_window: Literal["month", "week"] = "month"
    birthday_points: int = Field(200, ge=0)  # when the customer's tier does not say

    # Feedback from the receipt QR: answered within this many days of the sale; ratings at or
    # below `low_rating` open a follow-up case for the store manager.
    feedback_points: int = Field(20, ge=0)
    feedback_window_days: int = Field(30, ge=1)
    low_rating: int = Field(2, ge=1, le=5)

    # The member program reward points are credited to when a customer has no member card.
    member_program: str = "MEMBER"

    # The public pages (/join, /feedback): token buckets per client address.
    public_burst: int = Field(20, ge=1)
    public_per_minute: float = Field(20.0, gt=0)
    public_clients_max: int = Field(100_000, ge=1)
    trust_forwarded_for: bool = False
    public_base_url: str = "http://127.0.0.1:8080"  # links in messages and QR codes

    # The outbox: retries with exponential backoff, then the message is marked failed.
    sender: Literal["none", "smtp", "file"] = "none"
    outbox_max_attempts: int = Field(6, ge=1, le=50)
    outbox_backoff_s: int = Field(60, ge=1)
    outbox_backoff_max_s: int = Field(6 * 3600, ge=1)
    outbox_lease_s: int = Field(300, ge=10)
    outbox_batch: int = Field(100, ge=1, le=10_000)
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_starttls: bool = False
    smtp_user: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_from: str = "no-reply@example.invalid"
    smtp_timeout_s: float = Field(10.0, gt=0, le=120)
    file_dir: str = "var/outbox"  # the demo sender writes one .eml file per message here
