"""Finding instruments from what a customer or a cashier holds: a typed code or a QR payload.

Both answers have one shape for "no such code" whatever the reason behind it, so a caller
learns nothing but what the check character legitimately tells (a typo) and whether a code
exists. The database is asked the same question either way, so time tells no more either.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cardsvc.protocol import qr
from cardsvc.services import queries
from cardsvc.services.errors import NotFound
from cardsvc.storage.unit_of_work import UnitOfWork
from cardsvc.vouchers.codes import CodeFormatError, canonical, code_hash
from cardsvc.vouchers.service import Vouchers

REVOCATIONS_MAX = 200_000
_DUMMY = "0" * 17


@dataclass(frozen=True)
class Found:
    instrument: str | None  # None: no such code (or not shown: see `reason`)
    reason: str  # ok, typo, unknown, or a QrReason value for payloads
    campaign: str | None = None


def resolve_code(uow: UnitOfWork, v: Vouchers, text: str) -> Found:
    """A typed code -> its instrument id."""
    try:
        code, reason = canonical(text), "ok"
    except CodeFormatError:
        code, reason = _DUMMY, "typo"
    row = uow.campaigns.code(code_hash(code, v.pepper))
    if reason == "typo":
        return Found(None, "typo")
    if row is None:
        return Found(None, "unknown")
    return Found(row[0], "ok", row[1])


def resolve_payload(v: Vouchers, text: str) -> tuple[Found, qr.QrCheck]:
    """A scanned QR payload -> its instrument id, if the payload checks out."""
    check = qr.verify(qr.normalise_scan(text), v.keyring, v.clock())
    if check.claims is None:
        return Found(None, str(check.reason)), check
    return Found(check.claims.instrument, str(check.reason), check.claims.program), check


def looks_like_payload(text: str) -> bool:
    return qr.normalise_scan(text).startswith(qr.PREFIX)


def instrument_or_none(uow: UnitOfWork, instrument_id: str) -> dict[str, Any] | None:
    try:
        return queries.instrument_view(uow, instrument_id)
    except NotFound:
        return None


def revocation_list(uow: UnitOfWork) -> list[str]:
    """Instruments an offline validator must refuse: blocked, expired by the ledger, or with
    no uses left. Gates and kiosks fetch it with their key set."""
    return uow.campaigns.revoked(REVOCATIONS_MAX)
