"""What the agent answers the counter: its state (health, readers, queue, shift), card
operations and records, codes, receipts, staff, shift reports and customers. `Answer` is
the base of every answer."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Answer(BaseModel):
    """An answer of the agent. `extra="forbid"`: the agent cannot answer a field this module
    does not describe (FastAPI validates each answer against its model)."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, json_schema_serialization_defaults_required=True
    )


class Health(Answer):
    ok: bool = False
    terminal: str = ""
    ledger_reachable: bool = False


class ReaderInfo(Answer):
    name: str
    driver: str = ""  # pcsc, nfc, virtual
    card_present: bool | None = None  # None: the driver cannot tell without connecting


class Readers(Answer):
    readers: list[ReaderInfo] = Field(default_factory=list)
    using: str | None = None  # the reader the agent holds open
    error: str | None = None  # why no reader can be used (pcscd down ...)


class QueueStatus(Answer):
    """The offline queue (outbox) and the ledger connection."""

    ready: int = 0  # waiting to be sent
    on_card: int = 0  # written to a card whose outcome is not settled yet
    unresolved: int = 0  # torn operations the card state does not explain
    oldest_unsent_at: int | None = None
    offline_unsynced: int = 0  # đồng spent offline, not yet synced
    ledger_reachable: bool = False
    last_error: str | None = None
    hotlist_size: int = 0
    hotlist_fetched_at: int | None = None


def _detail_optional(schema: dict[str, Any]) -> None:
    schema["required"] = [name for name in schema.get("required", []) if name != "detail"]


class SyncAnswer(QueueStatus):
    model_config = ConfigDict(json_schema_extra=_detail_optional)

    synced: bool = False
    detail: str | None = Field(None, description="why not synced; absent when synced")


class Shift(Answer):
    id: int
    staff: str
    opened_at: int


class CurrentShift(Shift):
    offline_spent: int = 0  # đồng decided offline in this shift (capped per shift)


class RecoveredEntry(Answer):
    """A torn operation of the tapped card, settled before the tap was answered."""

    tx_id: str
    op: str = ""
    amount: int = 0
    state: str = ""  # the outbox state it settled into (ready, cancelled ...)
    code: str | None = None


class WrittenUpdate(Answer):
    """A value change made at the ledger, written to the purse at this tap (exactly once)."""

    tx_id: str | None = None
    amount: int = 0  # đồng the card changed by (credit or debit)
    code: str = ""  # ok; or the ledger's refusal (the card was then set back)
    card_value: int | None = None
    compensated: bool = False


class CardAnswer(Answer):
    """A tap: the card and, when the ledger answered, its view of the instrument."""

    kind: Literal["purse", "blank", "online"]  # blank: DESFire without the purse; online: UID
    uid: str
    instrument: str
    card_value: int | None = None
    card_counter: int | None = None
    # The ledger's instrument view as it sent it, or its refusal {"error", "detail"}; None when
    # the ledger was not reached. Passed through: the ledger's API owns that shape.
    ledger: dict[str, Any] | None = None
    agree: bool | None = None  # the purse holds what the ledger says (None: either unknown)
    recovered: list[RecoveredEntry] = Field(default_factory=list)
    updates: list[WrittenUpdate] = Field(default_factory=list)  # ledger-side changes written


class OperationResult(Answer):
    """What a value operation did. `code`: ok, exists, the agent's own (card_removed, offline
    limits ...) or the ledger's refusal passed through unchanged."""

    code: str
    op: str  # issue, top_up, redeem, refund (void: a compensation the agent made)
    mode: Literal["online", "offline", "queued", "local"] = "local"
    instrument: str | None = None
    uid: str | None = None
    amount: int = 0
    tx_id: str | None = None
    card_value: int | None = None
    card_counter: int | None = None
    ledger_balance: int | None = None
    compensated: bool = False  # the ledger refused after the card changed: the card was reset
    detail: str = ""
    unit: str | None = None  # VND, or PTS for member points (None: not known to the agent)
    ok: bool = False
    # Loyalty operations: the ledger's LoyaltyMsg as it sent it (points earned, spent, the
    # rules that earned them, the tier), passed through; None until the ledger answered.
    loyalty: dict[str, Any] | None = None
    # Rewards: the voucher issued (code, payload, instrument, value, valid_until), for the
    # receipt; None until the ledger has answered.
    voucher: dict[str, Any] | None = None


