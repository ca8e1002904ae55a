"""The emulated DESFire card, exchange by exchange (exact bytes), and its transaction rules."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers import algorithms
from cryptography.hazmat.primitives.cmac import CMAC

from reader_agent.cards import crypto
from reader_agent.cards.desfire import DesfireClient
from reader_agent.cards.desfire_protocol import CommMode, DesfireError, Status
from reader_agent.cards.purse import Purse, PurseLayout, personalise
from reader_agent.emulate.card import CardTorn, TearPoint
from reader_agent.emulate.desfire_card import EmulatedDesfire
from reader_agent.emulate.desfire_state import (
    HW_MAJOR_EV1,
    DesfireCardState,
    KeySlot,
    factory_picc_key,
    load_state,
    save_state,
)

from .conftest import UID, DiversifiedKeys, seeded_random

h = bytes.fromhex


def card(hw_major: int = 0x12, aes_picc: bool = False) -> EmulatedDesfire:
    """A blank card: factory DES zero PICC master key, or an AES zero one on request."""
    picc = KeySlot() if aes_picc else factory_picc_key()
    state = DesfireCardState(UID, hw_major=hw_major, picc_key=picc)
    return EmulatedDesfire(state, random=seeded_random(1))


# (C-APDU, R-APDU) as exchanged with a blank EV2 card, no authentication
BLANK_CARD_EXCHANGES = [
    # GetVersion, ISO-wrapped: hardware info, AF; software info, AF; UID, batch, week, year
    ("9060000000", "04010112001805 91AF"),
    ("90AF000000", "04010112001805 91AF"),
    ("90AF000000", "04A1B2C3D4E580 BA7C4E0001 1424 9100"),
    # AF with nothing pending is an illegal command
    ("90AF000000", "911C"),
    # SelectApplication 564E44 (sent LSB first: 44 4E 56): not there
    ("905A000003444E5600", "91A0"),
    # CreateApplication 564E44, settings 0B, 3 AES keys (0x83): free create on a blank card
    ("90CA000005444E560B8300", "9100"),
    ("90CA000005444E560B8300", "91DE"),  # duplicate
    ("90CA000005454E560B0300", "919E"),  # DES keys (0x03) are not offered
    ("905A000003444E5600", "9100"),
    # CreateValueFile without authenticating with key 0 (settings 0B: no free create)
    ("90CC0000110101001200000000E8030000000000000100", "919D"),
    # GetValue of a missing file; GetKeySettings of the application
    ("906C0000010100", "91F0"),
    ("9045000000", "0B83 9100"),
    # AES authentication with a key number the application does not have
    ("90AA0000010500", "9140"),
    # Lengths: SelectApplication with 2 bytes, a malformed ISO frame, an unknown command
    ("905A0000020000", "917E"),
    ("905A0000050000", "6700"),
    ("90FA000000", "911C"),
    # PC/SC GET DATA (UID), answered as a contactless reader would
    ("FFCA000000", "04A1B2C3D4E580 9000"),
    # ISO SELECT of an NDEF application: a purse card has none
    ("00A4040007D276000085010100", "6A82"),
    # native framing: GetVersion as the single byte 60
    ("60", "AF 04010112001805"),
]


def test_blank_card_exchanges_byte_for_byte() -> None:
    emulated = card()
    for command, answer in BLANK_CARD_EXCHANGES:
        assert emulated.process(h(command)).hex().upper() == answer.replace(" ", ""), command


def test_ev1_card_refuses_ev2_first_and_reports_version_01() -> None:
    emulated = card(HW_MAJOR_EV1)
    assert emulated.process(h("9060000000")) == h("0401010100180591AF")
    assert emulated.process(h("9071000002000000")) == h("911C")


def test_ev1_card_answer_mac_is_a_standard_cmac_after_authentication() -> None:
    """Right after EV1 authentication the IV is zero: the card's MAC over `data || 00` of its
    first answer must equal a standard AES-CMAC under the session key (checked with OpenSSL)."""
    emulated = card(HW_MAJOR_EV1, aes_picc=True)
    rnd_b = seeded_random(1)(16)  # the card's generator, replayed
    rnd_a = bytes(range(16))
    assert emulated.process(h("905A00000300000000")) == h("9100")
    first = emulated.process(h("90AA0000010000"))
    assert first[-2:] == h("91AF")
    assert crypto.aes_cbc_decrypt(bytes(16), bytes(16), first[:16]) == rnd_b
    token = crypto.aes_cbc_encrypt(bytes(16), first[:16], rnd_a + crypto.rotl1(rnd_b))
    second = emulated.process(h("90AF000020") + token + b"\x00")
    assert second[-2:] == h("9100")
    session_key = rnd_a[:4] + rnd_b[:4] + rnd_a[12:] + rnd_b[12:]
    answer = emulated.process(h("9045000000"))  # GetKeySettings, plain command
    expected = CMAC(algorithms.AES(session_key))
    # the reader's command also advances the IV; the card's answer chains from it
    command_mac = crypto.cmac(session_key, h("45"))
    assert answer[:2] == h("0F81")
    assert answer[2:10] == crypto.cmac(session_key, h("0F8100"), command_mac)[:8]
    expected.update(h("45"))
    assert command_mac == expected.finalize()


def _authenticated(
    emulated: EmulatedDesfire, keys: DiversifiedKeys, layout: PurseLayout, key_no: int
) -> DesfireClient:
    client = DesfireClient(emulated.process)
    client.select_application(layout.aid)
    client.authenticate(
        key_no,
        keys(UID, layout.aid.to_bytes(3, "little"), key_no),
        ev2=emulated.state.hw_major >= 0x12,
    )
    return client


@pytest.fixture
def purse_emulated(
    card_keys: DiversifiedKeys, layout: PurseLayout, request: pytest.FixtureRequest
) -> EmulatedDesfire:
    emulated = card(getattr(request, "param", 0x12))
    personalise(DesfireClient(emulated.process), card_keys, layout)
    Purse(DesfireClient(emulated.process), card_keys, layout).credit(50_000)
    return emulated


@pytest.mark.parametrize("purse_emulated", [0x01, 0x12], indirect=True, ids=["ev1", "ev2"])
def test_value_changes_only_at_commit_and_abort_discards(
    purse_emulated: EmulatedDesfire, card_keys: DiversifiedKeys, layout: PurseLayout
) -> None:
    client = _authenticated(purse_emulated, card_keys, layout, 1)
    client.debit(layout.purse_file, 10_000, CommMode.MAC)
    assert client.get_value(layout.purse_file, CommMode.MAC) == 50_000  # committed value
    client.abort_transaction()
    client.commit_transaction()  # nothing pending: a no-op
    assert client.get_value(layout.purse_file, CommMode.MAC) == 50_000
    client.debit(layout.purse_file, 10_000, CommMode.MAC)
    client.commit_transaction()
    assert client.get_value(layout.purse_file, CommMode.MAC) == 40_000
    client.debit(layout.purse_file, 10_000, CommMode.MAC)
    client.select_application(layout.aid)  # leaving the application drops the transaction
    client = _authenticated(purse_emulated, card_keys, layout, 1)
    client.commit_transaction()
    assert client.get_value(layout.purse_file, CommMode.MAC) == 40_000


@pytest.mark.parametrize("purse_emulated", [0x01, 0x12], indirect=True, ids=["ev1", "ev2"])
def test_boundary_error_drops_session_and_transaction(
    purse_emulated: EmulatedDesfire, card_keys: DiversifiedKeys, layout: PurseLayout
) -> None:
    client = _authenticated(purse_emulated, card_keys, layout, 1)
    client.debit(layout.purse_file, 1_000, CommMode.MAC)
    with pytest.raises(DesfireError) as failure:
        client.debit(layout.purse_file, 60_000, CommMode.MAC)
    assert failure.value.status == Status.BOUNDARY_ERROR
    assert client.authenticated_key is None
    with pytest.raises(DesfireError) as unauthenticated:
        client.get_value(layout.purse_file, CommMode.MAC)
    assert unauthenticated.value.status == Status.AUTHENTICATION_ERROR
    assert purse_emulated.state.applications[layout.aid].files[1].value == 50_000


def test_a_forged_mac_is_an_integrity_error(
    purse_emulated: EmulatedDesfire, card_keys: DiversifiedKeys, layout: PurseLayout
) -> None:
    client = _authenticated(purse_emulated, card_keys, layout, 1)
    # Debit 1 with a MAC of zeros: the card must refuse it and forget the session
    answer = purse_emulated.process(h("90DC00000D0101000000") + bytes(8) + b"\x00")
    assert answer == h("911E")
    with pytest.raises(DesfireError):
        client.get_value(layout.purse_file, CommMode.MAC)


def test_tear_after_commit_keeps_the_commit_and_before_loses_it(
    purse_emulated: EmulatedDesfire, card_keys: DiversifiedKeys, layout: PurseLayout
) -> None:
    client = _authenticated(purse_emulated, card_keys, layout, 1)
    client.debit(layout.purse_file, 5_000, CommMode.MAC)
    purse_emulated.tear.arm(TearPoint(0xC7, after=False))
    with pytest.raises(CardTorn):
        client.commit_transaction()
    assert purse_emulated.state.applications[layout.aid].files[1].value == 50_000
    client = _authenticated(purse_emulated, card_keys, layout, 1)
    client.debit(layout.purse_file, 5_000, CommMode.MAC)
    purse_emulated.tear.arm(TearPoint(0xC7, after=True))
    with pytest.raises(CardTorn):
        client.commit_transaction()
    assert purse_emulated.state.applications[layout.aid].files[1].value == 45_000


def test_state_persists_through_json(
    tmp_path: Path, card_keys: DiversifiedKeys, layout: PurseLayout
) -> None:
    path = tmp_path / "card.json"
    emulated = EmulatedDesfire(
        DesfireCardState(UID), on_change=lambda state: save_state(path, state)
    )
    personalise(DesfireClient(emulated.process), card_keys, layout)
    Purse(DesfireClient(emulated.process), card_keys, layout).credit(12_345)
    restarted = EmulatedDesfire(load_state(path), on_change=lambda state: save_state(path, state))
    result = Purse(DesfireClient(restarted.process), card_keys, layout).debit(345)
    assert (result.value_before, result.value_after, result.counter_after) == (12_345, 12_000, 2)
    assert load_state(path) == restarted.state
    assert not list(tmp_path.glob("*.tmp"))


def test_state_file_rejects_bad_keys(tmp_path: Path) -> None:
    data = DesfireCardState(UID).to_json()
    data["picc_key"]["key"] = "00"
    with pytest.raises(ValueError):
        DesfireCardState.from_json(data)
    with pytest.raises(ValueError):
        DesfireCardState(b"\x01\x02")
