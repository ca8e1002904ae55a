"""What a counter asks the ledger besides signed batches (protocol v1, signed like every terminal
request): the card programs it may sell, the quote for a code shown at the till, and one of its
store's transactions (a refund is checked against it before a card is touched).

Shared by the ledger's endpoints (cardsvc.api.routes_counter) and the reader agent, which asks on
the counter's behalf (the counter itself only knows the agent's local API).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from cardsvc.core.amounts import AMOUNT_MAX
from cardsvc.protocol.client import LedgerClient
from cardsvc.protocol.qr import MAX_PAYLOAD_CHARS

Money = Annotated[int, Field(ge=0, le=AMOUNT_MAX, strict=True)]
CodeText = Annotated[str, Field(min_length=1, max_length=MAX_PAYLOAD_CHARS)]

PROGRAMS_PATH = "/v1/terminal/programs"
QUOTE_PATH = "/v1/terminal/codes/quote"
TRANSACTION_PATH = "/v1/terminal/transactions/{tx_id}"

# The outcomes of a quote besides the core's result codes (expired, already_redeemed,
# min_spend_not_met, not_accepted_here, instrument_blocked, insufficient_funds ...).
UNKNOWN_CODE = "unknown_code"  # no instrument has this code (typed or scanned)
CODE_TYPO = "code_typo"  # the typed code's check character fails: a misread character
NOT_A_CODE_INSTRUMENT = "not_a_code_instrument"  # a card's purse, not a voucher, gift or ticket
PURCHASE_MISSING = "purchase_missing"  # no sale amount yet: what the code takes off depends on it
NOTHING_TO_DISCOUNT = "nothing_to_discount"  # the code takes nothing off this sale
GIFT_NOT_SOLD = "gift_not_sold"  # a printed gift card not sold yet: `balance` is its face value
# A scanned payload refused before the ledger looked for its instrument: the QR reason
# (malformed, bad_signature, unknown_key ...) prefixed, e.g. "qr_bad_signature".
QR_REASON_PREFIX = "qr_"


class _Message(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ProgramInfo(_Message):
    """A program a counter may sell a card under."""

    id: str
    name: str
    kind: str  # prepaid, gift, member (InstrumentKind)
    unit: str  # VND or PTS
    reloadable: bool = False
    max_balance: int = 0


class Programs(_Message):
    programs: list[ProgramInfo]


class QuoteRequest(_Message):
    code: CodeText = Field(description="a typed code (any case, spaces, dashes) or a QR payload")
    purchase_amount: Money = Field(0, description="the sale the code is shown against")
    amount: Money | None = Field(
        None, description="gift cards: the part of the balance to spend; None: all it can"
    )


class Quote(_Message):
    """What the code would do to this sale, decided by the ledger's own rules (a dry run of the
    redemption in the core), or why it cannot be used: `code` ok or the reason."""

    code: str
    instrument: str | None = None
    kind: str | None = None  # voucher, gift, eticket
    program: str | None = None
    name: str | None = None  # the program's name, for the screen
    purchase_amount: int = 0
    amount: int = 0  # what the code takes off the sale (the discount, the gift spend)
    to_pay: int = 0  # what the customer still pays
    balance: int | None = None  # gift cards and fixed vouchers: value left before this sale
    uses_left: int | None = None
    valid_until: int | None = None
    min_spend: int = 0
    discount_bp: int = 0
    discount_cap: int = 0


class TransactionView(_Message):
    """One of the store's transactions as the ledger recorded it."""

    id: str
    op: str
    instrument: str
    amount: int
    code: str
    at: int
    store: str
    terminal: str | None = None
    refunded: int = 0  # đồng refunded against it so far
    voided: bool = False


class CounterLedger:
    """The ledger's counter endpoints for a terminal: LedgerRefused and httpx errors as the
    client raises them (a 404 of `transaction` is LedgerRefused with status 404)."""

    def __init__(self, client: LedgerClient) -> None:
        self.client = client

    def programs(self) -> Programs:
        return Programs.model_validate_json(self.client.request("GET", PROGRAMS_PATH).content)

    def quote(self, req: QuoteRequest) -> Quote:
        body = req.model_dump_json().encode()
        return Quote.model_validate_json(self.client.request("POST", QUOTE_PATH, body).content)

    def transaction(self, tx_id: str) -> TransactionView:
        answer = self.client.request("GET", TRANSACTION_PATH.format(tx_id=tx_id))
        return TransactionView.model_validate_json(answer.content)
