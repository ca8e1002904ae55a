"""Settings of vouchers, QR signing and the customer pages (environment prefix CARDSVC_VOUCHERS_).

The QR signing key lives in the keystore configured by the CARDKEYS_ settings (file or HSM),
under `qr_key_label`; its passphrase or PIN comes from CARDKEYS_PASSPHRASE / CARDKEYS_PIN.
"""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class VoucherSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CARDSVC_VOUCHERS_", extra="ignore")

    # HMAC key for the stored code hashes. Codes carry 80 random bits, so even a leaked table
    # cannot be brute-forced; the pepper adds a secret the database alone does not hold.
    # Changing it makes every existing code unfindable: set it once per deployment.
    code_pepper: SecretStr = SecretStr("")
    qr_key_label: str = "qr"
    # Signs the key set gates and kiosks download (an Ed25519 key of purpose "keyset"; agents
    # trust it from their enrolment). Without one the key set is served unsigned.
    keyset_key_label: str = "qr-keyset"
    # How old the ledger's copy of the QR keys may be: a rotation or revocation made in the
    # keystore while the ledger runs applies within this many seconds (0: at every use).
    key_refresh_s: float = Field(5.0, ge=0, le=3600)
    # The largest batch one API request may generate (the CLI has no such cap).
    api_generate_max: int = Field(10_000, ge=1, le=100_000)
    # Customer balance page: a token bucket per client address.
    public_burst: int = Field(10, ge=1)  # look-ups allowed at once
    public_per_minute: float = Field(6.0, gt=0)  # refill rate
    public_clients_max: int = Field(100_000, ge=100)  # buckets kept (least recent evicted)
    # Take the client address from X-Forwarded-For (only behind a proxy that sets it).
    trust_forwarded_for: bool = False
    # Customer pages show times in this UTC offset (Vietnam: +7, no daylight saving).
    display_utc_offset_h: int = Field(7, ge=-12, le=14)
    history_rows: int = Field(20, ge=1, le=200)
