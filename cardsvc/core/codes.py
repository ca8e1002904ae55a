"""Result codes: every business outcome of a transaction is one of these, never an exception."""

from __future__ import annotations

from enum import StrEnum


class ResultCode(StrEnum):
    OK = "ok"
    # exactly-once
    EXISTS = "exists"  # the same id with the same content was applied before
    EXISTS_WITH_DIFFERENT_FIELDS = "exists_with_different_fields"
    # linked chains
    LINKED_EVENT_FAILED = "linked_event_failed"
    LINKED_CHAIN_OPEN = "linked_chain_open"  # the batch ended inside a chain
    # malformed transaction content
    INVALID_AMOUNT = "invalid_amount"
    INVALID_OPERATION = "invalid_operation"  # the operation does not apply to this instrument
    INVALID_SPEC = "invalid_spec"
    # instruments
    NOT_FOUND = "not_found"
    INSTRUMENT_EXISTS = "instrument_exists"
    INSTRUMENT_BLOCKED = "instrument_blocked"
    NOT_YET_VALID = "not_yet_valid"
    EXPIRED = "expired"
    NOT_YET_EXPIRED = "not_yet_expired"
    NOT_ACCEPTED_HERE = "not_accepted_here"
    NOT_RELOADABLE = "not_reloadable"
    UNIT_MISMATCH = "unit_mismatch"
    # value
    INSUFFICIENT_FUNDS = "insufficient_funds"
    LIMIT_EXCEEDED = "limit_exceeded"
    ALREADY_REDEEMED = "already_redeemed"  # a voucher or ticket with no uses left
    MIN_SPEND_NOT_MET = "min_spend_not_met"
    PASSBACK = "passback"  # an e-ticket re-entry inside its anti-passback interval
    # references to earlier transactions (refund, void, capture, release)
    REFERENCE_NOT_FOUND = "reference_not_found"
    REFERENCE_MISMATCH = "reference_mismatch"  # refers to another instrument or the wrong kind
    REFUND_EXCEEDS_REDEMPTION = "refund_exceeds_redemption"
    ALREADY_VOIDED = "already_voided"
    ALREADY_REFUNDED = "already_refunded"
    VOID_NOT_ALLOWED = "void_not_allowed"  # outside the void window, another store, wrong kind
    HOLD_EXPIRED = "hold_expired"
    HOLD_CLOSED = "hold_closed"  # already captured or released
    TOO_MANY_HOLDS = "too_many_holds"
    # loyalty
    NO_LOYALTY_RULES = "no_loyalty_rules"  # the member's program has no rules in force then
    NOT_DUE = "not_due"  # an expiry or tier review with nothing due yet
    # Points are given (a purchase's earning, a bonus, a staff adjustment), never sold: a cash
    # top-up or a cash-funded issue with value on a points instrument is refused.
    POINTS_NOT_FOR_SALE = "points_not_for_sale"
    # rewards bought with points
    TIER_TOO_LOW = "tier_too_low"  # a reward or tier-only voucher for a higher tier
    REWARD_LIMIT_REACHED = "reward_limit_reached"  # the member bought the most allowed
    OUT_OF_STOCK = "out_of_stock"  # every one of the reward's stock is gone


OK = ResultCode.OK
