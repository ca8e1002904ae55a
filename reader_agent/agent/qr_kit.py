"""The offline QR validator's downloads, kept in the agent's database: the QR key set, the
revocation list and the programs restricted to some terminals (an event's gates).

Fetched by the sync loop (GET /v1/terminal/qr/offline) and replaced as a whole, in one
transaction, only when the key set is signed by a key-set key this terminal trusts (learnt at
enrolment, or configured): a forged or damaged download is refused and the last good kit stays.
A restart keeps the kit, so a gate that starts while the ledger is down still validates.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from keys.errors import PublishedKeysetError
from keys.keyring import Keyring
from keys.published import load_keyset
from reader_agent.agent.localdb import LocalDb

log = logging.getLogger(__name__)
REVOKED_MAX = 1_000_000  # the ledger sends at most 200,000
GATED_PROGRAMS_MAX = 10_000
GATES_PER_PROGRAM_MAX = 1_000
ID_MAX = 128


class KitRefused(ValueError):
    """A download that is not a kit this terminal may use (unsigned, forged, malformed)."""


@dataclass(frozen=True)
class KitStatus:
    fetched_at: int | None
    signed_by: str | None
    revoked: int
    trusted: int  # key-set keys this terminal trusts


def _ids(values: Any, bound: int, what: str) -> list[str]:
    if not isinstance(values, list) or len(values) > bound:
        raise KitRefused(f"{what}: not a list of at most {bound}")
    if not all(isinstance(v, str) and 0 < len(v) <= ID_MAX for v in values):
        raise KitRefused(f"{what}: not identifiers")
    return values


def _gates(value: Any) -> dict[str, list[str]]:
    if not isinstance(value, dict) or len(value) > GATED_PROGRAMS_MAX:
        raise KitRefused("gates: not a map of programs")
    return {str(_ids([p], 1, "program")[0]): _ids(g, GATES_PER_PROGRAM_MAX, "gates")
            for p, g in value.items()}  # fmt: skip


class QrKit:
    def __init__(
        self, db: LocalDb, trusted: Mapping[str, bytes], clock: Callable[[], int]
    ) -> None:
        self.db, self.trusted, self.clock = db, dict(trusted), clock
        self._lock = threading.Lock()
        self._ring: tuple[int, Keyring] | None = None  # (fetched_at, keyring) parsed once

    def replace(self, answer: Mapping[str, Any]) -> int:
        """Store a downloaded kit after checking it; the number of revoked instruments."""
        if not self.trusted:
            raise KitRefused(
                "no trusted key-set key: enrol again or set READER_AGENT_KEYSET_SIGNERS"
            )
        text = answer.get("keyset")
        if not isinstance(text, str):
            raise KitRefused("the answer carries no key set")
        try:
            published = load_keyset(text, trusted_signers=self.trusted, now=self.clock())
        except PublishedKeysetError as exc:
            raise KitRefused(str(exc)) from exc
        revoked = sorted(set(_ids(answer.get("revoked"), REVOKED_MAX, "revoked")))
        gates = _gates(answer.get("gates", {}))
        now = self.clock()
        with self.db.write() as conn:
            conn.execute("DELETE FROM qr_kit")
            conn.execute("INSERT INTO qr_kit (id, keyset, signed_by, fetched_at) VALUES "
                         "(1, ?, ?, ?)", (text, published.signed_by, now))  # fmt: skip
            conn.execute("DELETE FROM qr_revoked")
            conn.executemany("INSERT INTO qr_revoked (instrument) VALUES (?)",
                             ((i,) for i in revoked))  # fmt: skip
            conn.execute("DELETE FROM qr_gates")
            conn.executemany("INSERT INTO qr_gates (program, terminal) VALUES (?, ?)",
                             ((p, t) for p, ts in gates.items() for t in set(ts)))  # fmt: skip
        with self._lock:
            self._ring = (now, published.keyring)
        return len(revoked)

    def keyring(self) -> Keyring | None:
        """The stored key set (None before the first good download)."""
        with self.db.read() as conn:
            row = conn.execute("SELECT keyset, fetched_at FROM qr_kit WHERE id = 1").fetchone()
        if row is None:
            return None
        with self._lock:
            if self._ring is not None and self._ring[0] == row[1]:
                return self._ring[1]
        # checked when it was stored; the fingerprint is checked again against a damaged file
        ring = load_keyset(str(row[0])).keyring
        with self._lock:
            self._ring = (int(row[1]), ring)
        return ring

    def revoked(self, instrument: str) -> bool:
        with self.db.read() as conn:
            row = conn.execute(
                "SELECT 1 FROM qr_revoked WHERE instrument = ?", (instrument,)
            ).fetchone()
        return row is not None

    def gates(self, program: str) -> frozenset[str]:
        """The terminals the program's instruments are restricted to (empty: any)."""
        with self.db.read() as conn:
            rows = conn.execute(
                "SELECT terminal FROM qr_gates WHERE program = ?", (program,)
            ).fetchall()
        return frozenset(str(r[0]) for r in rows)

    def status(self) -> KitStatus:
        with self.db.read() as conn:
            row = conn.execute("SELECT fetched_at, signed_by FROM qr_kit WHERE id = 1").fetchone()
            revoked = int(conn.execute("SELECT count(*) FROM qr_revoked").fetchone()[0])
        if row is None:
            return KitStatus(None, None, revoked, len(self.trusted))
        return KitStatus(int(row[0]), str(row[1]), revoked, len(self.trusted))
