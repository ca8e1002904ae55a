"""The ledger's mirror of offline-capable purse cards (cards are not trusted).

Every purse operation carries what the card reported (UID, counter after, value before/after).
A card's counter takes every value once, so:
- a counter the ledger has already journalled for that card (under another transaction id):
  the card was restored or cloned -> the transaction is refused (`card_replay`), an alert is
  raised and the instrument is blocked (hotlist);
- a counter below the highest seen but never seen: a late offline sync from another terminal
  filling a gap -> accepted;
- a counter more than one above the highest seen: operations the ledger has not seen yet ->
  `gap` alert (they may still arrive);
- the next counter with a value before that differs from the mirror's value after: the card
  and the ledger disagree -> `divergence` alert.
The mirror follows the card, not the ledger's verdict: the card's counter moved either way.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from sqlalchemy import Connection, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from cardsvc.protocol.messages import TransactionMsg
from cardsvc.storage.schema import card_alerts, card_mirror, transactions


class CardMirror:
    def __init__(self, conn: Connection, now: int) -> None:
        self.conn, self.now = conn, now
        self._state: dict[str, tuple[str, int, int]] = {}  # uid -> (instrument, counter, value)
        self._loaded: set[str] = set()
        self._changed: set[str] = set()
        self._seen: set[tuple[str, int]] = set()  # (uid, counter) judged in this group
        self._alerts: list[dict[str, object]] = []

    def load(self, uids: Iterable[str]) -> None:
        wanted = sorted(set(uids) - self._loaded)
        for i in range(0, len(wanted), 500):
            q = select(card_mirror).where(card_mirror.c.uid.in_(wanted[i : i + 500]))
            for r in self.conn.execute(q):
                self._state[r.uid] = (r.instrument_id, r.counter, r.value)
        self._loaded |= set(wanted)

    def judge(self, msg: TransactionMsg) -> bool:
        """Record what the card reported; False when the report is a replay (refuse it)."""
        card = msg.card
        assert card is not None
        if self._journalled(card.uid, card.counter):
            self._alert(msg, "replay", {"card_counter": card.counter})
            return False
        self._seen.add((card.uid, card.counter))
        self.load([card.uid])
        known = self._state.get(card.uid)
        if known is not None:
            _, highest, value = known
            if card.counter > highest + 1:
                self._alert(msg, "gap", {"mirror_counter": highest, "card_counter": card.counter})
            elif card.counter == highest + 1 and card.before != value:
                self._alert(msg, "divergence", {"mirror_value": value, "card_before": card.before})
        if known is None or card.counter > known[1]:
            self._state[card.uid] = (msg.instrument, card.counter, card.after)
            self._changed.add(card.uid)
        return True

    def _journalled(self, uid: str, counter: int) -> bool:
        if (uid, counter) in self._seen:
            return True
        t = transactions.c
        q = select(t.id).where(t.card_uid == uid, t.card_counter == counter).limit(1)
        return self.conn.execute(q).first() is not None

    def _alert(self, msg: TransactionMsg, kind: str, detail: dict[str, int]) -> None:
        assert msg.card is not None
        self._alerts.append(
            {
                "uid": msg.card.uid,
                "instrument_id": msg.instrument,
                "tx_id": msg.id,
                "kind": kind,
                "detail": json.dumps(detail),
                "at": self.now,
            }
        )

    def persist(self) -> None:
        if self._alerts:
            self.conn.execute(insert(card_alerts), self._alerts)
        rows = [
            {
                "uid": uid,
                "instrument_id": s[0],
                "counter": s[1],
                "value": s[2],
                "updated_at": self.now,
            }
            for uid in sorted(self._changed)
            for s in (self._state[uid],)
        ]
        if not rows:
            return
        ins = pg_insert if self.conn.dialect.name == "postgresql" else sqlite_insert
        stmt = ins(card_mirror)
        stmt = stmt.on_conflict_do_update(
            index_elements=[card_mirror.c.uid],
            set_={
                "instrument_id": stmt.excluded.instrument_id,
                "counter": stmt.excluded.counter,
                "value": stmt.excluded.value,
                "updated_at": stmt.excluded.updated_at,
            },
        )
        self.conn.execute(stmt, rows)
