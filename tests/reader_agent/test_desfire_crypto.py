"""DESFire crypto and EV2 secure messaging against published vectors.

NIST SP 800-38B (AES-128 CMAC examples) and NXP AN12196 rev. 2.0 (NTAG 424 DNA, which uses the
DESFire EV2 secure messaging): Table 14 AuthenticateEV2First, the CommMode.MAC GetFileSettings
example, Table 19 ChangeFileSettings (CommMode.Full), Tables 26/27 ChangeKey.
"""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.ciphers import algorithms
from cryptography.hazmat.primitives.cmac import CMAC

from reader_agent.cards import crypto
from reader_agent.cards.desfire import DesfireClient
from reader_agent.cards.desfire_auth import authenticate_ev2_first
from reader_agent.cards.desfire_protocol import CommMode, DesfireProtocolError
from reader_agent.cards.desfire_sm import Ev2Channel
from reader_agent.emulate.desfire_card_sm import CardStatus, Ev2CardSession

h = bytes.fromhex
NIST_KEY = h("2b7e151628aed2a6abf7158809cf4f3c")
NIST_MESSAGE = h(
    "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
    "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710"
)


@pytest.mark.parametrize(
    ("length", "tag"),
    [
        (0, "bb1d6929e95937287fa37d129b756746"),
        (16, "070a16b46b4d4144f79bdd9dd04a287c"),
        (40, "dfa66747de9ae63030ca32611497c827"),
        (64, "51f0bebf7e3b9d92fc49741779363cfe"),
    ],
)
def test_cmac_matches_nist_sp800_38b_examples(length: int, tag: str) -> None:
    assert crypto.cmac(NIST_KEY, NIST_MESSAGE[:length]) == h(tag)


def test_cmac_subkeys_match_nist() -> None:
    k1, k2 = crypto.cmac_subkeys(NIST_KEY)
    assert k1 == h("fbeed618357133667c85e08f7236a8de")
    assert k2 == h("f7ddac306ae266ccf90bc11ee46d513b")


def test_cmac_with_iv_equals_cmac_of_chained_prefix() -> None:
    """The EV1 running IV: CMAC(m, IV) must differ from CMAC(m) and agree with a manual CBC."""
    iv = h("000102030405060708090a0b0c0d0e0f")
    block = NIST_MESSAGE[:16]
    k1, _ = crypto.cmac_subkeys(NIST_KEY)
    manual = crypto.aes_ecb_encrypt(NIST_KEY, crypto.xor(crypto.xor(block, k1), iv))
    assert crypto.cmac(NIST_KEY, block, iv) == manual != crypto.cmac(NIST_KEY, block)


def test_crc32_is_jamcrc_little_endian() -> None:
    # CRC-32/JAMCRC("123456789") = 0x340BC6D9
    assert crypto.crc32_desfire(b"123456789") == h("D9C60B34")


def test_padding_round_trip_and_refusal() -> None:
    assert crypto.pad_iso9797_m2(b"") == b"\x80" + bytes(15)
    assert crypto.unpad_iso9797_m2(crypto.pad_iso9797_m2(b"abc")) == b"abc"
    with pytest.raises(ValueError):
        crypto.unpad_iso9797_m2(bytes(16))


def test_ev2_first_authentication_an12196_table14() -> None:
    """AN12196 Table 14: key 0 = 00..00, RndA 13C5.., the card's answers as recorded."""
    recorded = {
        # 90 71 00 00 02 [KeyNo 00, LenCap 00] 00  ->  E(RndB) 91 AF
        (0x71, h("0000")): (0xAF, h("A04C124213C186F22399D33AC2A30215")),
        # 90 AF 00 00 20 E(RndA || RndB') 00  ->  E(TI || RndA' || PDcap2 || PCDcap2) 91 00
        (0xAF, h("35C3E05A752E0144BAC0DE51C1F22C56B34408A23D8AEA266CAB947EA8E0118D")): (
            0x00,
            h("3FA64DB5446D1F34CD6EA311167F5E4985B89690C04A05F17FA7AB2F08120663"),
        ),
    }

    def exchange(cmd: int, params: bytes) -> tuple[int, bytes]:
        return recorded[(cmd, params)]

    channel = authenticate_ev2_first(
        exchange, 0, bytes(16), lambda n: h("13C5DB8A5930439FC3DEF9A4C675360F")
    )
    assert channel.ti == h("9D00C4DF")
    assert channel.counter == 0
    assert channel._enc == h("1309C877509E5A215007FF0ED19CA564")
    assert channel._mac == h("4C6626F5E72EA694202139295C7A7FC7")


def test_ev2_first_refuses_a_card_that_does_not_know_the_key() -> None:
    def exchange(cmd: int, params: bytes) -> tuple[int, bytes]:
        if cmd == 0x71:
            return 0xAF, h("A04C124213C186F22399D33AC2A30215")
        return 0x00, bytes(32)  # not E(TI || RndA' ...)

    with pytest.raises(DesfireProtocolError):
        authenticate_ev2_first(exchange, 0, bytes(16), lambda n: bytes(16))


