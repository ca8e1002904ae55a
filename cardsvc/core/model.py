"""The ledger's data: instruments, transactions, postings and the records kept per transaction.

Plain slotted dataclasses, no behaviour beyond derived values: the rules live in `ops.py`.
Times are int epoch seconds, passed in by the caller; the core never reads a clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import NamedTuple

from cardsvc.core.amounts import Unit
from cardsvc.core.codes import ResultCode
from cardsvc.core.loyalty_model import Earning


class InstrumentKind(StrEnum):
    PREPAID = "prepaid"  # reloadable purse
    GIFT = "gift"  # sold once, partial spend, optionally reloadable
    VOUCHER = "voucher"  # fixed value or discount, limited uses, validity window
    ETICKET = "eticket"  # a right to enter: entries allowed, anti-passback
    MEMBER = "member"  # loyalty points


class Status(StrEnum):
    ACTIVE = "active"
    BLOCKED = "blocked"
    EXPIRED = "expired"  # remaining value moved to breakage


class Op(StrEnum):
    ISSUE = "issue"
    TOP_UP = "top_up"
    REDEEM = "redeem"
    REFUND = "refund"
    VOID = "void"
    TRANSFER = "transfer"
    HOLD = "hold"
    CAPTURE = "capture"
    RELEASE = "release"
    BLOCK = "block"
    UNBLOCK = "unblock"
    EXPIRE = "expire"
    # A value change already made at the ledger, now written to the instrument's purse card:
    # recorded with the card's evidence, it moves no value (cardsvc.services.card_updates).
    CARD_UPDATE = "card_update"
    # Finance writes off the difference between a purse card and the ledger: the balance moves
    # to what the card holds (`purchase_amount`), by `amount`, against the write-off account.
    WRITE_OFF = "write_off"
    # loyalty (member instruments of a program with loyalty rules)
    PURCHASE = "purchase"  # a sale for a member: earns points, may spend points as a tender
    AWARD = "award"  # bonus or staff adjustment up: a new lot
    DEDUCT = "deduct"  # staff adjustment down: soonest-expiring first
    EXPIRE_POINTS = "expire_points"  # lots past their expiry to breakage
    TIER_REVIEW = "tier_review"  # at the review date: the tier the member qualifies for
    # A catalog reward bought with points: the member's points (soonest-expiring first) and
    # a new voucher of the reward's campaign, in one transaction. ref: the catalog item;
    # counterparty: the voucher instrument to issue; spec: its campaign's terms.
    REWARD = "reward"


class Funding(StrEnum):
    """Who pays for value loaded onto an instrument."""

    CASH = "cash"  # the customer paid the store
    PROMOTION = "promotion"  # the program gives it away (promotion expense)


@dataclass(frozen=True, slots=True)
class InstrumentSpec:
    """What an issue transaction creates. Copied into the instrument at issue."""

    kind: InstrumentKind
    unit: Unit
    program: str
    valid_from: int | None = None
    valid_until: int | None = None
    reloadable: bool = False
    partial: bool = True  # may be spent in parts; otherwise a redemption uses it up
    max_balance: int = 10_000_000
    uses: int | None = None  # redemptions/entries allowed; None = unlimited
    discount_bp: int = 0  # discount vouchers: basis points of the purchase (no stored value)
    discount_cap: int = 0  # discount vouchers: most a single redemption may take off
    min_spend: int = 0  # vouchers: the purchase amount below which they do not apply
    passback_s: int = 0  # e-tickets: no re-entry within this many seconds
    accepted_stores: frozenset[str] = frozenset()  # empty: accepted everywhere
    # Terminals that may use it (an event's entrance gates); empty: any terminal of an
    # accepted store. Judged on the terminal that signed the transaction, online or synced.
    accepted_terminals: frozenset[str] = frozenset()


@dataclass(slots=True)
class Hold:
    id: str  # the id of the hold transaction
    amount: int
    expires_at: int


@dataclass(slots=True)
class Instrument:
    id: str
    spec: InstrumentSpec
    balance: int
    status: Status = Status.ACTIVE
    uses_left: int | None = None
    last_used_at: int | None = None
    issued_at: int = 0
    holds: dict[str, Hold] = field(default_factory=dict)

    @property
    def unit(self) -> Unit:
        return self.spec.unit

    def held(self, now: int) -> int:
        """Value reserved by holds that have not expired at `now`."""
        return sum(h.amount for h in self.holds.values() if h.expires_at > now)

    def available(self, now: int) -> int:
        if not self.holds:
            return self.balance
        return self.balance - self.held(now)


@dataclass(frozen=True, slots=True)
class Transaction:
    """One operation, named by an id the terminal chose before it first sent it."""

    id: str
    op: Op
    instrument: str
    amount: int = 0
    store: str = ""
    terminal: str = ""
    ref: str | None = None  # refund/void: the earlier transaction; capture/release: the hold
    counterparty: str | None = None  # transfer: the destination instrument
    purchase_amount: int = 0  # vouchers: the basket; write_off: the balance to end with
    expires_at: int = 0  # hold: when the reservation lapses
    funding: Funding = Funding.CASH
    spec: InstrumentSpec | None = None  # issue only
    linked: bool = False  # chained with the next transaction: all or nothing
    occurred_at: int | None = None  # offline taps: when the terminal says it happened
    # purchase: the basket lines that earn nothing (gift cards, top-ups), in đồng, and how the
    # bill was paid: ((tender, đồng), ...) sorted by tender. `amount` is the points spent as a
    # tender, `purchase_amount` the receipt total. award / deduct: why (a reason code).
    excluded: int = 0
    tenders: tuple[tuple[str, int], ...] = ()
    reason: str | None = None


class Posting(NamedTuple):
    """A movement on one account; liabilities positive. A transaction's postings sum to zero."""

    tx_id: str
    account: str
    unit: Unit
    amount: int


@dataclass(slots=True)
class TxRecord:
    """What the ledger remembers of every transaction it has seen (exactly-once, refund, void)."""

    tx: Transaction
    code: ResultCode
    balance_after: int | None
    at: int
    postings: tuple[Posting, ...] = ()
    refunded: int = 0  # redemptions and captures: how much has been refunded against it
    voided: bool = False
    loyalty: Earning | None = None  # loyalty transactions: what it did to the member


class Result(NamedTuple):
    code: ResultCode
    balance_after: int | None = None  # the instrument's balance after this transaction
