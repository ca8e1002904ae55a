"""The ledger's mirror of offline-capable purse cards, judged as a pure function (cards are not
trusted). No I/O: the caller loads the mirror and the journalled counters up front, once per
group, and persists what `judge` returns.

Every purse operation carries what the card reported (UID, counter after, value before/after).
A card's counter takes every value once, so:
- a counter the ledger has already journalled for that card (or seen earlier in this group):
  the card was restored or cloned -> the report is refused (`replay`), an alert is raised and
  the instrument is to be blocked (hotlist);
- a counter below the highest seen but never seen: a late offline sync from another terminal
  filling a gap -> accepted;
- a counter more than one above the highest seen: operations the ledger has not seen yet ->
  `gap` alert (they may still arrive);
- the next counter with a value before that differs from the mirror's value after: the card
  and the ledger disagree -> `divergence` alert.
The mirror follows the card, not the ledger's verdict: the card's counter moved either way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class CardReport:
    """What a card reported during one operation, and the transaction it came with."""

    tx_id: str
    instrument: str
    uid: str
    counter: int  # the card's transaction counter after the operation
    before: int  # the value file before ...
    after: int  # ... and after


@dataclass(frozen=True, slots=True)
class MirrorEntry:
    """The ledger's copy of a card: its instrument, highest counter seen, value after it."""

    instrument: str
    counter: int
    value: int


@dataclass(frozen=True, slots=True)
class CardAlert:
    uid: str
    instrument: str
    tx_id: str
    kind: str  # replay, gap, divergence
    detail: tuple[tuple[str, int], ...]


@dataclass(slots=True)
class Judgement:
    replayed: list[bool] = field(default_factory=list)  # per report: refuse it
    alerts: list[CardAlert] = field(default_factory=list)
    mirror: dict[str, MirrorEntry] = field(default_factory=dict)  # changed entries only
    to_block: dict[str, None] = field(default_factory=dict)  # instruments, an ordered set


def judge(
    mirror: Mapping[str, MirrorEntry],
    journalled: Set[tuple[str, int]],
    reports: Sequence[CardReport],
) -> Judgement:
    """Judge `reports` in order against `mirror` (by UID) and the (uid, counter) pairs already
    journalled; each report also sees the ones before it in the same call."""
    out = Judgement()
    seen: set[tuple[str, int]] = set()
    current = dict(mirror)
    for r in reports:
        key = (r.uid, r.counter)
        if key in journalled or key in seen:
            out.replayed.append(True)
            out.alerts.append(_alert(r, "replay", card_counter=r.counter))
            out.to_block[r.instrument] = None
            continue
        seen.add(key)
        out.replayed.append(False)
        known = current.get(r.uid)
        if known is not None:
            if r.counter > known.counter + 1:
                out.alerts.append(
                    _alert(r, "gap", mirror_counter=known.counter, card_counter=r.counter)
                )
            elif r.counter == known.counter + 1 and r.before != known.value:
                out.alerts.append(
                    _alert(r, "divergence", mirror_value=known.value, card_before=r.before)
                )
        if known is None or r.counter > known.counter:
            current[r.uid] = out.mirror[r.uid] = MirrorEntry(r.instrument, r.counter, r.after)
    assert len(out.replayed) == len(reports)
    return out


def _alert(r: CardReport, kind: str, **detail: int) -> CardAlert:
    return CardAlert(r.uid, r.instrument, r.tx_id, kind, tuple(detail.items()))