def test_ev2_mac_mode_an12196_get_file_settings() -> None:
    """CommMode.MAC: GetFileSettings(02), TI 7A21085E, CmdCtr 0 -> 90F50000 09 02 MACt 00."""
    channel = Ev2Channel(bytes(16), h("8248134A386E86EB7FAF54A52E536CB6"), h("7A21085E"))
    assert channel.wrap(0xF5, b"\x02", b"", CommMode.MAC) == h("026597A457C8CD442C")


def test_ev2_full_mode_an12196_change_file_settings() -> None:
    """Table 19: CmdCtr 1, data 4000E0C1F121200000430000430000 enciphered and MACed."""
    enc, mac, ti = (
        h("1309C877509E5A215007FF0ED19CA564"),
        h("4C6626F5E72EA694202139295C7A7FC7"),
        h("9D00C4DF"),
    )
    data = h("4000E0C1F121200000430000430000")
    channel = Ev2Channel(enc, mac, ti, counter=1)
    params = channel.wrap(0x5F, b"\x02", data, CommMode.FULL)
    assert params == h("0261B6D97903566E84C3AE5274467E89EAD799B7C1A0EF7A04")
    # the card's answer: no data, MACt over 00 || CmdCtr 2 || TI
    assert channel.unwrap(0x00, h("57BFF87B1241E93D"), CommMode.MAC) == b""
    assert channel.counter == 2
    # and the emulator's card side reads the same frame back to the plain settings
    card = Ev2CardSession(0, enc, mac, ti)
    card.counter = 1
    assert card.open_command(0x5F, params, CommMode.FULL, 1) == b"\x02" + data
    assert card.close_response(b"", CommMode.MAC) == h("57BFF87B1241E93D")


def test_ev2_response_with_a_bad_mac_is_refused() -> None:
    channel = Ev2Channel(bytes(16), bytes(16), bytes(4))
    with pytest.raises(DesfireProtocolError):
        channel.unwrap(0x00, bytes(8), CommMode.MAC)
    card = Ev2CardSession(0, bytes(16), bytes(16), bytes(4))
    with pytest.raises(CardStatus):
        card.open_command(0xDC, b"\x01" + bytes(4) + bytes(8), CommMode.MAC, 1)


class _Captured(Exception):
    pass


@pytest.mark.parametrize(
    ("counter", "key_no", "new_key", "apdu"),
    [
        # Table 26: change key 2 (not the session key): (new ^ old) || ver || CRC32(new)
        (
            2,
            2,
            "F3847D627727ED3BC9C4CC050489B966",
            "90C4000029022CF362B7BF4311FF3BE1DAA295E8C68DE09050560D19B9E16C2393AE9CD1FAC7"
            "5D0CE20BCD1D06E600",
        ),
        # Table 27: change key 0, the session's own key: new || ver
        (
            3,
            0,
            "5004BF991F408672B1EF00F08F9E8647",
            "90C400002900C0EB4DEEFEDDF0B513A03A95A75491818580503190D4D05053FF75668A01D6FD"
            "A6610234BDED643200",
        ),
    ],
)
def test_ev2_change_key_an12196(counter: int, key_no: int, new_key: str, apdu: str) -> None:
    enc, mac, ti = (
        h("4CF3CB41A22583A61E89B158D252FC53"),
        h("5529860B2FC5FB6154B7F28361D30BF9"),
        h("7614281A"),
    )
    sent: list[bytes] = []

    def transmit(frame: bytes) -> bytes:
        sent.append(frame)
        raise _Captured

    client = DesfireClient(transmit)
    client._channel = Ev2Channel(enc, mac, ti, counter=counter)
    client.authenticated_key = 0
    client.selected_aid = 0x000001  # AN12196 runs in an application: no key-type bits in KeyNo
    with pytest.raises(_Captured):
        client.change_key(key_no, h(new_key), bytes(16), version=1)
    assert sent == [h(apdu)]
    # the emulator's card side deciphers the same cryptogram
    card = Ev2CardSession(0, enc, mac, ti)
    card.counter = counter
    plain = card.open_command(0xC4, h(apdu)[5:-1], CommMode.FULL, 1)
    key_data = h(new_key) if key_no == 0 else crypto.xor(h(new_key), bytes(16))
    assert plain[:18] == bytes([key_no]) + key_data + b"\x01"


def test_ev1_first_command_mac_is_a_plain_cmac_of_the_session_key() -> None:
    """Right after EV1 authentication the IV is zero, so the first MAC is a standard CMAC."""
    from reader_agent.cards.desfire_sm import Ev1Channel

    session_key = crypto.ev1_session_key(bytes(range(16)), bytes(range(16, 32)))
    assert session_key == h("0001020310111213 0c0d0e0f1c1d1e1f".replace(" ", ""))
    reference = CMAC(algorithms.AES(session_key))
    reference.update(h("DC01E8030000"))
    channel = Ev1Channel(session_key)
    params = channel.wrap(0xDC, b"\x01", h("E8030000"), CommMode.MAC)
    assert params == h("01E8030000") + reference.finalize()[:8]
