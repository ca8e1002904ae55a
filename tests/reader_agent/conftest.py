"""Fixtures for the card side: per-card diversified keys, emulated cards, a virtual reader."""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable, Iterator

import pytest

from reader_agent.cards.desfire import DesfireClient
from reader_agent.cards.key_scheme import KeyScheme, SoftwareCardKeys
from reader_agent.cards.purse import Purse, PurseLayout, personalise
from reader_agent.drivers.virtual import VirtualReader
from reader_agent.emulate.desfire_card import EmulatedDesfire
from reader_agent.emulate.desfire_state import HW_MAJOR_EV1, HW_MAJOR_EV2, DesfireCardState
from reader_agent.emulate.vpcd import VpcdAddress, VpcdCardLink

SCHEME = KeyScheme(system_id=b"cardsvc-test")
MASTER_KEYS = {label: bytes(range(16 * n, 16 * n + 16)) for n, label in enumerate(SCHEME.labels)}
UID = bytes.fromhex("04A1B2C3D4E580")


class DiversifiedKeys(SoftwareCardKeys):
    """The one key scheme (key_scheme.py) with test masters, as a keystore would hold them."""

    def __init__(self) -> None:
        super().__init__(MASTER_KEYS, SCHEME)


def seeded_random(seed: int) -> Callable[[int], bytes]:
    rng = random.Random(seed)
    return lambda n: rng.randbytes(n)


@pytest.fixture
def card_keys() -> DiversifiedKeys:
    return DiversifiedKeys()


@pytest.fixture
def layout() -> PurseLayout:
    return PurseLayout(upper_limit=5_000_000)


@pytest.fixture(params=[HW_MAJOR_EV1, HW_MAJOR_EV2], ids=["ev1", "ev2"])
def blank_card(request: pytest.FixtureRequest) -> EmulatedDesfire:
    return EmulatedDesfire(DesfireCardState(UID, hw_major=request.param))


@pytest.fixture
def reader(blank_card: EmulatedDesfire) -> VirtualReader:
    reader = VirtualReader()
    reader.insert(blank_card)
    return reader


@pytest.fixture
def purse_card(
    reader: VirtualReader, card_keys: DiversifiedKeys, layout: PurseLayout
) -> EmulatedDesfire:
    """The blank card, personalised and topped up with 100,000 đồng."""
    personalise(DesfireClient(reader.transmit), card_keys, layout)
    Purse(DesfireClient(reader.transmit), card_keys, layout).credit(100_000)
    card = reader._card
    assert isinstance(card, EmulatedDesfire)
    return card


VPCD_PORT = int(os.environ.get("CARDSVC_VPCD_PORT", "35963"))
VPCD_READER = f"Virtual PCD 00 {VPCD_PORT - 35963:02d}"


@pytest.fixture
def vpcd_card(pcscd_available: None) -> Iterator[tuple[EmulatedDesfire, VpcdCardLink]]:
    """A blank emulated EV2 DESFire card inserted into pcscd's vpcd reader."""
    wait_until_reader_empty()  # pcscd may still show the previous test's card for ~0.5 s
    emulated = EmulatedDesfire(DesfireCardState(UID))
    link = VpcdCardLink(emulated, VpcdAddress("127.0.0.1", VPCD_PORT), reinsert_delay=0.5)
    link.start()
    yield emulated, link
    link.stop()
    wait_until_reader_empty()


def wait_until_reader_empty(timeout: float = 10.0) -> None:
    from reader_agent.drivers import pcsc

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        states = {info.name: info.card_present for info in pcsc.list_readers()}
        if VPCD_READER not in states:
            pytest.fail(f"pcscd has no reader {VPCD_READER!r}: is vpcd installed?")
        if not states[VPCD_READER]:
            return
        time.sleep(0.05)
    pytest.fail(f"{VPCD_READER} still shows a card after {timeout} s")
