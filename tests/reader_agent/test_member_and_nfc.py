"""Member (UID / NTAG) cards in-process and through PC/SC pseudo-APDUs, and both card kinds
over nfcpy's UDP driver (real nfcpy reader code, emulated ISO-DEP card)."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import ndef
import pytest

from reader_agent.cards.desfire import DesfireClient
from reader_agent.cards.member import (
    MemberCardError,
    decode_records,
    read_member_card,
    read_type2_ndef,
    read_type4_ndef,
)
from reader_agent.cards.purse import Purse, PurseLayout, personalise
from reader_agent.drivers.errors import CardRemovedError
from reader_agent.drivers.nfc import NfcReader
from reader_agent.drivers.virtual import VirtualReader
from reader_agent.emulate.card import EmulatedCard
from reader_agent.emulate.desfire_card import EmulatedDesfire
from reader_agent.emulate.desfire_state import DesfireCardState
from reader_agent.emulate.nfc_udp import IsoDepCard, NfcCardEmulator
from reader_agent.emulate.ntag_card import EmulatedNtag

from .conftest import UID, DiversifiedKeys

NTAG_UID = bytes.fromhex("04112233445566")
MEMBER_URL = "https://member.example.vn/c/VIP-000123"
MESSAGE = b"".join(ndef.message_encoder([ndef.UriRecord(MEMBER_URL)]))


def test_member_card_through_the_type4_ndef_application() -> None:
    reader = VirtualReader()
    reader.insert(EmulatedNtag(NTAG_UID, MESSAGE))
    read = read_member_card(reader.transmit)
    assert read.uid == NTAG_UID
    assert read.ndef_message == MESSAGE
    assert read.records[0].type == "urn:nfc:wkt:U"
    assert MEMBER_URL.split("//")[1].encode() in read.records[0].data


def test_type2_memory_read_finds_the_same_message() -> None:
    card = EmulatedNtag(NTAG_UID, MESSAGE)
    assert read_type2_ndef(card.process) == MESSAGE == read_type4_ndef(card.process)
    # page 0-2: UID with its check bytes, as on a real NTAG
    assert card.process(bytes.fromhex("FFB0000004"))[:3] == NTAG_UID[:3]


def test_uid_only_card_has_no_ndef() -> None:
    read = read_member_card(EmulatedNtag(NTAG_UID).process)
    assert (read.uid, read.ndef_message, read.records) == (NTAG_UID, b"", ())


def test_a_desfire_purse_is_read_as_a_uid_card_without_ndef() -> None:
    read = read_member_card(EmulatedDesfire(DesfireCardState(UID)).process)
    assert (read.uid, read.ndef_message) == (UID, None)


def test_malformed_ndef_is_refused() -> None:
    with pytest.raises(MemberCardError):
        decode_records(b"\xd1\x01\x20U")


def test_iso_dep_blocks_chaining_presence_check_and_deselect() -> None:
    layer = IsoDepCard(EmulatedNtag(NTAG_UID))
    # I-block 0 with chaining carries the first half of GET DATA: the card ACKs block 0
    assert layer.handle(bytes([0x12]) + bytes.fromhex("FFCA")) == bytes([0xA2])
    assert layer.handle(bytes([0x03]) + bytes.fromhex("000000")) == b"\x03" + NTAG_UID + b"\x90\x00"
    # R(NAK) with our block number: retransmit; with the other one: ACK
    assert layer.handle(bytes([0xB3])) == b"\x03" + NTAG_UID + b"\x90\x00"
    assert layer.handle(bytes([0xB2])) == bytes([0xA3])
    assert layer.handle(bytes([0xC2])) is None


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def nfc_field() -> Iterator[tuple[str, list[NfcCardEmulator]]]:
    path = f"udp:127.0.0.1:{_free_udp_port()}"
    emulators: list[NfcCardEmulator] = []
    yield path, emulators
    for emulator in emulators:
        emulator.stop()


def _present(field: tuple[str, list[NfcCardEmulator]], card: EmulatedCard) -> NfcReader:
    path, emulators = field
    emulators.append(NfcCardEmulator(card, path).start())
    return NfcReader(path)


def test_ntag_member_card_over_nfcpy_udp(nfc_field: tuple[str, list[NfcCardEmulator]]) -> None:
    with _present(nfc_field, EmulatedNtag(NTAG_UID, MESSAGE)) as reader:
        info = reader.wait_for_card(10.0)
        assert info.uid == NTAG_UID
        read = read_member_card(reader.transmit)
        assert (read.uid, read.ndef_message) == (NTAG_UID, MESSAGE)


def test_desfire_purse_balance_over_nfcpy_udp(
    nfc_field: tuple[str, list[NfcCardEmulator]], card_keys: DiversifiedKeys, layout: PurseLayout
) -> None:
    card = EmulatedDesfire(DesfireCardState(UID))
    personalise(DesfireClient(card.process), card_keys, layout)
    Purse(DesfireClient(card.process), card_keys, layout).credit(77_000)
    with _present(nfc_field, card) as reader:
        assert reader.wait_for_card(10.0).uid == UID
        purse = Purse(DesfireClient(reader.transmit), card_keys, layout)
        balance = purse.balance()
        assert (balance.uid, balance.value_after, balance.counter_after) == (UID, 77_000, 1)
        assert purse.debit(7_000).value_after == 70_000


def test_card_leaving_the_nfc_field_is_a_removal(
    nfc_field: tuple[str, list[NfcCardEmulator]],
) -> None:
    with _present(nfc_field, EmulatedNtag(NTAG_UID)) as reader:
        reader.wait_for_card(10.0)
        nfc_field[1][0].stop()
        with pytest.raises(CardRemovedError):
            reader.transmit(bytes.fromhex("00A4040007D276000085010100"))
        reader.wait_for_removal(5.0)
