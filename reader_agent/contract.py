"""The reader agent's local API as one typed contract: every path, every request, every answer,
every error code with its HTTP status. The agent serves it (reader_agent.agent.api) and the
terminal front-ends call it (terminals.counter.agent_client); neither declares a shape itself.

Importable without fastapi, httpx or pyscard: pydantic and cardsvc.protocol only, so a front-end
never pulls the agent's reader stack in.

Answers: the agent always sends every field (its OpenAPI marks them all required, and the tests
check every answer round-trips through its model). The defaults below are for readers of
answers: a front-end parsing with `extra="ignore"` keeps working beside a newer agent.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from cardsvc.protocol.limits import AMOUNT_MAX
from cardsvc.protocol.messages import Id

# --- requests ---------------------------------------------------------------------------------
Amount = Annotated[int, Field(ge=1, le=AMOUNT_MAX, strict=True, description="whole đồng")]
Timeout = Annotated[float, Field(gt=0, le=300, description="seconds to wait for the tap")]
Funding = Literal["cash", "promotion"]
Op = Literal["issue", "top_up", "redeem", "refund"]


class TapRequest(BaseModel):
    timeout_s: Timeout = 15.0


class RedeemRequest(TapRequest):
    amount: Amount
    request_id: Id | None = Field(None, description="the sale's id: a retry never charges twice")


class TopUpRequest(RedeemRequest):
    funding: Funding = "cash"


class RefundRequest(RedeemRequest):
    ref: Id = Field(description="the redemption's transaction id")


class IssueRequest(TapRequest):
    program: Id
    amount: Annotated[int, Field(ge=0, le=AMOUNT_MAX, strict=True)] = 0
    funding: Funding = "cash"
    request_id: Id | None = None


Uid = Annotated[str, Field(pattern=r"^[0-9A-Fa-f]{8,20}$", description="card number (UID hex)")]


class CardReading(BaseModel):
    """A damaged card read at this counter (POST /v1/tap): its purse value and counter."""

    value: int = Field(ge=0, le=2**31 - 1, strict=True)
    counter: int = Field(ge=0, le=2**32 - 1, strict=True)


class ReplaceRequest(TapRequest):
    """Replace a lost, stolen or damaged card: the new card is tapped during this request."""

    old_uid: Uid
    reason: Literal["lost", "stolen", "damaged"]
    request_id: Id = Field(description="the replacement's id: a retry never replaces twice")
    reading: CardReading | None = None



StaffId = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_.\-]+$")]
Pin = Annotated[str, Field(min_length=4, max_length=8, pattern=r"^[0-9]+$",
                           description="the staff member's PIN (never stored, never logged)")]


class QrRequest(BaseModel):
    """A scanned QR payload (keyboard-wedge scanner, camera or pasted)."""

    payload: str = Field(min_length=1, max_length=1200)


Tender = Literal["cash", "bank_card", "stored_value", "voucher"]
Points = Annotated[int, Field(ge=0, le=AMOUNT_MAX, strict=True, description="points")]


class PurchaseRequest(TapRequest):
    """A sale for a member (tap the member card): it earns points, and may spend some."""

    amount: Amount = Field(description="the receipt total, whole đồng")
    points: Points = Field(0, description="points spent as a tender (online only)")
    excluded: Annotated[int, Field(ge=0, le=AMOUNT_MAX, strict=True)] = Field(
        0, description="đồng of lines that earn nothing (gift cards, top-ups)"
    )
    tenders: dict[Tender, Annotated[int, Field(ge=0, le=AMOUNT_MAX, strict=True)]] | None = None
    request_id: Id | None = Field(None, description="the sale's id: a retry never earns twice")


class AdjustPointsRequest(TapRequest):
    """Staff move a member's points up (award) or down (deduct), with a reason."""

    op: Literal["award", "deduct"]
    points: Annotated[int, Field(ge=1, le=AMOUNT_MAX, strict=True)]
    reason: Id
    request_id: Id | None = None


class ShiftRequest(BaseModel):
    """Open a shift: a staff member the till knows (`reader-agent staff add`), with a PIN. The
    shift open before it is closed (a handover)."""

    staff: StaffId
    pin: Pin


class CloseShiftRequest(ShiftRequest):
    """Close the current shift: any staff member of the till, with a PIN."""


CodeText = Annotated[str, Field(min_length=1, max_length=1200,
                                description="a typed code or a scanned QR payload")]
Money = Annotated[int, Field(ge=0, le=AMOUNT_MAX, strict=True, description="whole đồng")]


