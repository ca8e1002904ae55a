"""The back office's rows: sign-ins (password hashes, lock-out, TOTP), browser sessions, the
append-only audit log and the chart-of-accounts mapping of the journal export."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, func, insert, or_, select, update

from cardsvc.storage.backoffice_tables import (
    account_map,
    audit_log,
    backoffice_sessions,
    liability_checks,
    person_logins,
)


@dataclass(frozen=True, slots=True)
class LoginRow:
    person_id: str
    password_hash: str
    failures: int
    locked_until: int | None
    totp_secret: str | None
    must_change: bool


@dataclass(frozen=True, slots=True)
class SessionRow:
    person_id: str
    csrf: str
    verified: bool
    expires_at: int


class BackofficeRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # --- sign-in ----------------------------------------------------------------------------
    def login(self, person_id: str) -> LoginRow | None:
        p = person_logins.c
        row = self.conn.execute(
            select(p.person_id, p.password_hash, p.failures, p.locked_until, p.totp_secret,
                   p.must_change).where(p.person_id == person_id)
        ).first()  # fmt: skip
        if row is None:
            return None
        return LoginRow(row.person_id, row.password_hash, int(row.failures), row.locked_until,
                        row.totp_secret, bool(row.must_change))  # fmt: skip

    def set_password(self, person_id: str, password_hash: str, must_change: bool, now: int) -> None:
        values = {"password_hash": password_hash, "must_change": must_change, "changed_at": now,
                  "failures": 0, "locked_until": None}  # fmt: skip
        done = self.conn.execute(
            update(person_logins).where(person_logins.c.person_id == person_id).values(**values)
        )
        if done.rowcount == 0:
            self.conn.execute(insert(person_logins).values(person_id=person_id, **values))

    def record_failure(self, person_id: str, failures: int, locked_until: int | None) -> None:
        self.conn.execute(
            update(person_logins).where(person_logins.c.person_id == person_id)
            .values(failures=failures, locked_until=locked_until)
        )  # fmt: skip

    def set_totp(self, person_id: str, secret: str | None) -> None:
        self.conn.execute(
            update(person_logins).where(person_logins.c.person_id == person_id)
            .values(totp_secret=secret)
        )  # fmt: skip

    # --- sessions ---------------------------------------------------------------------------
    def add_session(
        self, id_hash: str, person_id: str, csrf: str, verified: bool, now: int, expires_at: int
    ) -> None:
        self.conn.execute(
            insert(backoffice_sessions).values(
                id_hash=id_hash, person_id=person_id, csrf=csrf, verified=verified,
                created_at=now, expires_at=expires_at,
            )
        )  # fmt: skip

    def session(self, id_hash: str) -> SessionRow | None:
        s = backoffice_sessions.c
        row = self.conn.execute(
            select(s.person_id, s.csrf, s.verified, s.expires_at).where(s.id_hash == id_hash)
        ).first()
        if row is None:
            return None
        return SessionRow(row.person_id, row.csrf, bool(row.verified), int(row.expires_at))

    def verify_session(self, id_hash: str) -> None:
        s = backoffice_sessions.c
        self.conn.execute(
            update(backoffice_sessions).where(s.id_hash == id_hash).values(verified=True)
        )

    def end_session(self, id_hash: str) -> None:
        s = backoffice_sessions.c
        self.conn.execute(delete(backoffice_sessions).where(s.id_hash == id_hash))

    def end_sessions_of(self, person_id: str) -> None:
        s = backoffice_sessions.c
        self.conn.execute(delete(backoffice_sessions).where(s.person_id == person_id))

    def purge_sessions(self, now: int) -> None:
        s = backoffice_sessions.c
        self.conn.execute(delete(backoffice_sessions).where(s.expires_at <= now))

    # --- the audit log (insert and read only) -----------------------------------------------
    def audit(
        self,
        at: int,
        person_id: str,
        action: str,
        target: str,
        before: str,
        after: str,
        client: str,
    ) -> None:
        self.conn.execute(
            insert(audit_log).values(at=at, person_id=person_id, action=action, target=target,
                                     before=before, after=after, client=client)
        )  # fmt: skip

    def audit_search(
        self, text: str | None, start: int | None, end: int | None, limit: int
    ) -> list[dict[str, Any]]:
        """Newest first; `text` matches the person, the action or the target."""
        a = audit_log.c
        q = select(audit_log).order_by(a.id.desc()).limit(limit)
        if text:
            pattern = "%" + text.lower().replace("%", "").replace("_", "") + "%"
            q = q.where(or_(func.lower(a.person_id).like(pattern),
                            func.lower(a.action).like(pattern),
                            func.lower(a.target).like(pattern)))  # fmt: skip
        if start is not None:
            q = q.where(a.at >= start)
        if end is not None:
            q = q.where(a.at < end)
        return [dict(r._mapping) for r in self.conn.execute(q)]

    # --- chart of accounts ------------------------------------------------------------------
    def account_map(self) -> dict[str, tuple[str, str]]:
        rows = self.conn.execute(select(account_map.c.kind, account_map.c.code, account_map.c.name))
        return {r.kind: (r.code, r.name) for r in rows}

    def set_account(self, kind: str, code: str, name: str, now: int) -> None:
        m = account_map.c
        done = self.conn.execute(
            update(account_map).where(m.kind == kind).values(code=code, name=name, updated_at=now)
        )
        if done.rowcount == 0:
            self.conn.execute(
                insert(account_map).values(kind=kind, code=code, name=name, updated_at=now)
            )

    # --- the daily liability check ----------------------------------------------------------
    def add_check(self, at: int, consistent: bool, detail: str) -> None:
        self.conn.execute(insert(liability_checks).values(at=at, consistent=consistent,
                                                          detail=detail))  # fmt: skip

    def last_check(self) -> tuple[int, bool, str] | None:
        c = liability_checks.c
        row = self.conn.execute(
            select(c.at, c.consistent, c.detail).order_by(c.id.desc()).limit(1)
        ).first()
        return None if row is None else (int(row.at), bool(row.consistent), row.detail)
