"""Stores, terminals and their signing keys: the rows behind `services.terminals`."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, insert, select, update

from cardsvc.storage.schema import stores, terminal_keys, terminals


@dataclass(frozen=True, slots=True)
class TerminalRow:
    id: str
    store_id: str
    name: str
    status: str  # pending -> active -> disabled
    enrollment_code_hash: str | None
    enrollment_expires_at: int | None


@dataclass(frozen=True, slots=True)
class KeyRow:
    key_id: str
    terminal_id: str
    public_key: bytes
    created_at: int
    retire_at: int | None
    revoked_at: int | None


@dataclass(frozen=True, slots=True)
class KeyEntry:
    """What a signature check needs of a key: the key, its terminal's state and store."""

    public_key: bytes
    terminal_id: str
    retire_at: int | None
    revoked_at: int | None
    terminal_status: str
    store_id: str


class TerminalRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # --- stores -----------------------------------------------------------------------------
    def store_exists(self, store_id: str) -> bool:
        q = select(stores.c.id).where(stores.c.id == store_id)
        return self.conn.execute(q).first() is not None

    def add_store(self, store_id: str, name: str, now: int) -> None:
        self.conn.execute(insert(stores).values(id=store_id, name=name, created_at=now))

    def stores(self, limit: int) -> dict[str, str]:
        """Store ids to names, in id order."""
        q = select(stores.c.id, stores.c.name).order_by(stores.c.id).limit(limit)
        return {r.id: r.name for r in self.conn.execute(q)}

    # --- terminals --------------------------------------------------------------------------
    def get(self, terminal_id: str) -> TerminalRow | None:
        t = terminals.c
        q = select(
            t.id, t.store_id, t.name, t.status, t.enrollment_code_hash, t.enrollment_expires_at
        ).where(t.id == terminal_id)
        row = self.conn.execute(q).first()
        return None if row is None else TerminalRow(*row)

    def add(
        self,
        terminal_id: str,
        store_id: str,
        name: str,
        code_hash: str,
        code_expires_at: int,
        now: int,
    ) -> None:
        """A pending terminal, waiting for its enrolment with a one-time code."""
        self.conn.execute(
            insert(terminals).values(
                id=terminal_id,
                store_id=store_id,
                name=name,
                status="pending",
                enrollment_code_hash=code_hash,
                enrollment_expires_at=code_expires_at,
                created_at=now,
            )
        )

    def activate(self, terminal_id: str) -> None:
        """Enrolled: the one-time code is spent."""
        self.conn.execute(
            update(terminals)
            .where(terminals.c.id == terminal_id)
            .values(status="active", enrollment_code_hash=None, enrollment_expires_at=None)
        )

    def set_status(self, terminal_id: str, status: str) -> None:
        q = update(terminals).where(terminals.c.id == terminal_id).values(status=status)
        self.conn.execute(q)

    def all_terminals(self, limit: int) -> list[TerminalRow]:
        t = terminals.c
        q = select(
            t.id, t.store_id, t.name, t.status, t.enrollment_code_hash, t.enrollment_expires_at
        ).order_by(t.store_id, t.id).limit(limit)
        return [TerminalRow(*row) for row in self.conn.execute(q)]

    # --- keys -------------------------------------------------------------------------------
    def all_keys(self, limit: int) -> list[KeyRow]:
        """Every terminal key, newest first."""
        k = terminal_keys.c
        q = select(
            k.key_id, k.terminal_id, k.public_key, k.created_at, k.retire_at, k.revoked_at
        ).order_by(k.created_at.desc(), k.key_id).limit(limit)
        return [KeyRow(r[0], r[1], bytes(r[2]), r[3], r[4], r[5]) for r in self.conn.execute(q)]

    def key_exists(self, key_id: str) -> bool:
        q = select(terminal_keys.c.key_id).where(terminal_keys.c.key_id == key_id)
        return self.conn.execute(q).first() is not None

    def add_key(self, key_id: str, terminal_id: str, public_key: bytes, now: int) -> None:
        self.conn.execute(
            insert(terminal_keys).values(
                key_id=key_id, terminal_id=terminal_id, public_key=public_key, created_at=now
            )
        )

    def keys_of(self, terminal_id: str) -> list[KeyRow]:
        k = terminal_keys.c
        q = select(
            k.key_id, k.terminal_id, k.public_key, k.created_at, k.retire_at, k.revoked_at
        ).where(k.terminal_id == terminal_id)
        return [
            KeyRow(r[0], r[1], bytes(r[2]), r[3], r[4], r[5]) for r in self.conn.execute(q)
        ]

    def retire_key(self, key_id: str, retire_at: int) -> None:
        """Set when a key stops verifying, unless it already has a date."""
        k = terminal_keys.c
        q = update(terminal_keys).where(k.key_id == key_id, k.retire_at.is_(None))
        self.conn.execute(q.values(retire_at=retire_at))

    def revoke_key(self, key_id: str, now: int) -> bool:
        """Revoke a live key; False when there is no such key or it is already revoked."""
        k = terminal_keys.c
        q = update(terminal_keys).where(k.key_id == key_id, k.revoked_at.is_(None))
        return self.conn.execute(q.values(revoked_at=now)).rowcount > 0

    def key_entry(self, key_id: str) -> KeyEntry | None:
        k, t = terminal_keys.c, terminals.c
        q = (
            select(k.public_key, k.terminal_id, k.retire_at, k.revoked_at, t.status, t.store_id)
            .join(terminals, t.id == k.terminal_id)
            .where(k.key_id == key_id)
        )
        row = self.conn.execute(q).first()
        if row is None:
            return None
        return KeyEntry(bytes(row[0]), row[1], row[2], row[3], row[4], row[5])