class CodeQuoteRequest(BaseModel):
    code: CodeText
    purchase_amount: Money = 0
    amount: Money | None = Field(None, description="gift cards: the part to spend")


class CodeRedeemRequest(BaseModel):
    """Redeem a code against a sale, for exactly `amount` (what the screen showed): if the
    ledger's quote differs now (the gift card was spent elsewhere meanwhile), it is refused."""

    code: CodeText
    purchase_amount: Money
    amount: Money
    request_id: Id | None = None


class CodeSellRequest(BaseModel):
    """Sell a printed gift card by its code: issued for its face value, paid in cash."""

    code: CodeText
    request_id: Id | None = None


class VoidRequest(BaseModel):
    """Void a code redemption of this store (the voucher's use, the gift value, the entry
    comes back), inside the ledger's void window."""

    ref: Id
    request_id: Id | None = None


class CustomerLookupRequest(BaseModel):
    phone: str = Field(min_length=1, max_length=32, description="as the customer says it")


class CustomerSignUpRequest(BaseModel):
    """Sign-up at the counter: phone, name and birthday (day and month; the year optional)."""

    phone: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=200)
    birth_day: int | None = Field(None, ge=1, le=31)
    birth_month: int | None = Field(None, ge=1, le=12)
    birth_year: int | None = Field(None, ge=1900, le=2200)
    email: str | None = Field(None, max_length=254)
    lang: Literal["vi", "en"] = "vi"
    consent: bool = False
    referral_code: str | None = Field(None, max_length=32)


# --- answers ----------------------------------------------------------------------------------
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


AdmissionCode = str  # ok, or why not: see ADMISSION_REFUSALS
ADMISSION_REFUSALS = (
    # the QR payload itself (cardsvc.protocol.qr.QrReason)
    "malformed", "unsupported_version", "unknown_key", "wrong_purpose", "key_revoked",
    "key_not_valid", "bad_signature", "issued_in_future", "not_yet_valid", "expired", "revoked",
    # the gate's own checks
    "no_keyset", "wrong_kind", "wrong_gate", "already_redeemed", "passback", "queue_full",
    "card_needs_ledger", "ledger_no_answer",
    # the ledger's (passed through)
    "not_found", "instrument_blocked",
)  # fmt: skip


class Admission(Answer):
    """An entry decision at a gate (or a kiosk's self check-in)."""

    ok: bool
    code: AdmissionCode
    mode: Literal["online", "offline", "local"]  # offline: decided here, queued for the ledger
    source: Literal["qr", "card"]
    at: int
    instrument: str | None = None
    program: str | None = None
    entries_left: int | None = None  # None: unlimited or unknown
    tx_id: str | None = None
    detail: str = ""


class GateStatus(Answer):
    """A gate's counters and what its offline decisions rest on."""

    terminal: str = ""
    since: int = 0
    admitted: int = 0
    refused: int = 0
    queued: int = 0  # entries waiting for the ledger (the whole outbox)
    ledger_reachable: bool = False
    keyset_at: int | None = None  # when the key set and revocation list were last fetched
    keyset_signed_by: str | None = None
    revoked: int = 0
    trusted_signers: int = 0


class QrClaimsView(Answer):
    """What a QR payload says about its instrument, as its issuer signed it."""

    kind: Literal["gift", "voucher", "eticket"]
    instrument: str
    program: str
    issued_at: int
    valid_from: int | None = None
    valid_until: int | None = None
    value: int = 0
    discount_bp: int = 0
    discount_cap: int = 0
    min_spend: int = 0
    entries: int | None = None
    passback_s: int = 0


class Look(Answer):
    """A customer's QR or card, for a kiosk: what it is, what the ledger says, what it can do."""

    source: Literal["qr", "card"]
    code: str  # ok, or why the QR is refused (a QrReason, no_keyset)
    instrument: str | None = None
    claims: QrClaimsView | None = None
    card_kind: Literal["purse", "blank", "online"] | None = None
    card_value: int | None = None
    # The ledger's summary {instrument, terms, history} as it sent it, its refusal
    # {"error", "detail"}, or None when the ledger was not reached.
    ledger: dict[str, Any] | None = None
    checkin: bool = False  # an e-ticket whose event lists this terminal: self check-in here


class CustomerAnswer(Answer):
    """A customer look-up or sign-up, forwarded to the ledger. `code`: ok, or the ledger's
    refusal passed through (customer_unknown, phone_taken, phone_invalid, birthday_invalid ...).
    `customer`: the ledger's customer view as it sent it (phone masked); the ledger's API owns
    that shape."""

    code: str
    customer: dict[str, Any] | None = None
    detail: str = ""
    ok: bool = False


