"""DESFire command codes, status codes, communication modes and ISO 7816-4 wrapping."""

from __future__ import annotations

from enum import IntEnum


class Cmd(IntEnum):
    AUTHENTICATE_LEGACY = 0x0A  # native DES/2K3DES: a factory-fresh PICC master key
    AUTHENTICATE_AES = 0xAA
    AUTHENTICATE_EV2_FIRST = 0x71
    AUTHENTICATE_EV2_NON_FIRST = 0x77
    ADDITIONAL_FRAME = 0xAF
    SELECT_APPLICATION = 0x5A
    GET_VERSION = 0x60
    GET_CARD_UID = 0x51
    GET_KEY_SETTINGS = 0x45
    GET_KEY_VERSION = 0x64
    GET_APPLICATION_IDS = 0x6A
    GET_FILE_SETTINGS = 0xF5
    CHANGE_KEY = 0xC4
    CREATE_APPLICATION = 0xCA
    DELETE_APPLICATION = 0xDA
    CREATE_VALUE_FILE = 0xCC
    GET_FILE_IDS = 0x6F
    GET_VALUE = 0x6C
    CREDIT = 0x0C
    DEBIT = 0xDC
    LIMITED_CREDIT = 0x1C
    COMMIT_TRANSACTION = 0xC7
    ABORT_TRANSACTION = 0xA7


class Status(IntEnum):
    OK = 0x00
    NO_CHANGES = 0x0C
    OUT_OF_EEPROM = 0x0E
    ILLEGAL_COMMAND = 0x1C
    INTEGRITY_ERROR = 0x1E
    NO_SUCH_KEY = 0x40
    LENGTH_ERROR = 0x7E
    PERMISSION_DENIED = 0x9D
    PARAMETER_ERROR = 0x9E
    APPLICATION_NOT_FOUND = 0xA0
    AUTHENTICATION_ERROR = 0xAE
    ADDITIONAL_FRAME = 0xAF
    BOUNDARY_ERROR = 0xBE
    COMMAND_ABORTED = 0xCA
    DUPLICATE_ERROR = 0xDE
    FILE_NOT_FOUND = 0xF0


class CommMode(IntEnum):
    """File communication settings (byte CommSettings of CreateValueFile)."""

    PLAIN = 0x00
    MAC = 0x01
    FULL = 0x03


INT32_MIN = -(2**31)
INT32_MAX = 2**31 - 1
FREE_ACCESS = 0xE
NO_ACCESS = 0xF
FILE_TYPE_VALUE = 0x02  # GetFileSettings FileType of a value file (with backup)
AES_KEY_FLAG = 0x80  # NumberOfKeys byte of CreateApplication: bits 7-6 = 10 for AES keys
PICC_AID = b"\x00\x00\x00"
MAX_FRAME_DATA = 59  # DESFire frame payload in ISO-wrapped responses


class DesfireError(Exception):
    """The card answered a DESFire status other than OK / additional frame."""

    def __init__(self, command: int, status: int) -> None:
        self.command = command
        self.status = status
        try:
            name = Status(status).name
        except ValueError:
            name = "UNKNOWN"
        super().__init__(f"DESFire command {command:02X} failed: status {status:02X} ({name})")


class DesfireProtocolError(Exception):
    """The card's answer broke the protocol: bad MAC, bad framing, wrong length."""


def iso_wrap(cmd: int, params: bytes) -> bytes:
    """Native `cmd params` as an ISO 7816-4 APDU `90 cmd 00 00 [Lc params] 00`."""
    if len(params) > 255:
        raise ValueError("DESFire frame too long for a short APDU")
    body = bytes([len(params)]) + params if params else b""
    return bytes([0x90, cmd, 0x00, 0x00]) + body + b"\x00"


def iso_unwrap_response(response: bytes) -> tuple[int, bytes]:
    """`data 91 status` -> (status, data)."""
    if len(response) < 2 or response[-2] != 0x91:
        raise DesfireProtocolError(f"not a wrapped DESFire response: {response.hex()}")
    return response[-1], response[:-2]


def access_rights(read: int, write: int, read_write: int, change: int) -> bytes:
    """The 2-byte AccessRights field, little-endian: Read|Write|RW|Change nibbles high to low."""
    for nibble in (read, write, read_write, change):
        if not 0 <= nibble <= 0xF:
            raise ValueError("access right must be a key number 0-13, 14 (free) or 15 (never)")
    return ((read << 12) | (write << 8) | (read_write << 4) | change).to_bytes(2, "little")


def check_int32(value: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} must be an int (whole đồng), not {type(value).__name__}")
    if not INT32_MIN <= value <= INT32_MAX:
        raise ValueError(f"{what} {value} is outside the card's int32 range")
    return value
