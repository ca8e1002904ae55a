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
