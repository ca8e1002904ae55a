"""Tear safety of purse operations: deciding, on the next tap, whether an interrupted one counted.

Before the first value command is sent the agent journals a PendingOperation (card UID, kind,
amount, the card's counter and value before). If the card leaves the field before the agent
saw CommitTransaction's answer, the next reading of (value, counter) settles it: the card's
transaction counter moves by exactly one, atomically with the value, only when a commit happened.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any


class PurseOperationKind(StrEnum):
    DEBIT = "debit"
    CREDIT = "credit"
    LIMITED_CREDIT = "limited_credit"

    def signed(self, amount: int) -> int:
        return -amount if self is PurseOperationKind.DEBIT else amount


class RecoveryDecision(StrEnum):
    COMMITTED = "committed"  # the card holds the operation: record it, never repeat it
    NOT_COMMITTED = "not_committed"  # the card is as before: nothing happened, safe to retry
    # The card moved on in a way this record does not explain (another terminal used it, or the
    # card was altered): neither retry nor claim it; the ledger settles it from the counter chain.
    INCONCLUSIVE = "inconclusive"


@dataclass(frozen=True)
class PendingOperation:
    uid: bytes
    kind: PurseOperationKind
    amount: int
    counter_before: int
    value_before: int

    @property
    def value_after(self) -> int:
        return self.value_before + self.kind.signed(self.amount)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["uid"] = self.uid.hex()
        data["kind"] = str(self.kind)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PendingOperation:
        return cls(
            uid=bytes.fromhex(data["uid"]),
            kind=PurseOperationKind(data["kind"]),
            amount=int(data["amount"]),
            counter_before=int(data["counter_before"]),
            value_before=int(data["value_before"]),
        )


def recover(pending: PendingOperation, value_now: int, counter_now: int) -> RecoveryDecision:
    """Decide from the card's current value and counter whether `pending` was committed."""
    if counter_now == pending.counter_before and value_now == pending.value_before:
        return RecoveryDecision.NOT_COMMITTED
    if counter_now == pending.counter_before + 1 and value_now == pending.value_after:
        return RecoveryDecision.COMMITTED
    return RecoveryDecision.INCONCLUSIVE
