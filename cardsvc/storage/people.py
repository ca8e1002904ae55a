"""People (API token holders): the rows behind `services.people`."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, insert, select, update

from cardsvc.storage.schema import users


@dataclass(frozen=True, slots=True)
class PersonRow:
    id: str
    name: str
    role: str
    store_id: str | None
    disabled: bool


class PeopleRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def exists(self, person_id: str) -> bool:
        q = select(users.c.id).where(users.c.id == person_id)
        return self.conn.execute(q).first() is not None

    def add(
        self, person_id: str, name: str, role: str, store_id: str | None, token_hash: str, now: int
    ) -> None:
        self.conn.execute(
            insert(users).values(
                id=person_id,
                name=name,
                role=role,
                store_id=store_id,
                token_hash=token_hash,
                created_at=now,
                disabled=False,
            )
        )

    def by_token_hash(self, token_hash: str) -> PersonRow | None:
        u = users.c
        q = select(u.id, u.name, u.role, u.store_id, u.disabled).where(u.token_hash == token_hash)
        row = self.conn.execute(q).first()
        if row is None:
            return None
        return PersonRow(row.id, row.name, row.role, row.store_id, bool(row.disabled))

    def get(self, person_id: str) -> PersonRow | None:
        u = users.c
        row = self.conn.execute(
            select(u.id, u.name, u.role, u.store_id, u.disabled).where(u.id == person_id)
        ).first()
        if row is None:
            return None
        return PersonRow(row.id, row.name, row.role, row.store_id, bool(row.disabled))

    def list(self, limit: int) -> list[PersonRow]:
        u = users.c
        q = select(u.id, u.name, u.role, u.store_id, u.disabled).order_by(u.id).limit(limit)
        return [PersonRow(r.id, r.name, r.role, r.store_id, bool(r.disabled))
                for r in self.conn.execute(q)]  # fmt: skip

    def update(
        self, person_id: str, *, name: str, role: str, store_id: str | None, disabled: bool
    ) -> None:
        self.conn.execute(
            update(users).where(users.c.id == person_id)
            .values(name=name, role=role, store_id=store_id, disabled=disabled)
        )  # fmt: skip

    def set_token_hash(self, person_id: str, token_hash: str) -> None:
        self.conn.execute(
            update(users).where(users.c.id == person_id).values(token_hash=token_hash)
        )
