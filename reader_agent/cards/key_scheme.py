"""The one card key scheme of the purse, used by personalisation, the agent and the emulator.

Every card key is AES-128, diversified per card with NXP AN10922 (keys/diversify.py):
    key = AN10922(master, M = 01 || UID(7) || AID(3, LSB first as sent) || SystemID)
from ONE MASTER PER (AID, KEY NUMBER), each a keystore label:
    PICC master key  (AID 000000, key 0)  label "purse-picc"
    purse app key 0  (application master) label "purse-app"
    purse app key 1  (debit: terminals)    label "purse-debit"
    purse app key 2  (credit: top-up)      label "purse-credit"
SystemID is b"cardsvc" unless configured otherwise (READER_AGENT_CARD_SYSTEM_ID). Separate
masters per key number let a till hold the debit master without the credit or PICC master.
The card stores every key with key version CARD_KEY_VERSION; GetKeyVersion 0 means the key is
still the blank card's default, which is how an interrupted personalisation finds where it was.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from keys.diversify import an10922_aes128
from reader_agent.cards.desfire_protocol import PICC_AID

CARD_KEY_VERSION = 1
PICC_LABEL = "purse-picc"
APP_LABELS = ("purse-app", "purse-debit", "purse-credit")
SYSTEM_ID = b"cardsvc"


@dataclass(frozen=True)
class KeyScheme:
    picc_label: str = PICC_LABEL
    app_labels: tuple[str, ...] = APP_LABELS
    system_id: bytes = SYSTEM_ID

    def __post_init__(self) -> None:
        if not self.app_labels or len(self.app_labels) > 14:
            raise ValueError("an application has 1 to 14 keys")

    @property
    def labels(self) -> tuple[str, ...]:
        return (self.picc_label, *self.app_labels)

    def label(self, aid: bytes, key_no: int) -> str:
        """The master key label for key `key_no` of application `aid` (PICC_AID for the PICC)."""
        if aid == PICC_AID:
            if key_no != 0:
                raise ValueError("the PICC has one key, number 0")
            return self.picc_label
        if not 0 <= key_no < len(self.app_labels):
            raise ValueError(f"no card master key configured for key number {key_no}")
        return self.app_labels[key_no]


class SoftwareCardKeys:
    """The scheme with the masters in memory: tests and demos (never a production till)."""

    def __init__(self, masters: Mapping[str, bytes], scheme: KeyScheme = KeyScheme()) -> None:
        missing = [label for label in scheme.labels if label not in masters]
        if missing:
            raise ValueError(f"no master key for {', '.join(missing)}")
        self._masters = dict(masters)
        self.scheme = scheme

    def __call__(self, uid: bytes, aid: bytes, key_no: int) -> bytes:
        master = self._masters[self.scheme.label(aid, key_no)]
        return an10922_aes128(master, uid, aid, self.scheme.system_id)
