"""The card mirror's rows: each purse card's highest counter and value, the (uid, counter) pairs
the journal already holds, and the alerts. Loaded once per group, written once per group; the
rules are `cardsvc.core.card_mirror.judge`."""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence

from sqlalchemy import Connection, insert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from cardsvc.core.card_mirror import CardAlert, MirrorEntry
from cardsvc.storage.db import driver_cursor, marker, select_in
from cardsvc.storage.schema import card_alerts, card_mirror

_CHUNK = 500  # UIDs per statement


class CardMirrorRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def load(self, uids: Collection[str]) -> dict[str, MirrorEntry]:
        wanted = sorted(set(uids))
        if not wanted:
            return {}
        cur, mark = driver_cursor(self.conn), marker(self.conn)
        sql = "SELECT uid, instrument_id, counter, value FROM card_mirror WHERE uid {in_ids}"
        return {
            uid: MirrorEntry(instrument, counter, value)
            for uid, instrument, counter, value in select_in(cur, mark, sql, wanted)
        }

    def journalled(self, pairs: Collection[tuple[str, int]]) -> set[tuple[str, int]]:
        """Which of the (uid, counter) pairs the journal already holds. One statement per
        chunk of UIDs, by the (card_uid, card_counter) index; rows for a counter of another
        UID in the same chunk are dropped here."""
        wanted = set(pairs)
        if not wanted:
            return set()
        uids = sorted({uid for uid, _ in wanted})
        counters = sorted({counter for _, counter in wanted})
        cur, mark = driver_cursor(self.conn), marker(self.conn)
        found: set[tuple[str, int]] = set()
        for start in range(0, len(uids), _CHUNK):
            part = uids[start : start + _CHUNK]
            sql = (
                "SELECT card_uid, card_counter FROM transactions"
                " WHERE card_uid {in_ids} AND card_counter IN " + _int_list(counters)
            )
            for uid, counter in select_in(cur, mark, sql, part):
                if (uid, counter) in wanted:
                    found.add((uid, counter))
        return found

    def save(self, entries: dict[str, MirrorEntry], alerts: Sequence[CardAlert], now: int) -> None:
        if alerts:
            self.conn.execute(insert(card_alerts), [_alert_row(a, now) for a in alerts])
        if entries:
            self._upsert(entries, now)

    def _upsert(self, entries: dict[str, MirrorEntry], now: int) -> None:
        rows = [
            {"uid": uid, "instrument_id": e.instrument, "counter": e.counter, "value": e.value,
             "updated_at": now}
            for uid, e in sorted(entries.items())
        ]  # fmt: skip
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


def _int_list(counters: list[int]) -> str:
    """An inline list of integer literals: counters are ints (checked), so no injection, and
    the statement keeps one IN list bound by parameters (the UIDs)."""
    assert all(type(c) is int for c in counters)
    return "(" + ", ".join(str(c) for c in counters) + ")"


def _alert_row(a: CardAlert, now: int) -> dict[str, object]:
    return {
        "uid": a.uid,
        "instrument_id": a.instrument,
        "tx_id": a.tx_id,
        "kind": a.kind,
        "detail": json.dumps(dict(a.detail)),
        "at": now,
    }
