"""DESFire EV1/EV2 client over ISO 7816-4 wrapped frames, with AES secure messaging.

The client talks through a `transmit(apdu) -> response` callable (a reader driver), so it runs
unchanged over PC/SC, nfcpy or an in-process emulated card. Any error status drops the session,
as the card itself does.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from reader_agent.cards import crypto
from reader_agent.cards.desfire_auth import (
    RandomSource,
    authenticate_ev1,
    authenticate_ev2_first,
    authenticate_legacy,
)
from reader_agent.cards.desfire_protocol import (
    AES_KEY_FLAG,
    FILE_TYPE_VALUE,
    Cmd,
    CommMode,
    DesfireError,
    DesfireProtocolError,
    Status,
    check_int32,
    iso_unwrap_response,
    iso_wrap,
)
from reader_agent.cards.desfire_sm import (
    Ev1Channel,
    Ev2Channel,
    LegacyChannel,
    PlainChannel,
    SecureChannel,
)

Transmit = Callable[[bytes], bytes]
MAX_RESPONSE_FRAMES = 16  # GetVersion needs 3; anything longer is a broken card
EV2_HW_MAJOR = 0x12


@dataclass(frozen=True)
class DesfireVersion:
    hw_major: int
    sw_major: int
    storage_size_code: int
    uid: bytes
    batch: bytes
    production_week: int
    production_year: int

    @property
    def supports_ev2(self) -> bool:
        """EV2 (0x12) and later (EV3 0x33) accept AuthenticateEV2First."""
        return self.hw_major >= EV2_HW_MAJOR

    @classmethod
    def parse(cls, data: bytes) -> DesfireVersion:
        if len(data) < 28:
            raise DesfireProtocolError(f"GetVersion answer too short ({len(data)} bytes)")
        return cls(
            hw_major=data[3],
            sw_major=data[10],
            storage_size_code=data[5],
            uid=data[14:21],
            batch=data[21:26],
            production_week=data[26],
            production_year=data[27],
        )


class DesfireClient:
    def __init__(self, transmit: Transmit, random: RandomSource = os.urandom) -> None:
        self._transmit = transmit
        self._random = random
        self._channel: SecureChannel = PlainChannel()
        self.authenticated_key: int | None = None
        self.selected_aid = 0

    # --- framing -----------------------------------------------------------------------------
    def exchange_frame(self, cmd: int, params: bytes) -> tuple[int, bytes]:
        """One ISO-wrapped frame: (status, data)."""
        return iso_unwrap_response(self._transmit(iso_wrap(cmd, params)))

    def _exchange(self, cmd: int, params: bytes) -> tuple[int, bytes]:
        status, data = self.exchange_frame(cmd, params)
        chunks = [data]
        while status == Status.ADDITIONAL_FRAME:
            if len(chunks) >= MAX_RESPONSE_FRAMES:
                raise DesfireProtocolError("too many response frames")
            status, data = self.exchange_frame(Cmd.ADDITIONAL_FRAME, b"")
            chunks.append(data)
        return status, b"".join(chunks)

    def _command(
        self, cmd: Cmd, header: bytes = b"", data: bytes = b"", mode: CommMode = CommMode.PLAIN
    ) -> bytes:
        params = self._channel.wrap(cmd, header, data, mode)
        status, answer = self._exchange(cmd, params)
        if status not in (Status.OK, Status.NO_CHANGES):
            self.drop_session()
            raise DesfireError(cmd, status)
        try:
            return self._channel.unwrap(status, answer, mode)
        except DesfireProtocolError:
            self.drop_session()
            raise

    def drop_session(self) -> None:
        self._channel = PlainChannel()
        self.authenticated_key = None

    @property
    def is_ev2_session(self) -> bool:
        return isinstance(self._channel, Ev2Channel)

    def _management_mode(self) -> CommMode:
        """EV2 MACs management commands; EV1 sends them plain (the CMAC still chains)."""
        return CommMode.MAC if self.is_ev2_session else CommMode.PLAIN

    # --- authentication ----------------------------------------------------------------------
    def authenticate(self, key_no: int, key: bytes, ev2: bool) -> None:
        self._handshake(authenticate_ev2_first if ev2 else authenticate_ev1, key_no, key)

    def authenticate_legacy(self, key_no: int, key: bytes) -> None:
        """Native DES/2K3DES authentication (0A): a factory-fresh PICC master key."""
        self._handshake(authenticate_legacy, key_no, key)

    def _handshake(
        self, handshake: Callable[..., SecureChannel], key_no: int, key: bytes
    ) -> None:
        self.drop_session()
        try:
            self._channel = handshake(self.exchange_frame, key_no, key, self._random)
        except (DesfireError, DesfireProtocolError):
            self.drop_session()
            raise
        self.authenticated_key = key_no

    # --- PICC and application level ----------------------------------------------------------
    def select_application(self, aid: int) -> None:
        self.drop_session()
        self._command(Cmd.SELECT_APPLICATION, aid_bytes(aid))
        self.selected_aid = aid

    def get_version(self) -> DesfireVersion:
        return DesfireVersion.parse(self._command(Cmd.GET_VERSION, mode=self._management_mode()))

    def get_application_key_settings(self) -> tuple[int, int]:
        """(KeySettings, NumberOfKeys byte) of the selected application."""
        answer = self._command(Cmd.GET_KEY_SETTINGS, mode=self._management_mode())
        if len(answer) != 2:
            raise DesfireProtocolError("GetKeySettings answer must be 2 bytes")
        return answer[0], answer[1]

    def create_application(self, aid: int, key_settings: int, number_of_keys: int) -> None:
        if not 1 <= number_of_keys <= 14:
            raise ValueError("an application has 1 to 14 keys")
        params = aid_bytes(aid) + bytes([key_settings, AES_KEY_FLAG | number_of_keys])
        self._command(Cmd.CREATE_APPLICATION, params, mode=self._management_mode())

    def get_file_ids(self) -> bytes:
        return self._command(Cmd.GET_FILE_IDS, mode=self._management_mode())

    # --- discovery ---------------------------------------------------------------------------
    def get_application_ids(self) -> list[int]:
        """AIDs on the card (PICC level), as integers."""
        answer = self._command(Cmd.GET_APPLICATION_IDS, mode=self._management_mode())
        if len(answer) % 3:
            raise DesfireProtocolError("GetApplicationIDs answer is not whole 3-byte AIDs")
        return [int.from_bytes(answer[i : i + 3], "little") for i in range(0, len(answer), 3)]

    def get_key_version(self, key_no: int) -> int:
        if not 0 <= key_no <= 13:
            raise ValueError("a key number is 0-13")
        answer = self._command(Cmd.GET_KEY_VERSION, bytes([key_no]), mode=self._management_mode())
        if len(answer) != 1:
            raise DesfireProtocolError("GetKeyVersion answer must be 1 byte")
        return answer[0]

    def get_value_file_settings(self, file_no: int) -> ValueFileSettings:
        """GetFileSettings (F5) of a value file."""
        if not 0 <= file_no <= 31:
            raise ValueError("a file number is 0-31")
        data = self._command(Cmd.GET_FILE_SETTINGS, bytes([file_no]), mode=self._management_mode())
        if len(data) != 17 or data[0] != FILE_TYPE_VALUE:
            raise DesfireProtocolError(f"file {file_no} is not a value file ({data.hex()})")
        lower, upper, limited = (
            int.from_bytes(data[i : i + 4], "little", signed=True) for i in (4, 8, 12)
        )
        try:
            comm = CommMode(data[1] & 0x03)
        except ValueError as exc:
            raise DesfireProtocolError(f"unknown communication mode {data[1]:02X}") from exc
        return ValueFileSettings(file_no, comm, data[2:4], lower, upper, limited, data[16] == 1)

    def create_value_file(self, spec: ValueFileSpec) -> None:
        self._command(Cmd.CREATE_VALUE_FILE, spec.encode(), mode=self._management_mode())

    def change_key(self, key_no: int, new_key: bytes, old_key: bytes, version: int) -> None:
        """ChangeKey (C4) to an AES key, always enciphered. Changing the session's own key ends
        the session. On the PICC level KeyNo carries the new key's type in bits 7-6 (80 = AES),
        the only way a PICC master key changes type (libfreefare mifare_desfire_change_key)."""
        if self.authenticated_key is None:
            raise DesfireProtocolError("ChangeKey needs an authenticated session")
        if not 0 <= version <= 0xFF or len(new_key) != 16 or len(old_key) != 16:
            raise ValueError("AES keys are 16 bytes and a key version is one byte")
        same = key_no == self.authenticated_key
        key_data = new_key if same else crypto.xor(new_key, old_key)
        header = bytes([key_no | (AES_KEY_FLAG if self.selected_aid == 0 else 0)])
        new_key_crc = b"" if same else crypto.crc32_desfire(new_key)
        channel = self._channel
        if isinstance(channel, LegacyChannel):
            # data || CRC16(data) [|| CRC16(new key)], send-mode enciphered (AS_LEGACY)
            plain = key_data + bytes([version])
            tail = b"" if same else crypto.crc16_iso14443a(new_key)
            params = header + channel.encipher_raw(plain + crypto.crc16_iso14443a(plain) + tail)
        elif isinstance(channel, Ev2Channel):
            plain = key_data + bytes([version]) + new_key_crc
            params = channel.wrap(Cmd.CHANGE_KEY, header, plain, CommMode.FULL)
        elif isinstance(channel, Ev1Channel):
            plain = key_data + bytes([version])
            command_crc = crypto.crc32_desfire(bytes([Cmd.CHANGE_KEY]) + header + plain)
            params = header + channel.encrypt_raw(plain + command_crc + new_key_crc)
        else:
            raise DesfireProtocolError("ChangeKey needs an AES session")
        status, answer = self._exchange(Cmd.CHANGE_KEY, params)
        if status != Status.OK or same or isinstance(channel, LegacyChannel):
            self.drop_session()
            if status != Status.OK:
                raise DesfireError(Cmd.CHANGE_KEY, status)
            return
        channel.unwrap(status, answer, CommMode.MAC)

    # --- value files -------------------------------------------------------------------------
    def get_value(self, file_no: int, mode: CommMode) -> int:
        answer = self._command(Cmd.GET_VALUE, bytes([file_no]), mode=mode)
        if len(answer) != 4:
            raise DesfireProtocolError("GetValue answer must be 4 bytes")
        return int.from_bytes(answer, "little", signed=True)

    def credit(self, file_no: int, amount: int, mode: CommMode) -> None:
        self._value_command(Cmd.CREDIT, file_no, amount, mode)

    def debit(self, file_no: int, amount: int, mode: CommMode) -> None:
        self._value_command(Cmd.DEBIT, file_no, amount, mode)

    def limited_credit(self, file_no: int, amount: int, mode: CommMode) -> None:
        self._value_command(Cmd.LIMITED_CREDIT, file_no, amount, mode)

    def _value_command(self, cmd: Cmd, file_no: int, amount: int, mode: CommMode) -> None:
        check_int32(amount, "amount")
        if amount < 0:
            raise ValueError("Credit/Debit amounts are positive; the command gives the sign")
        self._command(cmd, bytes([file_no]), amount.to_bytes(4, "little", signed=True), mode)

    def commit_transaction(self) -> None:
        self._command(Cmd.COMMIT_TRANSACTION, mode=self._management_mode())

    def abort_transaction(self) -> None:
        self._command(Cmd.ABORT_TRANSACTION, mode=self._management_mode())


@dataclass(frozen=True)
class ValueFileSpec:
    file_no: int
    comm_mode: CommMode
    access: bytes  # 2 bytes, see desfire_protocol.access_rights
    lower_limit: int
    upper_limit: int
    value: int
    limited_credit: bool

    def __post_init__(self) -> None:
        for name in ("lower_limit", "upper_limit", "value"):
            check_int32(getattr(self, name), name)
        if not self.lower_limit <= self.value <= self.upper_limit:
            raise ValueError("value file: need lower_limit <= value <= upper_limit")
        if len(self.access) != 2 or not 0 <= self.file_no <= 31:
            raise ValueError("value file: file number 0-31 and 2 access-right bytes")

    def encode(self) -> bytes:
        def le(value: int) -> bytes:
            return value.to_bytes(4, "little", signed=True)

        return (
            bytes([self.file_no, self.comm_mode])
            + self.access
            + le(self.lower_limit)
            + le(self.upper_limit)
            + le(self.value)
            + bytes([1 if self.limited_credit else 0])
        )


@dataclass(frozen=True)
class ValueFileSettings:
    """A value file as GetFileSettings reports it."""

    file_no: int
    comm_mode: CommMode
    access: bytes
    lower_limit: int
    upper_limit: int
    limited_credit_value: int
    limited_credit_enabled: bool


def aid_bytes(aid: int) -> bytes:
    if not 0 <= aid <= 0xFFFFFF:
        raise ValueError("an AID is 3 bytes")
    return aid.to_bytes(3, "little")


__all__ = [
    "DesfireClient",
    "DesfireVersion",
    "Ev1Channel",
    "ValueFileSettings",
    "ValueFileSpec",
    "aid_bytes",
]
