"""Settings of vouchers, QR signing and the customer pages (environment prefix CARDSVC_VOUCHERS_).

The QR signing key lives in the keystore configured by the CARDKEYS_ settings (file or HSM),
under `qr_key_label`; its passphrase or PIN comes from CARDKEYS_PASSPHRASE / CARDKEYS_PIN.
"""

from __future__ import annotations

from ipaddress import IPv4Network, IPv6Network, ip_network
from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from cardsvc.core.bounds import CODE_COUNT, PAGE, UTC_OFFSET_H
from cardsvc.protocol.bounds import within


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
    api_generate_max: Annotated[int, within(CODE_COUNT, lo=1, hi=100_000, strict=False)] = 10_000
    # Customer balance page: a token bucket per client address, shared by every worker.
    public_burst: Annotated[int, within(PAGE, hi=1000, strict=False)] = 10  # look-ups at once
    public_per_minute: float = Field(6.0, gt=0, le=60_000)  # refill rate
    # The reverse proxies in front of the service (addresses or networks, comma-separated, e.g.
    # "10.0.0.5, 10.1.0.0/16"). X-Forwarded-For is believed only from these, and the client is
    # the rightmost address in it that is not one of them. Empty: the TCP peer is the client.
    trusted_proxies: str = ""
    # Customer pages show times in this UTC offset (Vietnam: +7, no daylight saving).
    display_utc_offset_h: Annotated[int, within(UTC_OFFSET_H, strict=False)] = 7
    history_rows: Annotated[int, within(PAGE, hi=200, strict=False)] = 20

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: str) -> str:
        proxy_networks(value)  # a mistyped address is refused at start, in words
        return value

    @property
    def proxies(self) -> tuple[IPv4Network | IPv6Network, ...]:
        return proxy_networks(self.trusted_proxies)


def proxy_networks(text: str) -> tuple[IPv4Network | IPv6Network, ...]:
    """Parse "10.0.0.5, 10.1.0.0/16" into networks; ValueError naming a bad entry."""
    out = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        try:
            out.append(ip_network(part, strict=False))
        except ValueError:
            raise ValueError(f"{part!r} is not an IP address or network (10.0.0.0/8)") from None
    return tuple(out)
