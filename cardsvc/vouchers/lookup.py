"""Finding instruments from what a customer or a cashier holds: a typed code or a QR payload.

Both answers have one shape for "no such code" whatever the reason behind it, so a caller
learns nothing but what the check character legitimately tells (a typo) and whether a code
exists. The database is asked the same question either way, so time tells no more either.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, or_, select

from cardsvc.protocol import qr
from cardsvc.services import queries
from cardsvc.services.errors import NotFound
from cardsvc.storage.schema import instruments, voucher_codes
from cardsvc.vouchers.codes import CodeFormatError, canonical, code_hash
from cardsvc.vouchers.service import Vouchers

REVOCATIONS_MAX = 200_000
_DUMMY = "0" * 17


@dataclass(frozen=True)
class Found:
    instrument: str | None  # None: no such code (or not shown: see `reason`)
    reason: str  # ok, typo, unknown, or a QrReason value for payloads
    campaign: str | None = None


def resolve_code(conn: Connection, v: Vouchers, text: str) -> Found:
    """A typed code -> its instrument id."""
    try:
        code, reason = canonical(text), "ok"
    except CodeFormatError:
        code, reason = _DUMMY, "typo"
    row = conn.execute(
        select(voucher_codes.c.instrument_id, voucher_codes.c.campaign_id).where(
            voucher_codes.c.code_hash == code_hash(code, v.pepper)
        )
    ).first()
    if reason == "typo":
        return Found(None, "typo")
    if row is None:
        return Found(None, "unknown")
    return Found(row.instrument_id, "ok", row.campaign_id)


def resolve_payload(v: Vouchers, text: str) -> tuple[Found, qr.QrCheck]:
    """A scanned QR payload -> its instrument id, if the payload checks out."""
    check = qr.verify(qr.normalise_scan(text), v.keyring, v.ledger.clock())
    if check.claims is None:
        return Found(None, str(check.reason)), check
    return Found(check.claims.instrument, str(check.reason), check.claims.program), check


def looks_like_payload(text: str) -> bool:
    return text.strip().startswith(qr.PREFIX)


def instrument_or_none(conn: Connection, instrument_id: str) -> dict[str, Any] | None:
    try:
        return queries.instrument_view(conn, instrument_id)
    except NotFound:
        return None


def revocation_list(conn: Connection) -> list[str]:
    """Instruments an offline validator must refuse: blocked, expired by the ledger, or with
    no uses left. Gates and kiosks fetch it with their key set."""
    i = instruments.c
    q = (
        select(i.id)
        .where(i.kind.in_(("gift", "voucher", "eticket")))
        .where(or_(i.status != "active", i.uses_left == 0))
        .order_by(i.id)
        .limit(REVOCATIONS_MAX)
    )
    return list(conn.execute(q).scalars())
