"""Who may open a shift at this till: staff with a PIN, kept in the agent's database.

A PIN is a short secret typed on the till, so it is never stored: only scrypt(PIN, salt), and
a run of wrong PINs locks that staff member out for a while (counted durably, so restarting the
agent does not reset the count). Staff are added by the store's set-up
(`reader-agent staff add`), never from the counter's screen.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from reader_agent.agent.localdb import LocalDb

STAFF_ID = re.compile(r"[A-Za-z0-9_.\-]{1,32}")
PIN = re.compile(r"\d{4,8}")
STAFF_MAX = 1000  # staff of one till listed at once
_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}


class SignIn(StrEnum):
    """Why a PIN was not accepted (no reason tells an unknown id from a wrong PIN)."""

    OK = "ok"
    WRONG_PIN = "wrong_pin"  # unknown staff id, or the PIN does not match
    LOCKED = "staff_locked"  # too many wrong PINs: wait


@dataclass(frozen=True)
class StaffMember:
    id: str
    name: str


def _hash(pin: str, salt: bytes) -> str:
    return hashlib.scrypt(pin.encode(), salt=salt, **_SCRYPT).hex()


class StaffBook:
    def __init__(
        self, db: LocalDb, clock: Callable[[], int], *, max_failures: int = 5,
        lockout_s: int = 300,
    ) -> None:  # fmt: skip
        self.db, self.clock = db, clock
        self.max_failures, self.lockout_s = max_failures, lockout_s

    def add(self, staff_id: str, name: str, pin: str) -> StaffMember:
        """Add a staff member, or set a new name and PIN for an existing one."""
        if not STAFF_ID.fullmatch(staff_id):
            raise ValueError("a staff id is 1-32 letters, digits, '.', '_' or '-'")
        name = " ".join(name.split())
        if not 0 < len(name) <= 64:
            raise ValueError("a staff name is 1-64 characters")
        if not PIN.fullmatch(pin):
            raise ValueError("a PIN is 4 to 8 digits")
        salt = secrets.token_bytes(16)
        with self.db.write() as conn:
            conn.execute(
                "INSERT INTO staff (id, name, pin_hash, salt) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET name = excluded.name, "
                "pin_hash = excluded.pin_hash, salt = excluded.salt, failures = 0, "
                "locked_until = 0",
                (staff_id, name, _hash(pin, salt), salt.hex()),
            )
        return StaffMember(staff_id, name)

    def remove(self, staff_id: str) -> bool:
        with self.db.write() as conn:
            return conn.execute("DELETE FROM staff WHERE id = ?", (staff_id,)).rowcount > 0

    def members(self) -> list[StaffMember]:
        with self.db.read() as conn:
            rows = conn.execute(
                "SELECT id, name FROM staff ORDER BY name, id LIMIT ?", (STAFF_MAX,)
            ).fetchall()
        return [StaffMember(str(r[0]), str(r[1])) for r in rows]

    def sign_in(self, staff_id: str, pin: str) -> tuple[SignIn, StaffMember | None]:
        """Check a PIN. Wrong PINs are counted; past `max_failures` the member is locked."""
        with self.db.read() as conn:
            row = conn.execute(
                "SELECT name, pin_hash, salt, failures, locked_until FROM staff WHERE id = ?",
                (staff_id[:32],),
            ).fetchone()
        now = self.clock()
        if row is None:
            _hash(pin[:8], b"\0" * 16)  # as long as a real check: the time tells nothing
            return SignIn.WRONG_PIN, None
        name, pin_hash, salt, failures, locked_until = row
        if locked_until > now:
            return SignIn.LOCKED, None
        if PIN.fullmatch(pin) and hmac.compare_digest(_hash(pin, bytes.fromhex(salt)), pin_hash):
            self._set_failures(staff_id, 0, 0)
            return SignIn.OK, StaffMember(staff_id, str(name))
        failures += 1
        locked = failures >= self.max_failures
        self._set_failures(staff_id, 0 if locked else failures,
                           now + self.lockout_s if locked else 0)  # fmt: skip
        return (SignIn.LOCKED if locked else SignIn.WRONG_PIN), None

    def _set_failures(self, staff_id: str, failures: int, locked_until: int) -> None:
        with self.db.write(fsync=False) as conn:
            conn.execute("UPDATE staff SET failures = ?, locked_until = ? WHERE id = ?",
                         (failures, locked_until, staff_id))  # fmt: skip
