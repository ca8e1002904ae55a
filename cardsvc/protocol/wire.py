"""The hot path's codec for signed batches: msgspec mirrors of the wire messages.

`protocol.messages` (pydantic) is the definition: the OpenAPI document, the clients and the
reader agent use it. Parsing 1000 transactions with it costs ~4 ms and answering them ~3 ms per
batch (benchmarks/RESULTS.md); msgspec decodes the same JSON into typed structs several times
faster. The mirror has the same fields, defaults and bounds; a body msgspec refuses is parsed
again by the pydantic model, so every refusal carries exactly the API's usual error (code
`malformed_request`, the same sentence). tests/protocol/test_wire.py fails when the two
disagree: on their fields (JSON schemas compared) and on random and malformed bodies.

Python's `$` also matches before a final newline; pydantic's regex engine does not, so the
mirror's patterns end in `\\Z`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Literal

import msgspec

from cardsvc.core.amounts import BATCH_MAX
from cardsvc.core.bounds import AMOUNT, CARD_COUNTER, CARD_VALUE, EPOCH, SEQ
from cardsvc.protocol.messages import BatchRequest, ResultMsg, TransactionMsg

Id = Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:\-]+\Z")]
# The same bounds as the model's (cardsvc.core.bounds), so both refuse the same bodies.
Amount = Annotated[int, msgspec.Meta(ge=AMOUNT.lo, le=AMOUNT.hi)]
EpochSeconds = Annotated[int, msgspec.Meta(ge=EPOCH.lo, le=EPOCH.hi)]
Seq = Annotated[int, msgspec.Meta(ge=SEQ.lo, le=SEQ.hi)]
Int32 = Annotated[int, msgspec.Meta(ge=CARD_VALUE.lo, le=CARD_VALUE.hi)]

TerminalOp = Literal[
    "issue", "top_up", "redeem", "refund", "void", "transfer", "hold", "capture", "release",
    "purchase", "award", "deduct", "card_update", "reward",
]  # fmt: skip
Tender = Literal["cash", "bank_card", "stored_value", "voucher"]


class WireCard(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """messages.CardEvidence."""

    uid: Annotated[str, msgspec.Meta(pattern=r"^[0-9A-F]{8,20}\Z")]
    counter: Annotated[int, msgspec.Meta(ge=CARD_COUNTER.lo, le=CARD_COUNTER.hi)]
    before: Int32
    after: Int32


class WireTransaction(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """messages.TransactionMsg (msgspec is strict as the model's strict fields: no "1" for 1,
    no 1 for true)."""

    id: Id
    seq: Seq
    op: TerminalOp
    instrument: Id
    amount: Amount = 0
    ref: Id | None = None
    counterparty: Id | None = None
    purchase_amount: Amount = 0
    expires_at: EpochSeconds = 0
    funding: Literal["cash", "promotion"] = "cash"
    program: Id | None = None
    linked: bool = False
    occurred_at: EpochSeconds | None = None
    card: WireCard | None = None
    excluded: Amount = 0
    tenders: Annotated[dict[Tender, Amount], msgspec.Meta(max_length=4)] | None = None
    reason: Id | None = None


class WireBatch(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """messages.BatchRequest."""

    version: Literal[1] = 1
    transactions: Annotated[
        list[WireTransaction], msgspec.Meta(min_length=1, max_length=BATCH_MAX)
    ]


class WireLoyalty(msgspec.Struct, kw_only=True):
    """messages.LoyaltyMsg: what a loyalty transaction did to the member."""

    earned: int = 0
    debt_paid: int = 0
    rules: list[str] = msgspec.field(default_factory=list)
    spent: int = 0
    available_at: int | None = None
    expires_at: int | None = None
    clawed: int = 0
    returned: int = 0
    debt_added: int = 0
    cash_deducted: int = 0
    tier: str = ""


class WireResult(msgspec.Struct, frozen=True):
    """messages.ResultMsg: one answer per transaction."""

    id: str
    seq: int
    code: str
    balance_after: int | None = None
    loyalty: WireLoyalty | None = None


class WireResponse(msgspec.Struct, kw_only=True):
    """messages.BatchResponse (the same keys in the same order)."""

    version: Literal[1] = 1
    request_id: int | None = None
    results: list[WireResult]


_DECODER = msgspec.json.Decoder(WireBatch)
_ENCODER = msgspec.json.Encoder()


def decode_batch(body: bytes) -> Sequence[WireTransaction | TransactionMsg]:
    """The transactions of a batch body; a body the mirror refuses is judged by the model,
    which raises pydantic's ValidationError (the API answers it as malformed_request)."""
    try:
        return _DECODER.decode(body).transactions
    except (msgspec.ValidationError, msgspec.DecodeError):
        pass
    # The mirror is stricter in a few corners the model accepts (e.g. version 1.0): the
    # model's verdict stands, and its messages carry the same fields.
    return BatchRequest.model_validate_json(body).transactions


def encode_response(request_id: int | None, results: list[WireResult]) -> bytes:
    return _ENCODER.encode(WireResponse(results=results, request_id=request_id))


def result_msg(result: WireResult) -> ResultMsg:
    """One answer as the pydantic model, for the endpoints that answer a single result."""
    return ResultMsg.model_validate(msgspec.to_builtins(result))
