"""What every emulated card offers its transport, and the tear (card pulled away) machinery."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from reader_agent.drivers.card import CardLike, CardTorn

# An emulated card is a drivers.card.CardLike; the tear exception is the drivers' own.
EmulatedCard = CardLike


@dataclass(frozen=True)
class TearPoint:
    """Tear at the `occurrence`-th command with instruction byte `ins` (counting from 1).

    after=False: the card leaves before executing it (the command is lost);
    after=True: the card executes it and leaves before answering (the answer is lost).
    """

    ins: int
    occurrence: int = 1
    after: bool = False


class TearPlan:
    """Armed tear points, consulted for every command. Thread-safe: a test arms it while a
    transport thread runs the card."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._points: list[TearPoint] = []
        self._seen: dict[int, int] = {}
        self.fired: list[TearPoint] = []

    def arm(self, point: TearPoint) -> None:
        with self._lock:
            self._points.append(point)
            self._seen.pop(point.ins, None)

    def clear(self) -> None:
        with self._lock:
            self._points.clear()
            self._seen.clear()

    def check(self, ins: int) -> TearPoint | None:
        """Count this command; return the tear point it triggers, if any (disarming it)."""
        with self._lock:
            if not self._points:
                return None
            self._seen[ins] = self._seen.get(ins, 0) + 1
            for point in self._points:
                if point.ins == ins and point.occurrence == self._seen[ins]:
                    self._points.remove(point)
                    self.fired.append(point)
                    return point
            return None


def uid_response(apdu: bytes, uid: bytes) -> bytes | None:
    """Answer the PC/SC pseudo-APDU GET DATA (FF CA 00 00 Le) with the UID, as a reader does."""
    if apdu[:4] == b"\xff\xca\x00\x00":
        return uid + b"\x90\x00"
    if apdu[:2] == b"\xff\xca":
        return b"\x6a\x81"  # function not supported (historical bytes etc.)
    return None


__all__ = ["CardTorn", "EmulatedCard", "TearPlan", "TearPoint", "uid_response"]