# --- errors -----------------------------------------------------------------------------------
class ErrorCode(StrEnum):
    """Why the agent answered no answer at all (a business refusal is an OperationResult)."""

    NO_CARD = "no_card"
    READER_BUSY = "reader_busy"
    CARD_ERROR = "card_error"
    READER_UNAVAILABLE = "reader_unavailable"
    UNKNOWN_CARD = "unknown_card"
    INVALID = "invalid"
    NOT_FOUND = "not_found"
    CARD_MEDIUM_BLOCKED = "card_medium_blocked"  # the old card is already reported or replaced
    CARD_MEDIUM_MISMATCH = "card_medium_mismatch"  # the new card already belongs to someone
    WRONG_PIN = "wrong_pin"  # an unknown staff id or a wrong PIN (not told apart)
    STAFF_LOCKED = "staff_locked"  # too many wrong PINs: wait
    LEDGER_UNAVAILABLE = "ledger_unavailable"  # this needs the ledger, which is not reachable
    CARD_KEY_MISSING = "card_key_missing"  # the keystore lacks a card key: `detail` names it


ERROR_STATUS: dict[ErrorCode, int] = {
    ErrorCode.NO_CARD: 408,  # no card was presented in time
    ErrorCode.READER_BUSY: 409,  # another request holds the reader
    ErrorCode.CARD_ERROR: 409,  # the card answered wrongly
    ErrorCode.READER_UNAVAILABLE: 503,  # pcscd down, no reader attached
    ErrorCode.UNKNOWN_CARD: 422,
    ErrorCode.INVALID: 422,  # a value the agent refuses (also FastAPI's own request check)
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.CARD_MEDIUM_BLOCKED: 409,
    ErrorCode.CARD_MEDIUM_MISMATCH: 409,
    ErrorCode.WRONG_PIN: 403,
    ErrorCode.STAFF_LOCKED: 429,
    ErrorCode.LEDGER_UNAVAILABLE: 503,
    ErrorCode.CARD_KEY_MISSING: 503,
}
# A request the agent's models refuse is answered by FastAPI itself: 422 with
# {"detail": [{"loc": [...], "msg": ..., "type": ...}, ...]}, not an ErrorAnswer.
REQUEST_REFUSED_STATUS = 422


class ErrorAnswer(Answer):
    error: ErrorCode
    detail: str = ""


# --- paths ------------------------------------------------------------------------------------
AnswerT = TypeVar("AnswerT", bound=Answer)


@dataclass(frozen=True)
class Route(Generic[AnswerT]):
    """One endpoint: a caller gets `answer` back (its type follows the route: Route[Health])."""

    method: Literal["GET", "POST"]
    path: str
    answer: type[AnswerT]
    request: type[BaseModel] | None = None
    errors: tuple[ErrorCode, ...] = ()  # the ErrorAnswers it may give besides 422
    omits_unset: bool = False  # the answer leaves out optional fields it has no value for

    def url(self, **params: str) -> str:
        """The path with its parameters filled in (`/v1/results/{tx_id}`)."""
        return self.path.format(**params)


# A tap-driven operation may meet any reader or card problem.
_TAP_ERRORS = (ErrorCode.NO_CARD, ErrorCode.READER_BUSY, ErrorCode.CARD_ERROR,
               ErrorCode.READER_UNAVAILABLE, ErrorCode.UNKNOWN_CARD, ErrorCode.INVALID,
               ErrorCode.CARD_KEY_MISSING)  # fmt: skip

HEALTH = Route("GET", "/v1/health", Health)
READERS = Route("GET", "/v1/readers", Readers)
QUEUE = Route("GET", "/v1/queue", QueueStatus)
SYNC = Route("POST", "/v1/sync", SyncAnswer, omits_unset=True)
_PIN_ERRORS = (ErrorCode.INVALID, ErrorCode.WRONG_PIN, ErrorCode.STAFF_LOCKED)
OPEN_SHIFT = Route("POST", "/v1/shift", Shift, ShiftRequest, _PIN_ERRORS)
SHIFT = Route("GET", "/v1/shift", CurrentShift)
TAP = Route("POST", "/v1/tap", CardAnswer, TapRequest, _TAP_ERRORS)
ISSUE = Route("POST", "/v1/issue", OperationResult, IssueRequest, _TAP_ERRORS)
TOP_UP = Route("POST", "/v1/top-up", OperationResult, TopUpRequest, _TAP_ERRORS)
REDEEM = Route("POST", "/v1/redeem", OperationResult, RedeemRequest, _TAP_ERRORS)
REFUND = Route("POST", "/v1/refund", OperationResult, RefundRequest, _TAP_ERRORS)
RESULT = Route("GET", "/v1/results/{tx_id}", OperationResult, None, (ErrorCode.NOT_FOUND,))
CARD = Route("GET", "/v1/cards/{uid}", CardRecord, None,
             (ErrorCode.NOT_FOUND, ErrorCode.INVALID, ErrorCode.LEDGER_UNAVAILABLE))  # fmt: skip
