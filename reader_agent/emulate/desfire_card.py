"""An emulated MIFARE DESFire EV1/EV2 card with AES keys and value files.

It follows the real command set closely enough for an independent DESFire client: ISO 7816-4
wrapped and native framing, AES authentication (EV1 AA, EV2First 71), CMAC / EV2 secure
messaging, value-file transactions, the discovery commands (GetApplicationIDs, GetKeyVersion,
GetFileIDs, GetFileSettings, GetKeySettings) and the usual status codes. A blank card is in the
factory state: DES all-zero PICC master key, answered with native authentication (0A) only until
ChangeKey makes it AES. Deliberate limits: applications have AES keys only, value files only,
no ISO file identifiers, no ISO (1A) authentication, no EV2NonFirst, no enciphered EV1 answers
with data, no legacy (DES) MACed files.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable

from reader_agent.cards import crypto
from reader_agent.cards.desfire_protocol import (
    AES_KEY_FLAG,
    FILE_TYPE_VALUE,
    MAX_FRAME_DATA,
    Cmd,
    CommMode,
    Status,
)
from reader_agent.emulate.card import CardTorn, TearPlan, uid_response
from reader_agent.emulate.desfire_card_sm import (
    CardSession,
    CardStatus,
    Ev2CardSession,
    PendingHandshake,
    finish_handshake,
    start_handshake,
)
from reader_agent.emulate.desfire_keys import change_key
from reader_agent.emulate.desfire_legacy import (
    PendingLegacyHandshake,
    finish_legacy_handshake,
    start_legacy_handshake,
)
from reader_agent.emulate.desfire_state import (
    HW_MAJOR_EV2,
    MAX_APPLICATIONS,
    MAX_FILES,
    Application,
    DesfireCardState,
    KeySlot,
    ValueFile,
)
from reader_agent.emulate.desfire_values import PendingValue, ValueFileCommands

ATR = bytes.fromhex("3B8180018080")  # what PC/SC readers report for a DESFire
Handler = Callable[[bytes], tuple[int, bytes]]
SW_WRONG_LENGTH = b"\x67\x00"
SW_CLA_NOT_SUPPORTED = b"\x6e\x00"
SW_FILE_NOT_FOUND = b"\x6a\x82"


class EmulatedDesfire(ValueFileCommands):
    def __init__(
        self,
        state: DesfireCardState,
        random: Callable[[int], bytes] = os.urandom,
        on_change: Callable[[DesfireCardState], None] | None = None,
    ) -> None:
        self.state = state
        self.tear = TearPlan()
        self._random = random
        self._on_change = on_change
        self._lock = threading.Lock()
        self._handlers: dict[int, Handler] = {
            Cmd.SELECT_APPLICATION: self.cmd_select_application,
            Cmd.AUTHENTICATE_LEGACY: self.cmd_authenticate_legacy,
            Cmd.AUTHENTICATE_AES: lambda p: self.cmd_authenticate(p, ev2=False),
            Cmd.AUTHENTICATE_EV2_FIRST: lambda p: self.cmd_authenticate(p, ev2=True),
            Cmd.GET_VERSION: self.cmd_get_version,
            Cmd.GET_KEY_SETTINGS: self.cmd_get_key_settings,
            Cmd.CREATE_APPLICATION: self.cmd_create_application,
            Cmd.GET_FILE_IDS: self.cmd_get_file_ids,
            Cmd.GET_APPLICATION_IDS: self.cmd_get_application_ids,
            Cmd.GET_KEY_VERSION: self.cmd_get_key_version,
            Cmd.GET_FILE_SETTINGS: self.cmd_get_file_settings,
            Cmd.CREATE_VALUE_FILE: self.cmd_create_value_file,
            Cmd.CHANGE_KEY: self.cmd_change_key,
            Cmd.GET_VALUE: self.cmd_get_value,
            Cmd.CREDIT: self.cmd_credit,
            Cmd.DEBIT: self.cmd_debit,
            Cmd.LIMITED_CREDIT: self.cmd_limited_credit,
            Cmd.COMMIT_TRANSACTION: self.cmd_commit,
            Cmd.ABORT_TRANSACTION: self.cmd_abort,
        }
        self._reset_volatile()

    @property
    def uid(self) -> bytes:
        return self.state.uid

    @property
    def atr(self) -> bytes:
        return ATR

    def _reset_volatile(self) -> None:
        self._aid = 0
        self._session: CardSession | None = None
        self._handshake: PendingHandshake | PendingLegacyHandshake | None = None
        self._pending: dict[int, PendingValue] = {}
        self._out_frames: list[bytes] = []

    def power_off(self) -> None:
        with self._lock:
            self._reset_volatile()

    # --- framing -----------------------------------------------------------------------------
    def process(self, apdu: bytes) -> bytes:
        with self._lock:
            pseudo = uid_response(apdu, self.state.uid)
            if pseudo is not None:
                return pseudo
            if not apdu:
                return SW_WRONG_LENGTH
            if apdu[0] == 0x90:
                parsed = _parse_iso_wrapped(apdu)
                if parsed is None:
                    return SW_WRONG_LENGTH
                status, data = self._run(*parsed)
                return data + bytes([0x91, status])
            if apdu[0] in (0x00, 0xFF):
                # ISO SELECT of an NDEF / other application: a DESFire purse has none
                return SW_FILE_NOT_FOUND if apdu[1:2] == b"\xa4" else SW_CLA_NOT_SUPPORTED
            status, data = self._run(apdu[0], apdu[1:])
            return bytes([status]) + data

    def _run(self, cmd: int, params: bytes) -> tuple[int, bytes]:
        point = self.tear.check(cmd)
        if point is not None and not point.after:
            self._reset_volatile()
            raise CardTorn(f"torn before command {cmd:02X}")
        result = self._execute(cmd, params)
        if point is not None:
            self._reset_volatile()
            raise CardTorn(f"torn after command {cmd:02X}")
        return result

    def _execute(self, cmd: int, params: bytes) -> tuple[int, bytes]:
        try:
            if cmd == Cmd.ADDITIONAL_FRAME:
                return self._continue(params)
            self._handshake = None
            self._out_frames = []
            handler = self._handlers.get(cmd)
            if handler is None:
                raise CardStatus(Status.ILLEGAL_COMMAND)
            return handler(params)
        except CardStatus as failure:
            # The chip drops its session and any open transaction on an error.
            self._session = None
            self._handshake = None
            self._pending.clear()
            return failure.status, b""

    def _continue(self, params: bytes) -> tuple[int, bytes]:
        if self._handshake is not None:
            pending, self._handshake = self._handshake, None
            if isinstance(pending, PendingLegacyHandshake):
                self._session, answer = finish_legacy_handshake(pending, params, self._random)
            else:
                self._session, answer = finish_handshake(pending, params, self._random)
            return Status.OK, answer
        if self._out_frames:
            frame = self._out_frames.pop(0)
            return (Status.ADDITIONAL_FRAME if self._out_frames else Status.OK), frame
        raise CardStatus(Status.ILLEGAL_COMMAND)

    # --- secure messaging helpers ------------------------------------------------------------
    def _management_mode(self) -> CommMode:
        return CommMode.MAC if isinstance(self._session, Ev2CardSession) else CommMode.PLAIN

    def _request_mode(self, mode: CommMode) -> CommMode:
        """How a command *without data* (GetValue, GetFileSettings..) travels in a file's mode.

        EV1 MACs or enciphers only command data: such a command goes plain (its CMAC still
        chains the IV) and only the answer is secured, so GetValue with a MAC appended is a
        length error on a real EV1 card. EV2 MACs every command of a MACed or enciphered file.
        """
        return mode if isinstance(self._session, Ev2CardSession) else CommMode.PLAIN

    def _open(self, cmd: int, params: bytes, mode: CommMode, header_len: int) -> bytes:
        if self._session is None:
            return params
        return self._session.open_command(cmd, params, mode, header_len)

    def _close(self, data: bytes, mode: CommMode) -> tuple[int, bytes]:
        if self._session is not None:
            data = self._session.close_response(data, mode)
        return Status.OK, data

    def _keys(self) -> list[KeySlot]:
        if self._aid == 0:
            return [self.state.picc_key]
        return self.state.applications[self._aid].keys

    def _app(self) -> Application:
        app = self.state.applications.get(self._aid)
        if app is None:
            raise CardStatus(Status.PERMISSION_DENIED)
        return app

    def _changed(self) -> None:
        if self._on_change is not None:
            self._on_change(self.state)

    # --- commands ------------------------------------------------------------------------------
    def cmd_select_application(self, params: bytes) -> tuple[int, bytes]:
        if len(params) != 3:
            raise CardStatus(Status.LENGTH_ERROR)
        aid = int.from_bytes(params, "little")
        if aid != 0 and aid not in self.state.applications:
            raise CardStatus(Status.APPLICATION_NOT_FOUND)
        self._reset_volatile()
        self._aid = aid
        return Status.OK, b""

    def cmd_authenticate(self, params: bytes, ev2: bool) -> tuple[int, bytes]:
        self._session = None
        self._pending.clear()
        if ev2 and self.state.hw_major < HW_MAJOR_EV2:
            raise CardStatus(Status.ILLEGAL_COMMAND)
        if len(params) != (2 + params[1] if ev2 and len(params) >= 2 else 1):
            raise CardStatus(Status.LENGTH_ERROR)
        slot = self._key_slot(params[0])
        if not slot.aes:
            raise CardStatus(Status.AUTHENTICATION_ERROR)  # a DES key answers only 0A
        key_no = params[0] & 0x0F
        self._handshake, enc_rnd_b = start_handshake(ev2, key_no, slot.key, self._random)
        return Status.ADDITIONAL_FRAME, enc_rnd_b

    def cmd_authenticate_legacy(self, params: bytes) -> tuple[int, bytes]:
        self._session = None
        self._pending.clear()
        if len(params) != 1:
            raise CardStatus(Status.LENGTH_ERROR)
        slot = self._key_slot(params[0])
        if slot.aes:
            raise CardStatus(Status.AUTHENTICATION_ERROR)  # AES keys answer only AA / 71
        self._handshake, enc_rnd_b = start_legacy_handshake(
            params[0] & 0x0F, slot.key, self._random
        )
        return Status.ADDITIONAL_FRAME, enc_rnd_b

    def _key_slot(self, key_byte: int) -> KeySlot:
        key_no = key_byte & 0x0F if self._aid == 0 else key_byte
        keys = self._keys()
        if key_no >= len(keys):
            raise CardStatus(Status.NO_SUCH_KEY)
        return keys[key_no]

    def cmd_get_version(self, params: bytes) -> tuple[int, bytes]:
        mode = self._management_mode()
        if self._open(Cmd.GET_VERSION, params, mode, 0):
            raise CardStatus(Status.LENGTH_ERROR)
        part = bytes([0x04, 0x01, 0x01, self.state.hw_major, 0x00, 0x18, 0x05])
        tail = self.state.uid + bytes.fromhex("BA7C4E0001") + bytes([0x14, 0x24])
        _, answer = self._close(part + part + tail, mode)
        self._out_frames = [answer[7:14], answer[14:]]
        return Status.ADDITIONAL_FRAME, answer[:7]

    def cmd_get_key_settings(self, params: bytes) -> tuple[int, bytes]:
        mode = self._management_mode()
        if self._open(Cmd.GET_KEY_SETTINGS, params, mode, 0):
            raise CardStatus(Status.LENGTH_ERROR)
        settings = self.state.picc_key_settings if self._aid == 0 else self._app().key_settings
        # Second byte: key type in bits 7-6 (00 DES/2K3DES, 80 AES), number of keys below
        key_type = AES_KEY_FLAG if self._keys()[0].aes else 0x00
        return self._close(bytes([settings, key_type | len(self._keys())]), mode)

    def cmd_get_key_version(self, params: bytes) -> tuple[int, bytes]:
        mode = self._management_mode()
        plain = self._open(Cmd.GET_KEY_VERSION, params, mode, 1)
        if len(plain) != 1:
            raise CardStatus(Status.LENGTH_ERROR)
        return self._close(bytes([self._key_slot(plain[0]).version]), mode)

    def _may_list(self, settings: int) -> bool:
        """Free directory listing (bit 1), or a session with the level's master key."""
        return bool(settings & 0x02) or (self._session is not None and self._session.key_no == 0)

    def cmd_get_application_ids(self, params: bytes) -> tuple[int, bytes]:
        mode = self._management_mode()
        if self._open(Cmd.GET_APPLICATION_IDS, params, mode, 0):
            raise CardStatus(Status.LENGTH_ERROR)
        if self._aid != 0:
            raise CardStatus(Status.PERMISSION_DENIED)  # a PICC-level command
        if not self._may_list(self.state.picc_key_settings):
            raise CardStatus(Status.AUTHENTICATION_ERROR)
        aids = b"".join(aid.to_bytes(3, "little") for aid in sorted(self.state.applications))
        _, answer = self._close(aids, mode)
        # More than 19 AIDs (+ MAC) do not fit one frame: AF, then the rest on request.
        frames = [answer[i : i + MAX_FRAME_DATA] for i in range(0, len(answer), MAX_FRAME_DATA)]
        if len(frames) <= 1:
            return Status.OK, answer
        self._out_frames = frames[1:]
        return Status.ADDITIONAL_FRAME, frames[0]

    def cmd_get_file_settings(self, params: bytes) -> tuple[int, bytes]:
        mode = self._management_mode()
        plain = self._open(Cmd.GET_FILE_SETTINGS, params, mode, 1)
        if len(plain) != 1:
            raise CardStatus(Status.LENGTH_ERROR)
        app = self._app()
        if not self._may_list(app.key_settings):
            raise CardStatus(Status.AUTHENTICATION_ERROR)
        file = app.files.get(plain[0])
        if file is None:
            raise CardStatus(Status.FILE_NOT_FOUND)

        def le(value: int) -> bytes:
            return value.to_bytes(4, "little", signed=True)

        answer = (
            bytes([FILE_TYPE_VALUE, file.comm_mode])
            + file.access.to_bytes(2, "little")
            + le(file.lower_limit)
            + le(file.upper_limit)
            + le(file.limited_credit_value)
            + bytes([1 if file.limited_credit_enabled else 0])
        )
        return self._close(answer, mode)

    def _may_create(self, settings: int) -> bool:
        """Free create/delete (bit 2), or a session with the level's master key."""
        return bool(settings & 0x04) or (self._session is not None and self._session.key_no == 0)

    def cmd_create_application(self, params: bytes) -> tuple[int, bytes]:
        mode = self._management_mode()
        plain = self._open(Cmd.CREATE_APPLICATION, params, mode, 0)
        if self._aid != 0 or not self._may_create(self.state.picc_key_settings):
            raise CardStatus(Status.PERMISSION_DENIED)
        if len(plain) != 5:
            raise CardStatus(Status.LENGTH_ERROR)
        aid, settings, key_byte = int.from_bytes(plain[:3], "little"), plain[3], plain[4]
        count = key_byte & 0x0F
        if aid == 0 or key_byte & 0xC0 != AES_KEY_FLAG or not 1 <= count <= 14:
            raise CardStatus(Status.PARAMETER_ERROR)
        if aid in self.state.applications:
            raise CardStatus(Status.DUPLICATE_ERROR)
        if len(self.state.applications) >= MAX_APPLICATIONS:
            raise CardStatus(Status.OUT_OF_EEPROM)
        self.state.applications[aid] = Application(settings, [KeySlot() for _ in range(count)])
        self._changed()
        return self._close(b"", mode)

    def cmd_get_file_ids(self, params: bytes) -> tuple[int, bytes]:
        mode = self._management_mode()
        if self._open(Cmd.GET_FILE_IDS, params, mode, 0):
            raise CardStatus(Status.LENGTH_ERROR)
        app = self._app()
        if not self._may_list(app.key_settings):
            raise CardStatus(Status.AUTHENTICATION_ERROR)
        return self._close(bytes(sorted(app.files)), mode)

    def cmd_create_value_file(self, params: bytes) -> tuple[int, bytes]:
        mode = self._management_mode()
        plain = self._open(Cmd.CREATE_VALUE_FILE, params, mode, 0)
        app = self._app()
        if not self._may_create(app.key_settings):
            raise CardStatus(Status.PERMISSION_DENIED)
        if len(plain) != 17:
            raise CardStatus(Status.LENGTH_ERROR)
        file_no, comm = plain[0], plain[1]
        lower, upper, value = (
            int.from_bytes(plain[i : i + 4], "little", signed=True) for i in (4, 8, 12)
        )
        valid_comm = comm in {m.value for m in CommMode}
        if file_no >= MAX_FILES or not valid_comm or not lower <= value <= upper or plain[16] > 1:
            raise CardStatus(Status.PARAMETER_ERROR)
        if file_no in app.files:
            raise CardStatus(Status.DUPLICATE_ERROR)
        access = int.from_bytes(plain[2:4], "little")
        app.files[file_no] = ValueFile(CommMode(comm), access, lower, upper, value, plain[16] == 1)
        self._changed()
        return self._close(b"", mode)

    def cmd_change_key(self, params: bytes) -> tuple[int, bytes]:
        if self._session is None:
            raise CardStatus(Status.AUTHENTICATION_ERROR)
        session = self._session
        plain = session.open_command(Cmd.CHANGE_KEY, params, CommMode.FULL, 1)
        key_no = plain[0] & 0x0F if self._aid == 0 else plain[0]
        settings = self.state.picc_key_settings if self._aid == 0 else self._app().key_settings
        keys = self._keys()
        change_key(session, keys, settings, key_no, plain, at_picc=self._aid == 0)
        if self._aid == 0:
            self.state.picc_key = keys[0]  # _keys() lists the PICC key in a fresh list
        self._changed()
        if key_no == session.key_no:
            self._session = None  # the session key is gone: answer plain, no MAC
            return Status.OK, b""
        return self._close(b"", CommMode.MAC)


def _parse_iso_wrapped(apdu: bytes) -> tuple[int, bytes] | None:
    """`90 cmd 00 00 [Lc data] Le` -> (cmd, data); None when the lengths do not add up."""
    if len(apdu) < 5 or apdu[2:4] != b"\x00\x00":
        return None
    if len(apdu) == 5:
        return apdu[1], b""
    lc = apdu[4]
    if len(apdu) not in (5 + lc, 6 + lc) or lc == 0:
        return None
    return apdu[1], apdu[5 : 5 + lc]


__all__ = ["ATR", "CardTorn", "EmulatedDesfire", "crypto"]
