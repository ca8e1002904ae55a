"""Signing people in to the back office: password (scrypt), lock-out after repeated failures,
an optional TOTP second factor, and browser sessions kept in the database (so any worker can
serve any request, and disabling a person ends their sessions at once).

Outcomes are data (`SignIn.outcome`); only a broken database raises.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from enum import StrEnum

from cardsvc.services import passwords
from cardsvc.services.errors import Invalid, NotFound
from cardsvc.services.people import Person, Role
from cardsvc.storage.unit_of_work import UnitOfWork

SECOND_FACTOR_ROLES = (Role.ADMIN, Role.FINANCE)  # who may (and should) enrol TOTP


@dataclass(frozen=True)
class SignInPolicy:
    max_failures: int = 5  # wrong passwords (or codes) in a row before the lock
    lock_s: int = 15 * 60
    session_s: int = 8 * 3600  # a working day; then sign in again


class Outcome(StrEnum):
    OK = "ok"
    NEED_CODE = "need_code"  # password right; the TOTP code comes next
    BAD = "bad_credentials"  # the same answer for an unknown name and a wrong password
    LOCKED = "locked"


@dataclass(frozen=True)
class SignIn:
    outcome: Outcome
    token: str = ""  # the session cookie's value (only its hash is stored)
    locked_until: int | None = None


@dataclass(frozen=True)
class Session:
    person: Person
    csrf: str
    verified: bool  # False: waiting for the TOTP code
    must_change: bool  # an administrator reset the password: choose a new one first
    has_totp: bool


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def sign_in(
    uow: UnitOfWork, person_id: str, password: str, now: int, policy: SignInPolicy
) -> SignIn:
    row = uow.people.get(person_id) if person_id else None
    login = uow.backoffice.login(person_id) if row is not None else None
    if row is None or login is None:
        passwords.verify_password(password, passwords.DECOY_HASH)  # same cost as a real miss
        return SignIn(Outcome.BAD)
    if login.locked_until is not None and login.locked_until > now:
        return SignIn(Outcome.LOCKED, locked_until=login.locked_until)
    if not passwords.verify_password(password, login.password_hash) or row.disabled:
        return _failed(uow, person_id, login.failures, now, policy)
    uow.backoffice.record_failure(person_id, 0, None)
    token = secrets.token_urlsafe(32)
    verified = login.totp_secret is None
    uow.backoffice.purge_sessions(now)
    uow.backoffice.add_session(_hash(token), person_id, secrets.token_urlsafe(32), verified, now,
                               now + policy.session_s)  # fmt: skip
    return SignIn(Outcome.OK if verified else Outcome.NEED_CODE, token)


def _failed(
    uow: UnitOfWork, person_id: str, failures: int, now: int, policy: SignInPolicy
) -> SignIn:
    failures += 1
    if failures >= policy.max_failures:
        until = now + policy.lock_s
        uow.backoffice.record_failure(person_id, 0, until)
        return SignIn(Outcome.LOCKED, locked_until=until)
    uow.backoffice.record_failure(person_id, failures, None)
    return SignIn(Outcome.BAD)


def second_factor(uow: UnitOfWork, token: str, code: str, now: int, policy: SignInPolicy) -> SignIn:
    """Check the TOTP code of a session that passed the password; wrong codes count towards
    the same lock-out as wrong passwords (a 6-digit code is guessable otherwise)."""
    found = uow.backoffice.session(_hash(token))
    login = uow.backoffice.login(found.person_id) if found else None
    if found is None or login is None or login.totp_secret is None or found.expires_at <= now:
        return SignIn(Outcome.BAD)
    if login.locked_until is not None and login.locked_until > now:
        uow.backoffice.end_session(_hash(token))
        return SignIn(Outcome.LOCKED, locked_until=login.locked_until)
    if not passwords.totp_ok(login.totp_secret, code, now):
        outcome = _failed(uow, found.person_id, login.failures, now, policy)
        if outcome.outcome is Outcome.LOCKED:
            uow.backoffice.end_session(_hash(token))
        return outcome
    uow.backoffice.record_failure(found.person_id, 0, None)
    uow.backoffice.verify_session(_hash(token))
    return SignIn(Outcome.OK, token)


def session(uow: UnitOfWork, token: str, now: int) -> Session | None:
    """The signed-in person behind a session cookie, or None (unknown, expired, disabled)."""
    if not token or len(token) > 100:
        return None
    found = uow.backoffice.session(_hash(token))
    if found is None or found.expires_at <= now:
        return None
    row = uow.people.get(found.person_id)
    login = uow.backoffice.login(found.person_id)
    if row is None or row.disabled or login is None:
        return None
    person = Person(row.id, row.name, Role(row.role), row.store_id)
    return Session(person, found.csrf, found.verified, login.must_change,
                   login.totp_secret is not None)  # fmt: skip


def sign_out(uow: UnitOfWork, token: str) -> None:
    uow.backoffice.end_session(_hash(token))


def set_password(
    uow: UnitOfWork, person_id: str, password: str, now: int, *, must_change: bool
) -> None:
    """Set (or reset) a person's password; a reset ends their sessions and lifts a lock."""
    if uow.people.get(person_id) is None:
        raise NotFound(f"no person {person_id}")
    problem = passwords.password_problem(password)
    if problem is not None:
        raise Invalid(problem)
    uow.backoffice.set_password(person_id, passwords.hash_password(password), must_change, now)
    if must_change:
        uow.backoffice.end_sessions_of(person_id)


def change_own_password(uow: UnitOfWork, person_id: str, current: str, new: str, now: int) -> bool:
    login = uow.backoffice.login(person_id)
    if login is None or not passwords.verify_password(current, login.password_hash):
        return False
    set_password(uow, person_id, new, now, must_change=False)
    return True


def set_totp(uow: UnitOfWork, person_id: str, secret: str | None) -> None:
    uow.backoffice.set_totp(person_id, secret)
