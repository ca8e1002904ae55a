"""Value-file commands of the emulated DESFire card and its transaction (backup) semantics.

Credit / Debit / LimitedCredit change only a pending copy; CommitTransaction makes all pending
changes of the application durable at once, AbortTransaction, SelectApplication, a new
authentication, any error and a tear discard them. GetValue reports the committed value.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from reader_agent.cards.desfire_protocol import FREE_ACCESS, CommMode, Status
from reader_agent.emulate.desfire_card_sm import CardSession, CardStatus
from reader_agent.emulate.desfire_state import DesfireCardState, ValueFile

MAX_KEY_NO = 13


@dataclass
class PendingValue:
    value: int
    debited: int = 0
    credited: bool = False


class ValueFileCommands:
    """Mixed into EmulatedDesfire, which provides the attributes declared here."""

    state: DesfireCardState
    _aid: int
    _session: CardSession | None
    _pending: dict[int, PendingValue]
    _on_change: Callable[[DesfireCardState], None] | None

    def _open(self, cmd: int, params: bytes, mode: CommMode, header_len: int) -> bytes:
        raise NotImplementedError

    def _close(self, data: bytes, mode: CommMode) -> tuple[int, bytes]:
        raise NotImplementedError

    def _management_mode(self) -> CommMode:
        raise NotImplementedError

    def _request_mode(self, mode: CommMode) -> CommMode:
        raise NotImplementedError

    def _value_file(self, params: bytes) -> tuple[int, ValueFile]:
        if not params:
            raise CardStatus(Status.LENGTH_ERROR)
        app = self.state.applications.get(self._aid)
        file = app.files.get(params[0]) if app else None
        if file is None:
            raise CardStatus(Status.FILE_NOT_FOUND)
        return params[0], file

    def _access_mode(self, file: ValueFile, rights: tuple[str, ...]) -> CommMode:
        keys = [file.right(name) for name in rights]
        if self._session is not None and self._session.key_no in keys:
            return file.comm_mode
        if FREE_ACCESS in keys:
            return CommMode.PLAIN
        if self._session is None and any(k <= MAX_KEY_NO for k in keys):
            raise CardStatus(Status.AUTHENTICATION_ERROR)
        raise CardStatus(Status.PERMISSION_DENIED)

    def _amount(
        self, cmd: int, params: bytes, rights: tuple[str, ...]
    ) -> tuple[int, ValueFile, int, CommMode]:
        file_no, file = self._value_file(params)
        mode = self._access_mode(file, rights)
        plain = self._open(cmd, params, mode, 1)
        if len(plain) != 5:
            raise CardStatus(Status.LENGTH_ERROR)
        amount = int.from_bytes(plain[1:5], "little", signed=True)
        if amount < 0:
            raise CardStatus(Status.PARAMETER_ERROR)
        return file_no, file, amount, mode

    def _pending_of(self, file_no: int, file: ValueFile) -> PendingValue:
        return self._pending.setdefault(file_no, PendingValue(file.value))

    def cmd_get_value(self, params: bytes) -> tuple[int, bytes]:
        _, file = self._value_file(params)
        mode = self._access_mode(file, ("read", "write", "read_write"))
        if len(self._open(0x6C, params, self._request_mode(mode), 1)) != 1:
            raise CardStatus(Status.LENGTH_ERROR)
        return self._close(file.value.to_bytes(4, "little", signed=True), mode)

    def cmd_credit(self, params: bytes) -> tuple[int, bytes]:
        file_no, file, amount, mode = self._amount(0x0C, params, ("read_write",))
        pending = self._pending_of(file_no, file)
        if pending.value + amount > file.upper_limit:
            raise CardStatus(Status.BOUNDARY_ERROR)
        pending.value += amount
        pending.credited = True
        return self._close(b"", mode)

    def cmd_debit(self, params: bytes) -> tuple[int, bytes]:
        file_no, file, amount, mode = self._amount(0xDC, params, ("read", "write", "read_write"))
        pending = self._pending_of(file_no, file)
        if pending.value - amount < file.lower_limit:
            raise CardStatus(Status.BOUNDARY_ERROR)
        pending.value -= amount
        pending.debited += amount
        return self._close(b"", mode)

    def cmd_limited_credit(self, params: bytes) -> tuple[int, bytes]:
        file_no, file, amount, mode = self._amount(0x1C, params, ("write", "read_write"))
        if not file.limited_credit_enabled:
            raise CardStatus(Status.PERMISSION_DENIED)
        pending = self._pending_of(file_no, file)
        if amount > file.limited_credit_value or pending.value + amount > file.upper_limit:
            raise CardStatus(Status.BOUNDARY_ERROR)
        pending.value += amount
        pending.credited = True
        return self._close(b"", mode)

    def cmd_commit(self, params: bytes) -> tuple[int, bytes]:
        mode = self._management_mode()
        if self._open(0xC7, params, mode, 0):
            raise CardStatus(Status.LENGTH_ERROR)
        app = self.state.applications.get(self._aid)
        if app is not None and self._pending:
            for file_no, pending in self._pending.items():
                file = app.files[file_no]
                file.value = pending.value
                # LimitedCredit may give back what the last debiting transaction took, once.
                if pending.credited:
                    file.limited_credit_value = 0
                elif pending.debited:
                    file.limited_credit_value = pending.debited
            self._pending.clear()
            if self._on_change is not None:
                self._on_change(self.state)
        return self._close(b"", mode)

    def cmd_abort(self, params: bytes) -> tuple[int, bytes]:
        mode = self._management_mode()
        if self._open(0xA7, params, mode, 0):
            raise CardStatus(Status.LENGTH_ERROR)
        self._pending.clear()
        return self._close(b"", mode)
