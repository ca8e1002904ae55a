"""Signed requests kept as evidence (non-repudiation, replay refusal) and the journal look-ups
that check a terminal's sequence numbers. Driver-level statements: this is the hot path."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection

from cardsvc.storage.db import driver_cursor, marker, markers, select_in

_COLS = (
    "terminal_id, key_id, created, nonce, method, path, signature_input, signature,"
    " content_digest, body, received_at"
)
_CHUNK = 500  # rows per INSERT: 11 parameters each, under SQLite's 32766


@dataclass(frozen=True, slots=True)
class Evidence:
    """The signed request as received, kept for non-repudiation (and replay refusal)."""

    key_id: str
    created: int
    nonce: str
    method: str
    path: str
    signature_input: str
    signature: str
    content_digest: str
    body: bytes


class EvidenceRepository:
    def __init__(self, conn: Connection) -> None:
        self.mark, self.cur = marker(conn), driver_cursor(conn)

    def keep(self, requests: Sequence[tuple[str, Evidence]], now: int) -> list[int | None]:
        """Keep (terminal id, evidence) pairs; per pair the stored id, or None when its
        (key id, nonce) was already kept (a replay, also of an earlier one in this call).
        One multi-row INSERT ... ON CONFLICT DO NOTHING RETURNING per chunk: the same SQL text
        on SQLite (>= 3.35) and PostgreSQL."""
        ids: list[int | None] = [None] * len(requests)
        for start in range(0, len(requests), _CHUNK):
            part = range(start, min(start + _CHUNK, len(requests)))
            rows = ", ".join([f"({markers(self.mark, 11)})"] * len(part))
            self.cur.execute(
                f"INSERT INTO signed_requests ({_COLS}) VALUES {rows}"
                " ON CONFLICT (key_id, nonce) DO NOTHING RETURNING id, key_id, nonce",
                [value for i in part for value in _row(*requests[i], now)],
            )
            kept = {(key_id, nonce): int(rid) for rid, key_id, nonce in self.cur.fetchall()}
            for i in part:
                ev = requests[i][1]
                ids[i] = kept.pop((ev.key_id, ev.nonce), None)  # the first of duplicates wins
        return ids

    def journal_of(
        self, terminal_id: str, seqs: Sequence[int], tx_ids: Sequence[str]
    ) -> tuple[dict[int, str], dict[str, int]]:
        """This terminal's journal rows with one of `seqs` or `tx_ids`: (seq -> id, id -> seq)."""
        mark, cur = self.mark, self.cur
        by_seq = select_in(
            cur, mark, f"SELECT seq, id FROM transactions WHERE terminal_id = {mark}"
            " AND seq {in_ids}", seqs, terminal_id,
        )  # fmt: skip
        # By id alone, the terminal filtered here: given `terminal_id = ? AND id IN (500 ids)`,
        # SQLite's planner walks every journal row of the terminal through the (terminal_id,
        # seq) index instead of 500 primary-key look-ups, a cost that grows with the journal.
        by_id = select_in(
            cur, mark, "SELECT id, seq, terminal_id FROM transactions WHERE id {in_ids}", tx_ids
        )
        return dict(by_seq), {i: seq for i, seq, term in by_id if term == terminal_id}


def _row(terminal_id: str, ev: Evidence, now: int) -> tuple[object, ...]:
    return (
        terminal_id,
        ev.key_id,
        ev.created,
        ev.nonce,
        ev.method,
        ev.path,
        ev.signature_input,
        ev.signature,
        ev.content_digest,
        ev.body,
        now,
    )
