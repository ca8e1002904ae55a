"""What the ledger is asked to do, as the ingest sees it: an `Instruction`.

Terminals send `protocol.messages.TransactionMsg` (validated at the edge, terminal operations
only; on the hot path its msgspec mirror, `protocol.wire.WireTransaction`); the service makes
`ServiceInstruction`s for people (block, unblock, expire) and for bulk issues (printed vouchers
and tickets). All have the same fields, so the hot path takes wire messages as they are, with
no copy per transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from cardsvc.protocol.messages import CardEvidence

StaffOp = Literal["block", "unblock", "expire", "expire_points", "tier_review"]
FundingSource = Literal["cash", "promotion"]


class CardFields(Protocol):
    """What a purse card reported (protocol.messages.CardEvidence or its wire mirror)."""

    @property
    def uid(self) -> str: ...
    @property
    def counter(self) -> int: ...
    @property
    def before(self) -> int: ...
    @property
    def after(self) -> int: ...


class Instruction(Protocol):
    """The fields of a transaction the ingest reads (read-only)."""

    @property
    def id(self) -> str: ...
    @property
    def seq(self) -> int: ...  # the terminal's sequence number; 0: made by the service
    @property
    def op(self) -> str: ...
    @property
    def instrument(self) -> str: ...
    @property
    def amount(self) -> int: ...
    @property
    def ref(self) -> str | None: ...
    @property
    def counterparty(self) -> str | None: ...
    @property
    def purchase_amount(self) -> int: ...
    @property
    def expires_at(self) -> int: ...
    @property
    def funding(self) -> str: ...
    @property
    def program(self) -> str | None: ...
    @property
    def linked(self) -> bool: ...
    @property
    def occurred_at(self) -> int | None: ...
    @property
    def card(self) -> CardFields | None: ...
    @property
    def excluded(self) -> int: ...
    @property
    def tenders(self) -> Mapping[Any, int] | None: ...  # keys: the tender names
    @property
    def reason(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class ServiceInstruction:
    """A transaction the service makes itself: no terminal sequence (seq 0), an id of its own."""

    id: str
    op: str
    instrument: str
    amount: int = 0
    funding: FundingSource = "cash"
    program: str | None = None
    seq: int = 0
    ref: str | None = None
    counterparty: str | None = None
    purchase_amount: int = 0
    expires_at: int = 0
    linked: bool = False
    occurred_at: int | None = None
    card: CardEvidence | None = None
    excluded: int = 0
    tenders: Mapping[str, int] | None = None
    reason: str | None = None


def staff_instruction(op: StaffOp, instrument: str) -> ServiceInstruction:
    """A person's action on an instrument (block, unblock, expire), with a fresh id."""
    return ServiceInstruction(id="svc-" + uuid.uuid4().hex, op=op, instrument=instrument)
