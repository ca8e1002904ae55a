"""People (not terminals): API tokens with a role and a store scope.

Roles: admin (everything, every store), finance (reports and instrument look-ups, in its store
or all), staff (look-ups and card actions in its own store). Tokens are random, shown once, and
stored only as SHA-256 hashes.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from cardsvc.services.errors import Conflict, Forbidden, Invalid, NotFound, Unauthorized
from cardsvc.storage.unit_of_work import UnitOfWork


class Role(StrEnum):
    ADMIN = "admin"
    FINANCE = "finance"
    STAFF = "staff"


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    role: Role
    store_id: str | None  # None: every store

    def require(self, *roles: Role, store_id: str | None = None) -> None:
        """Refuse unless this person has one of `roles` and may act for `store_id`."""
        if self.role not in roles:
            raise Forbidden(f"role {self.role} may not do this (needs {', '.join(roles)})")
        if store_id is not None and self.store_id is not None and self.store_id != store_id:
            raise Forbidden(f"{self.id} may act only for store {self.store_id}")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_person(
    uow: UnitOfWork, person_id: str, name: str, role: Role, store_id: str | None, now: int
) -> str:
    """Create a person; return their API token (shown once, never stored in clear)."""
    if role is Role.STAFF and store_id is None:
        raise Invalid("staff belong to a store")
    if uow.people.exists(person_id):
        raise Conflict(f"person {person_id} exists")
    if store_id is not None and not uow.terminals.store_exists(store_id):
        raise NotFound(f"no store {store_id}")
    token = "cs_" + secrets.token_urlsafe(32)
    uow.people.add(person_id, name, str(role), store_id, hash_token(token), now)
    return token


def authenticate(uow: UnitOfWork, token: str) -> Person:
    if not token:
        raise Unauthorized("an API token is required (Authorization: Bearer ...)")
    row = uow.people.by_token_hash(hash_token(token))
    if row is None or row.disabled:
        raise Unauthorized("unknown or disabled API token")
    return Person(row.id, row.name, Role(row.role), row.store_id)


PEOPLE_MAX = 10_000  # people listed on one page


def person_view(row: Any) -> dict[str, Any]:
    return {"id": row.id, "name": row.name, "role": row.role, "store_id": row.store_id,
            "disabled": row.disabled}  # fmt: skip


def list_people(uow: UnitOfWork, store_id: str | None = None) -> list[dict[str, Any]]:
    rows = uow.people.list(PEOPLE_MAX)
    return [person_view(r) for r in rows if store_id is None or r.store_id == store_id]


def update_person(
    uow: UnitOfWork, person_id: str, name: str, role: Role, store_id: str | None, disabled: bool
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Change a person's name, role, store or disabled flag; answer (before, after)."""
    row = uow.people.get(person_id)
    if row is None:
        raise NotFound(f"no person {person_id}")
    if role is Role.STAFF and store_id is None:
        raise Invalid("staff belong to a store")
    if store_id is not None and not uow.terminals.store_exists(store_id):
        raise NotFound(f"no store {store_id}")
    uow.people.update(person_id, name=name, role=str(role), store_id=store_id, disabled=disabled)
    after = {"id": person_id, "name": name, "role": str(role), "store_id": store_id,
             "disabled": disabled}  # fmt: skip
    return person_view(row), after


def new_token(uow: UnitOfWork, person_id: str) -> str:
    """Replace a person's API token (the old one stops working at once); shown once."""
    if uow.people.get(person_id) is None:
        raise NotFound(f"no person {person_id}")
    token = "cs_" + secrets.token_urlsafe(32)
    uow.people.set_token_hash(person_id, hash_token(token))
    return token