class CardRecord(Answer):
    """The ledger's record of a card (by its number): state, instrument, balance."""

    uid: str
    instrument: str
    card_type: str | None = None  # desfire, ntag, uid (None: issued before media existed)
    state: str = ""  # active, lost, stolen, damaged, replaced
    window_until: int | None = None  # a replaced card's late taps are accepted until then
    created_at: int = 0
    changed_at: int = 0
    balance: int = 0
    instrument_status: str = ""
    program: str = ""
    pending_updates: int = 0  # đồng changed at the ledger, not yet on the card


class ReplaceAnswer(Answer):
    """The receipt of a replacement."""

    id: str
    instrument: str
    old_uid: str
    new_uid: str
    reason: str
    store: str
    state: str  # holding (late taps of the old card accepted until window_until), closed
    created_at: int
    window_until: int
    held_amount: int = 0  # the old card's value, held for its late taps
    moved: int | None = None  # moved to the new card when the window closed
    spent_late: int | None = None  # spent by late taps of the old card


class CardProgram(Answer):
    """A program a card can be sold under (the ledger's list)."""

    id: str
    name: str = ""
    kind: str = ""  # prepaid, gift, member
    unit: str = "VND"  # VND or PTS (points)
    reloadable: bool = False
    max_balance: int = 0


class CardPrograms(Answer):
    programs: list[CardProgram] = Field(default_factory=list)


class CodeQuote(Answer):
    """What a code would do to a sale, by the ledger's rules; `code` ok or why not."""

    code: str
    instrument: str | None = None
    kind: str | None = None  # voucher, gift, eticket
    program: str | None = None
    name: str | None = None
    purchase_amount: int = 0
    amount: int = 0  # what it takes off the sale
    to_pay: int = 0  # what the customer still pays
    balance: int | None = None
    uses_left: int | None = None
    valid_until: int | None = None
    min_spend: int = 0
    discount_bp: int = 0
    discount_cap: int = 0


class StaffEntry(Answer):
    id: str
    name: str


class StaffList(Answer):
    staff: list[StaffEntry] = Field(default_factory=list)


# Operations only a member's points card takes: a receipt of one is counted in points.
POINTS_OPS = frozenset({"purchase", "reward", "award", "deduct"})


class Receipt(Answer):
    """One operation of this till, as its receipt shows it."""

    tx_id: str
    number: str  # unique chain-wide: terminal id and short number (S1-QUAY1-000042)
    short: str  # 000042
    terminal: str = ""
    store: str = ""
    op: str = ""
    instrument: str = ""
    amount: int = 0
    purchase_amount: int = 0
    funding: str = "cash"
    ref: str | None = None
    state: str = ""  # card, ready (waiting for the ledger), done, unresolved
    code: str | None = None  # the ledger's answer once sent
    balance_after: int | None = None
    card_value: int | None = None
    uid: str | None = None
    at: int = 0
    shift_id: int | None = None
    staff: str | None = None
    offline: bool = False
    cash_deducted: int = 0  # a member's refund: đồng kept from the cash for points spent
    points_earned: int = 0  # a member's purchase: the points it earned
    unit: str = "VND"  # the card's unit: VND, or PTS for a member's points (its balance after)


class ReceiptList(Answer):
    receipts: list[Receipt] = Field(default_factory=list)


class OpTotal(Answer):
    op: str
    funding: str = "cash"
    count: int = 0
    total: int = 0


class ShiftReport(Answer):
    """A shift's cash report: counts and sums by operation, the cash taken, and what this till
    still has to send to the ledger."""

    shift_id: int
    staff: str
    opened_at: int
    closed_at: int | None = None
    totals: list[OpTotal] = Field(default_factory=list)
    refused: int = 0
    cash_taken: int = 0
    queued: int = 0
    queued_amount: int = 0
    unresolved: int = 0
    opening_float: int = 0
    counted_cash: int | None = None
    refunds: int = 0
    refunded: int = 0


class CustomerAnswer(Answer):
    """A customer look-up or sign-up, forwarded to the ledger. `code`: ok, or the ledger's
    refusal passed through (customer_unknown, phone_taken, phone_invalid, birthday_invalid ...).
    `customer`: the ledger's customer view as it sent it (phone masked); the ledger's API owns
    that shape."""

    code: str
    customer: dict[str, Any] | None = None
    detail: str = ""
    ok: bool = False
