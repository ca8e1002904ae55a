"""What a tap did, as the local API reports it to the front-ends. Outcomes are data."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any


class Mode(StrEnum):
    ONLINE = "online"  # the ledger answered during the tap
    OFFLINE = "offline"  # decided by the agent within the offline limits; synced later
    QUEUED = "queued"  # the card changed, the ledger did not answer in time: sent later
    LOCAL = "local"  # nothing reached the ledger (a refusal, a read)


class AgentCode(StrEnum):
    """Outcomes the agent decides itself (the ledger's codes pass through unchanged)."""

    OK = "ok"
    CARD_REMOVED = "card_removed"  # torn mid-operation: tap again, the agent recovers it
    CARD_ERROR = "card_error"  # the card answered wrongly (wrong keys, not our purse ...)
    UNKNOWN_CARD = "unknown_card"
    NOT_PERSONALISED = "not_personalised"  # a blank DESFire card: issue it first
    ALREADY_PERSONALISED = "already_personalised"
    INSUFFICIENT_FUNDS = "insufficient_funds"  # the card's own value
    LIMIT_EXCEEDED = "limit_exceeded"  # the card's upper limit
    LEDGER_UNAVAILABLE = "ledger_unavailable"  # an online-only operation while offline
    QUEUE_FULL = "queue_full"
    UNRESOLVED = "unresolved"  # a torn operation the card state does not explain


OK_CODES = frozenset({"ok", "exists"})


@dataclass(frozen=True)
class TapResult:
    code: str
    op: str
    mode: Mode = Mode.LOCAL
    instrument: str | None = None
    uid: str | None = None
    amount: int = 0
    tx_id: str | None = None
    card_value: int | None = None
    card_counter: int | None = None
    ledger_balance: int | None = None
    compensated: bool = False  # the ledger refused after the card changed: the card was reset
    detail: str = ""
    unit: str | None = None  # the instrument's unit when known (VND; PTS: member points)
    loyalty: dict[str, Any] | None = None  # loyalty operations: the ledger's points answer

    @property
    def ok(self) -> bool:
        return self.code in OK_CODES

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["ok"] = self.ok
        return data
