"""How a card (the media) maps to its instrument (the account that carries the value).

Decision: the instrument id is derived from the card's UID, `card-<UID in upper-case hex>`,
for every card the agent reads (DESFire purse or online-only UID/NTAG card). Why not a data
file written at personalisation: the purse layout (reader_agent.cards.purse) holds only the
value and counter files, a UID is what every reader reports before any authentication (so a
tap is identified, checked against the hotlist and matched with its tear records before a
single DESFire command), and the ledger's card mirror is keyed by UID too. The UID is not a
secret and not proof of anything: the purse's AES keys, diversified per UID, are.

Media replacement (a lost or broken card): the new card is issued as its own instrument, the
value is moved with a ledger `transfer` and the old instrument is blocked, which puts it on every
terminal's hotlist. Random-UID cards (privacy mode) are not supported as purses.
"""

from __future__ import annotations

PREFIX = "card-"
UID_LENGTHS = (4, 7, 10)


def instrument_for_uid(uid: bytes) -> str:
    if len(uid) not in UID_LENGTHS:
        raise ValueError(f"a card UID is 4, 7 or 10 bytes, got {len(uid)}")
    return PREFIX + uid.hex().upper()


def uid_hex(uid: bytes) -> str:
    """The UID as the ledger's card evidence spells it."""
    return uid.hex().upper()