REPLACE = Route("POST", "/v1/cards/replace", ReplaceAnswer, ReplaceRequest,
                (*_TAP_ERRORS, ErrorCode.NOT_FOUND, ErrorCode.CARD_MEDIUM_BLOCKED,
                 ErrorCode.CARD_MEDIUM_MISMATCH, ErrorCode.LEDGER_UNAVAILABLE))  # fmt: skip
PURCHASE = Route("POST", "/v1/purchase", OperationResult, PurchaseRequest, _TAP_ERRORS)
ADJUST_POINTS = Route("POST", "/v1/points/adjust", OperationResult, AdjustPointsRequest,
                      _TAP_ERRORS)  # fmt: skip
# The counter's: programs, codes, receipts, staff and shift reports.
_LEDGER = (ErrorCode.LEDGER_UNAVAILABLE,)
PROGRAMS = Route("GET", "/v1/programs", CardPrograms, None, _LEDGER)
QUOTE_CODE = Route("POST", "/v1/codes/quote", CodeQuote, CodeQuoteRequest, _LEDGER)
REDEEM_CODE = Route("POST", "/v1/codes/redeem", OperationResult, CodeRedeemRequest, _LEDGER)
SELL_CODE = Route("POST", "/v1/codes/sell", OperationResult, CodeSellRequest, _LEDGER)
VOID = Route("POST", "/v1/void", OperationResult, VoidRequest, _LEDGER)
RECEIPTS = Route("GET", "/v1/receipts", ReceiptList)  # ?number=&instrument=&since=&until=
RECEIPT = Route("GET", "/v1/receipts/{tx_id}", Receipt, None, (ErrorCode.NOT_FOUND,))
STAFF = Route("GET", "/v1/staff", StaffList)
SHIFT_REPORT = Route("GET", "/v1/shift/report", ShiftReport)
CLOSE_SHIFT = Route("POST", "/v1/shift/close", ShiftReport, CloseShiftRequest,
                    (*_PIN_ERRORS, ErrorCode.NOT_FOUND))

# Gates and kiosks. GATE takes `?since=<epoch>`: the counters count from then.
ADMIT = Route("POST", "/v1/admit", Admission, QrRequest)
ADMIT_TAP = Route("POST", "/v1/admit/tap", Admission, TapRequest, _TAP_ERRORS)
GATE = Route("GET", "/v1/gate", GateStatus)
LOOK = Route("POST", "/v1/look", Look, QrRequest)
LOOK_TAP = Route("POST", "/v1/look/tap", Look, TapRequest, _TAP_ERRORS)

# Customers at the counter: online only (the ledger keeps the records); 503 ledger_unavailable
# when it cannot be reached.
_LEDGER_ONLY = (ErrorCode.LEDGER_UNAVAILABLE,)
CUSTOMER_LOOKUP = Route("POST", "/v1/customers/lookup", CustomerAnswer, CustomerLookupRequest,
                        _LEDGER_ONLY)  # fmt: skip
CUSTOMER_SIGN_UP = Route("POST", "/v1/customers", CustomerAnswer, CustomerSignUpRequest,
                         _LEDGER_ONLY)  # fmt: skip

ROUTES: tuple[Route[Any], ...] = (HEALTH, READERS, QUEUE, SYNC, OPEN_SHIFT, SHIFT, TAP, ISSUE,
                             TOP_UP, REDEEM, REFUND, RESULT, ADMIT, ADMIT_TAP, GATE, LOOK,
                             LOOK_TAP, PROGRAMS, QUOTE_CODE, REDEEM_CODE, SELL_CODE, VOID,
                             RECEIPTS, RECEIPT, STAFF, SHIFT_REPORT, CLOSE_SHIFT, PURCHASE,
                             ADJUST_POINTS, CARD, REPLACE, CUSTOMER_LOOKUP,
                             CUSTOMER_SIGN_UP)  # fmt: skip
OPERATIONS: dict[Op, Route[OperationResult]] = {"issue": ISSUE, "top_up": TOP_UP, "redeem": REDEEM,
                               "refund": REFUND}  # fmt: skip
