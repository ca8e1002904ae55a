"""What a database error means for the caller: three kinds, decided here because only storage
knows the drivers.

- UNAVAILABLE: the database cannot be reached (connection refused or lost, server shutting
  down, out of connections). Nothing was written; every request gets 503 with Retry-After, and
  no request is to blame.
- RETRY: a conflict with another writer (serialization failure, deadlock, a row another worker
  inserted first, SQLite busy). Nothing was written; running the same work again may succeed.
- OWN: the work itself is at fault (a value the column cannot hold, a broken statement, a
  bug). Running it again fails again; in a group commit only the submission that causes it
  may be answered with it.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy.exc import DBAPIError, DisconnectionError, TimeoutError


class Fault(StrEnum):
    UNAVAILABLE = "unavailable"
    RETRY = "retry"
    OWN = "own"


class DatabaseUnavailable(Exception):
    """The database cannot be reached; the request may be sent again shortly."""

    retry_after_s = 5

    def __init__(self, detail: str = "the database is unreachable; retry shortly") -> None:
        super().__init__(detail)
        self.detail = detail


# PostgreSQL SQLSTATE classes and codes (appendix A of its manual).
_PG_UNAVAILABLE_CLASSES = ("08", "53", "57")  # connection, resources, operator intervention
_PG_RETRY_CODES = {"40001", "40P01", "23505", "55P03"}  # serialization, deadlock, unique, lock
_SQLITE_BUSY = ("database is locked", "database table is locked", "busy")
_SQLITE_UNAVAILABLE = ("unable to open database file", "disk i/o error", "readonly database")


def classify(exc: BaseException) -> Fault:
    """The kind of a failure raised while using the database (SQLAlchemy's wrapped errors or
    the drivers' own, which the hot path's driver-level statements raise unwrapped)."""
    if isinstance(exc, DatabaseUnavailable | DisconnectionError | TimeoutError):
        return Fault.UNAVAILABLE
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated:
            return Fault.UNAVAILABLE
        return _classify_driver(exc.orig) if exc.orig is not None else Fault.OWN
    return _classify_driver(exc)


def _classify_driver(exc: BaseException) -> Fault:
    sqlstate = getattr(exc, "sqlstate", None)
    module = type(exc).__module__
    if module.startswith("psycopg"):
        if sqlstate is None:  # raised before the server answered: no connection
            return Fault.UNAVAILABLE if _named(exc, "OperationalError") else Fault.OWN
        if sqlstate.startswith(_PG_UNAVAILABLE_CLASSES):
            return Fault.UNAVAILABLE
        return Fault.RETRY if sqlstate in _PG_RETRY_CODES else Fault.OWN
    if module == "sqlite3":
        text = str(exc).lower()
        if _named(exc, "OperationalError") and any(s in text for s in _SQLITE_BUSY):
            return Fault.RETRY
        if any(s in text for s in _SQLITE_UNAVAILABLE):
            return Fault.UNAVAILABLE
        if _named(exc, "IntegrityError") and "unique" in text:
            return Fault.RETRY  # SQLite has one writer; kept for symmetry with PostgreSQL
    return Fault.OWN


def _named(exc: BaseException, name: str) -> bool:
    return any(cls.__name__ == name for cls in type(exc).__mro__)
