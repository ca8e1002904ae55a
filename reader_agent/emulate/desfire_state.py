"""Persistent state of an emulated DESFire card: applications, AES keys, value files.

Only committed state lives here; a transaction in progress is volatile, as on the real chip
(a tear or power loss discards it). The JSON form lets a card survive emulator restarts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reader_agent.cards.desfire_protocol import CommMode, check_int32
from reader_agent.files import write_json_atomically

HW_MAJOR_EV1 = 0x01
HW_MAJOR_EV2 = 0x12
DEFAULT_PICC_KEY_SETTINGS = 0x0F  # master key changeable, free listing, free create, configurable
MAX_APPLICATIONS = 28
MAX_FILES = 32


@dataclass
class KeySlot:
    key: bytes = bytes(16)
    version: int = 0
    aes: bool = True  # False: DES/2K3DES (16 bytes, K1 == K2 for DES), as on a factory PICC


def factory_picc_key() -> KeySlot:
    """What real DESFire EV1/EV2/EV3 ship with: a DES all-zero PICC master key, version 0."""
    return KeySlot(bytes(16), 0, aes=False)


@dataclass
class ValueFile:
    comm_mode: CommMode
    access: int  # 16 bits: Read | Write | ReadWrite | Change nibbles
    lower_limit: int
    upper_limit: int
    value: int
    limited_credit_enabled: bool
    limited_credit_value: int = 0

    def right(self, which: str) -> int:
        shift = {"read": 12, "write": 8, "read_write": 4, "change": 0}[which]
        return (self.access >> shift) & 0xF


@dataclass
class Application:
    key_settings: int
    keys: list[KeySlot]
    files: dict[int, ValueFile] = field(default_factory=dict)


@dataclass
class DesfireCardState:
    uid: bytes
    hw_major: int = HW_MAJOR_EV2
    picc_key: KeySlot = field(default_factory=factory_picc_key)
    picc_key_settings: int = DEFAULT_PICC_KEY_SETTINGS
    applications: dict[int, Application] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if len(self.uid) != 7:
            raise ValueError("a DESFire UID is 7 bytes")
        if self.hw_major not in (HW_MAJOR_EV1, HW_MAJOR_EV2):
            raise ValueError("hw_major must be 0x01 (EV1) or 0x12 (EV2)")

    def to_json(self) -> dict[str, Any]:
        return {
            "uid": self.uid.hex(),
            "hw_major": self.hw_major,
            "picc_key": _key_to_json(self.picc_key),
            "picc_key_settings": self.picc_key_settings,
            "applications": {
                f"{aid:06X}": _app_to_json(app) for aid, app in self.applications.items()
            },
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DesfireCardState:
        return cls(
            uid=bytes.fromhex(data["uid"]),
            hw_major=int(data["hw_major"]),
            picc_key=_key_from_json(data["picc_key"]),
            picc_key_settings=int(data["picc_key_settings"]),
            applications={
                int(aid, 16): _app_from_json(app) for aid, app in data["applications"].items()
            },
        )


def _key_to_json(slot: KeySlot) -> dict[str, Any]:
    return {"key": slot.key.hex(), "version": slot.version, "type": "aes" if slot.aes else "des"}


def _key_from_json(data: dict[str, Any]) -> KeySlot:
    key = bytes.fromhex(data["key"])
    if len(key) != 16:
        raise ValueError("AES and 2K3DES keys are 16 bytes")
    kind = data.get("type", "aes")  # files written before DES keys existed hold AES keys
    if kind not in ("aes", "des"):
        raise ValueError(f"unknown key type {kind!r}")
    version = int(data["version"])
    if not 0 <= version <= 0xFF:
        raise ValueError("a key version is one byte")
    return KeySlot(key, version, aes=kind == "aes")


def _app_to_json(app: Application) -> dict[str, Any]:
    files = {
        str(no): {
            "comm_mode": int(f.comm_mode),
            "access": f.access,
            "lower_limit": f.lower_limit,
            "upper_limit": f.upper_limit,
            "value": f.value,
            "limited_credit_enabled": f.limited_credit_enabled,
            "limited_credit_value": f.limited_credit_value,
        }
        for no, f in app.files.items()
    }
    return {
        "key_settings": app.key_settings,
        "keys": [_key_to_json(k) for k in app.keys],
        "files": files,
    }


def _app_from_json(data: dict[str, Any]) -> Application:
    files = {}
    for no, f in data["files"].items():
        files[int(no)] = ValueFile(
            comm_mode=CommMode(int(f["comm_mode"])),
            access=int(f["access"]),
            lower_limit=check_int32(int(f["lower_limit"]), "lower_limit"),
            upper_limit=check_int32(int(f["upper_limit"]), "upper_limit"),
            value=check_int32(int(f["value"]), "value"),
            limited_credit_enabled=bool(f["limited_credit_enabled"]),
            limited_credit_value=int(f["limited_credit_value"]),
        )
    keys = [_key_from_json(k) for k in data["keys"]]
    return Application(int(data["key_settings"]), keys, files)


def save_state(path: Path, state: DesfireCardState) -> None:
    """Write atomically (temp file + fsync + rename): a crash never leaves half a card."""
    write_json_atomically(path, state.to_json())


def load_state(path: Path) -> DesfireCardState:
    return DesfireCardState.from_json(json.loads(path.read_text(encoding="utf-8")))
