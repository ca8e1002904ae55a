"""Wire messages between terminals and the ledger (JSON), version 1.

A terminal sends a signed batch of transactions (one for an online tap, up to BATCH_MAX when it
syncs its offline queue) and gets one result per transaction, in order. The store and terminal
of a transaction are not on the wire: the ledger takes them from the enrolled terminal whose key
signed the request, so a terminal can never act for another store.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from cardsvc.core.amounts import BATCH_MAX
from cardsvc.core.bounds import AMOUNT, CARD_COUNTER, CARD_VALUE, EPOCH, SEQ
from cardsvc.protocol.bounds import within

PROTOCOL_VERSION: Literal[1] = 1

Id = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:\-]+$")]
Amount = Annotated[int, within(AMOUNT)]
EpochSeconds = Annotated[int, within(EPOCH)]

TerminalOp = Literal[
    "issue",
    "top_up",
    "redeem",
    "refund",
    "void",
    "transfer",
    "hold",
    "capture",
    "release",
    "purchase",
    "award",
    "deduct",
    "card_update",  # a value change queued at the ledger, written to the purse: ref = update id
    # a catalog reward bought with points: instrument = the member card, ref = the catalog item,
    # amount = its points price, counterparty = the voucher to issue, program = its campaign
    "reward",
]
Tender = Literal["cash", "bank_card", "stored_value", "voucher"]


class CardEvidence(BaseModel):
    """What an offline-capable purse card (DESFire value file) reported during the operation.

    The card is not trusted: the ledger mirrors each card's counter and value and raises an
    alert on a counter that goes back (a restored or cloned card: the transaction is refused
    and the instrument blocked), a gap, or a value that differs from its mirror.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    uid: str = Field(pattern=r"^[0-9A-F]{8,20}$", description="card UID, upper-case hex")
    counter: Annotated[int, within(CARD_COUNTER)] = Field(description="card counter after")
    before: Annotated[int, within(CARD_VALUE)] = Field(description="value file before")
    after: Annotated[int, within(CARD_VALUE)] = Field(description="value file after")


class TransactionMsg(BaseModel):
    """One transaction as a terminal sends it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Id = Field(description="Chosen by the terminal before the first send; resends reuse it.")
    seq: Annotated[int, within(SEQ)] = Field(description="The terminal's sequence number.")
    op: TerminalOp
    instrument: Id
    amount: Amount = 0
    ref: Id | None = Field(
        None, description="refund/void: the earlier transaction; capture/release: the hold"
    )
    counterparty: Id | None = Field(
        None, description="transfer: destination instrument; reward: the voucher to issue"
    )
    purchase_amount: Amount = Field(0, description="vouchers: the basket the voucher applies to")
    expires_at: EpochSeconds = Field(0, description="hold: when the reservation lapses")
    funding: Literal["cash", "promotion"] = "cash"
    program: Id | None = Field(
        None, description="issue: the program to issue under; reward: the campaign"
    )
    linked: bool = Field(
        False, strict=True, description="chained with the next transaction: all or nothing"
    )  # strict: lax parsing would read "yes", "on" or 1 as true and chain a batch by accident
    occurred_at: EpochSeconds | None = Field(None, description="terminal time of an offline tap")
    card: CardEvidence | None = Field(None, description="purse cards: what the card reported")
    excluded: Amount = Field(
        0, description="purchase: basket lines that earn no points (gift cards, top-ups), đồng"
    )
    tenders: dict[Tender, Amount] | None = Field(
        None, max_length=4, description="purchase: how the bill was paid, đồng per tender"
    )
    reason: Id | None = Field(None, description="award / deduct: why (a reason code)")


class BatchRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "version": 1,
                    "transactions": [
                        {
                            "id": "T1-000042",
                            "seq": 42,
                            "op": "redeem",
                            "instrument": "C1",
                            "amount": 50000,
                        },
                    ],
                }
            ]
        },
    )

    version: Literal[1] = PROTOCOL_VERSION
    transactions: list[TransactionMsg] = Field(min_length=1, max_length=BATCH_MAX)


class LoyaltyMsg(BaseModel):
    """What a loyalty transaction did to the member: the receipt shows it."""

    earned: int = Field(0, description="points the purchase earned")
    debt_paid: int = Field(0, description="of which paid a debt from an earlier clawback")
    rules: list[str] = Field(default_factory=list, description="the rules that produced them")
    spent: int = Field(0, description="points spent as a tender")
    available_at: int | None = Field(None, description="pending points: spendable from then")
    expires_at: int | None = Field(None, description="when the earned points expire")
    clawed: int = Field(0, description="refund, void, deduct, expiry: points taken back")
    returned: int = Field(0, description="refund, void: spent points given back")
    debt_added: int = Field(0, description="refund, void: points owed (they were spent)")
    cash_deducted: int = Field(
        0, description="refund, void (deduct_cash): đồng kept from the cash refund for spent points"
    )
    tier: str = Field("", description="the member's tier after")


class ResultMsg(BaseModel):
    id: str
    seq: int
    code: str = Field(description="ok, exists, insufficient_funds, ... (cardsvc.core.codes)")
    balance_after: int | None = None
    loyalty: LoyaltyMsg | None = Field(None, description="loyalty transactions: points")


class BatchResponse(BaseModel):
    version: Literal[1] = PROTOCOL_VERSION
    request_id: int | None = Field(None, description="the stored signed request (evidence)")
    results: list[ResultMsg]


class ErrorMsg(BaseModel):
    """Every error response: a stable machine code and a human sentence."""

    error: str
    detail: str
