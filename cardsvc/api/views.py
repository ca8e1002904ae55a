"""Response models of the read endpoints: what the OpenAPI description promises clients."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from cardsvc.api.loyalty_views import MemberLoyalty
from cardsvc.protocol.messages import ErrorMsg


class InstrumentView(BaseModel):
    model_config = {"json_schema_extra": {"examples": [{
        "id": "CARD-0001", "program": "PREPAID", "kind": "prepaid", "unit": "VND",
        "balance": 375000, "status": "active", "uses_left": None, "valid_from": None,
        "valid_until": None, "issued_at": 1795508844, "store": "HN01",
    }]}}  # fmt: skip

    id: str
    program: str
    kind: str = Field(description="prepaid, gift, voucher, eticket or member")
    unit: str = Field(description="VND (whole đồng) or PTS (points)")
    balance: int
    status: str = Field(description="active, blocked or expired")
    uses_left: int | None = Field(description="vouchers and e-tickets: uses left; None: unlimited")
    valid_from: int | None
    valid_until: int | None
    issued_at: int
    store: str | None = Field(description="the store that issued it")
    loyalty: MemberLoyalty | None = Field(
        None, description="member cards of a program with loyalty rules: tier and points"
    )
    customer: dict[str, Any] | None = Field(
        None, description="terminals: the customer it belongs to (id, name, birthday_week)")
    reloadable: bool | None = Field(
        None, description="terminals: whether it takes top-ups (a gift card may not), so a "
        "terminal refuses one before it writes the card")


class HistoryEntry(BaseModel):
    id: str
    op: str
    amount: int
    code: str
    balance_after: int | None
    at: int = Field(description="when the ledger applied it (epoch seconds)")
    store_id: str
    terminal_id: str
    ref: str | None
    occurred_at: int | None = Field(description="offline taps: when the terminal says")


class InstrumentHistory(BaseModel):
    instrument: InstrumentView
    transactions: list[HistoryEntry]


class Hotlist(BaseModel):
    blocked: list[str] = Field(description="instruments terminals must refuse, even offline")
    blocked_media: list[str] = Field(
        default_factory=list,
        description="of those, the names (card-<UID>) of cards refused as cards: lost, stolen, "
        "damaged or replaced, or whose instrument is blocked",
    )
    pending_updates: list[str] = Field(
        default_factory=list,
        description="names (card-<UID>) of purse cards with value changed at the ledger to write "
        "to them at their next tap (GET /v1/terminal/cards/{uid})",
    )


class LiabilityLine(BaseModel):
    program: str
    unit: str
    instruments: int
    balance: int = Field(description="outstanding value per the instruments table")
    journal: int = Field(description="the same, summed from the postings journal")
    consistent: bool


class Liability(BaseModel):
    programs: list[LiabilityLine]
    consistent: bool


class ClearingLine(BaseModel):
    store: str
    unit: str
    cash_in: int = Field(description="value sold for cash at the store")
    redeemed: int = Field(description="value spent at the store, net of its refunds")
    net_due: int = Field(description="redeemed - cash_in: > 0 the scheme pays the store")


class Clearing(BaseModel):
    start: int
    end: int
    stores: list[ClearingLine]


class CardAlert(BaseModel):
    id: int
    uid: str
    instrument_id: str
    tx_id: str
    kind: str = Field(description="replay, gap or divergence")
    detail: str
    at: int


class CardAlerts(BaseModel):
    alerts: list[CardAlert]


class Health(BaseModel):
    status: str
    database: str
    groups_committed: int


# Every error answer has this shape; listed on the endpoints that can give them.
ERRORS: dict[int | str, dict[str, object]] = {
    code: {"model": ErrorMsg} for code in (401, 403, 404, 409, 413, 422, 503)
}
