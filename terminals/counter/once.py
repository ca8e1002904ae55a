"""A sale id (request_id) runs at most once at a time on this counter, and a finished sale is
answered from memory: a double click, a refreshed result page or a resent form shows the first
result and never reaches the card a second time.

The agent also keeps request ids durably (a retried sale whose tap happened gets that tap's
result), so this is the first line, not the only one: it covers two submissions racing each
other, and cards whose value lives only in the ledger. Only successes are remembered; anything
else (no card, card removed, a refusal, agent unreachable) may be retried under the same id,
which the agent resolves against what really happened on the card.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field

from reader_agent.contract import OperationResult


class SaleIdReused(Exception):
    """The same sale id came with different content (another amount, card program, ref)."""


@dataclass
class _Slot:
    content: Hashable
    lock: threading.Lock = field(default_factory=threading.Lock)
    answer: OperationResult | None = None


@dataclass(frozen=True)
class Once:
    answer: OperationResult
    repeated: bool  # answered from memory: this submission did nothing


class SaleMemory:
    def __init__(self, max_remembered: int) -> None:
        self.max_remembered = max_remembered
        self._slots: OrderedDict[str, _Slot] = OrderedDict()
        self._lock = threading.Lock()

    def _slot(self, sale_id: str, content: Hashable) -> _Slot:
        with self._lock:
            slot = self._slots.get(sale_id)
            if slot is None:
                slot = self._slots[sale_id] = _Slot(content)
                self._forget_oldest()
            elif slot.content != content:
                raise SaleIdReused(sale_id)
            self._slots.move_to_end(sale_id)
            return slot

    def _forget_oldest(self) -> None:
        """Bounded: drop the least recently used ids that are not running (a running one is
        locked; it stays, so the bound may be passed by the sales running at that moment)."""
        for sale_id in list(self._slots)[: max(0, len(self._slots) - self.max_remembered)]:
            if not self._slots[sale_id].lock.locked():
                del self._slots[sale_id]

    def run(self, sale_id: str, content: Hashable, action: Callable[[], OperationResult]) -> Once:
        """Run `action` for this sale id unless it already succeeded; a second submission of
        a running sale waits for it (the agent call is bounded by its timeout)."""
        slot = self._slot(sale_id, content)
        with slot.lock:
            if slot.answer is not None:
                return Once(slot.answer, repeated=True)
            answer = action()
            if answer.ok:
                slot.answer = answer
            return Once(answer, repeated=False)

    def __len__(self) -> int:
        return len(self._slots)
