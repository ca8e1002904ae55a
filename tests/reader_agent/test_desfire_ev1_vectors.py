"""EV1 AES secure messaging, exchange by exchange, against an independent implementation.

Source of every exchange below: recorded by running python-desfire 0.1.5 (waza-ari/python-desfire,
desfire/DESFire.py: DESFire.authenticate, DESFire._transceive -> _preprocess / _postprocess,
get_key_version, get_file_ids, get_file_settings) against the emulated card, in native framing,
with RndA = 10 11 .. 1F. python-desfire verified every answer's CMAC itself. The communication
mode of each command follows libfreefare (nfc-tools/libfreefare, libfreefare/mifare_desfire.c):
  mifare_desfire_get_value_ex      command MDCM_PLAIN | CMAC_COMMAND (no MAC sent, IV advanced),
                                   answer cs | CMAC_VERIFY (8-byte CMAC over value || 00);
  mifare_desfire_credit_ex/_debit  command cs | MAC_COMMAND | CMAC_COMMAND (MAC appended only
                                   for a MACed file), answer MDCM_PLAIN | CMAC_VERIFY;
  mifare_desfire_commit_transaction  command plain + CMAC_COMMAND, answer CMAC_VERIFY;
  mifare_cryto_preprocess_data (mifare_desfire_crypto.c) appends the FIRST 8 CMAC bytes.
python-desfire 0.1.5 appends the *last* 8 bytes of the command CMAC (_preprocess: tx_cmac[-8:]),
which the card rejects with 1E; the MACed Credit/Debit were recorded with libfreefare's first 8.
"""

from __future__ import annotations

from reader_agent.cards.desfire import DesfireClient, ValueFileSpec
from reader_agent.cards.desfire_protocol import CommMode, access_rights
from reader_agent.emulate.desfire_card import EmulatedDesfire
from reader_agent.emulate.desfire_state import HW_MAJOR_EV1, DesfireCardState, KeySlot

from .conftest import UID, seeded_random

h = bytes.fromhex
RND_A = bytes(range(0x10, 0x20))
MAC_FILE, PLAIN_FILE = 1, 3

# (native command, native answer) -- python-desfire 0.1.5 against the card (see above)
EXCHANGES = [
    ("5A444E56", "00"),  # SelectApplication 564E44
    ("AA01", "AF7FB7AA3895FE0B3EDE69805885C2A580"),  # AuthenticateAES key 1: E(RndB)
    ("AFEA8A07DA5FBEF6E6BAB4116BB4FE6B739CDD015F063652090393790B3633A945",
     "00E492AE2DCE7B2E77C0642F39C6AD6B83"),  # E(RndA || RndB'), card: E(RndA')
    # GetValue of the MACed file: NO MAC on the command; value 0 || CMAC
    ("6C01", "0000000000D79541EDF3B97314"),
    # GetValue of the plain file: the same shape (after AES auth every answer carries a CMAC)
    ("6C03", "00000000007823823AB138F230"),
    # Credit 1000 to the MACed file: file no || amount || first 8 bytes of the CMAC
    ("0C01E803000064C4FF103CC03529", "00AD8C42EF1B00B676"),
    # Credit 500 to the plain file: no MAC sent, the answer is MACed
    ("0C03F4010000", "007A8163784759791D"),
    ("C7", "00476B007D27A1DDE5"),  # CommitTransaction: plain command, MACed answer
    ("DC012C010000474B550C1B2C475A", "00F341F5D4D439ABB0"),  # Debit 300, MACed file
    ("DC03C8000000", "0035CBE5ABFE84D3FC"),  # Debit 200, plain file
    ("C7", "00791726E1BDEC0F46"),  # CommitTransaction
    ("6C01", "00BC0200003A84371D2387EB09"),  # GetValue: 700
    ("6C03", "002C010000C9E0D20F68AB60D4"),  # GetValue: 300
    ("6401", "000043E2D0935AFA9040"),  # GetKeyVersion 1: version 0
    ("6F", "000103D1F36ECB691BD444"),  # GetFileIDs: 01 03
    # GetFileSettings 1: value file (02), MAC (01), rights 1110, 0..1000000, limited 300, on
    ("F501", "00020110110000000040420F002C01000001F03EF19AEA3835C2"),
]


def prepared_card() -> EmulatedDesfire:
    """EV1 card, AES zero keys, app 564E44 with a MACed and a plain value file (key 1: all)."""
    card = EmulatedDesfire(
        DesfireCardState(UID, hw_major=HW_MAJOR_EV1, picc_key=KeySlot()), random=seeded_random(7)
    )
    client = DesfireClient(card.process)
    client.select_application(0)
    client.authenticate(0, bytes(16), ev2=False)
    client.create_application(0x564E44, 0x0B, 3)
    client.select_application(0x564E44)
    client.authenticate(0, bytes(16), ev2=False)
    rights = access_rights(1, 1, 1, 0)
    client.create_value_file(ValueFileSpec(MAC_FILE, CommMode.MAC, rights, 0, 1_000_000, 0, True))
    client.create_value_file(
        ValueFileSpec(PLAIN_FILE, CommMode.PLAIN, rights, 0, 1_000_000, 0, False)
    )
    card.power_off()
    return card


def test_the_card_answers_the_independent_client_byte_for_byte() -> None:
    card = prepared_card()
    for command, answer in EXCHANGES:
        assert card.process(h(command)).hex().upper() == answer, command


def test_the_old_ev1_get_value_with_a_mac_is_a_length_error() -> None:
    card = prepared_card()
    for command, _ in EXCHANGES[:3]:
        card.process(h(command))
    assert card.process(h("6C01D79541EDF3B97314")) == h("7E")  # file no || 8 MAC bytes


def test_the_client_sends_the_independent_clients_bytes() -> None:
    sent: list[str] = []
    answers = iter(answer for _, answer in EXCHANGES)

    def transmit(apdu: bytes) -> bytes:
        # ISO-wrapped `90 cmd 00 00 [Lc data] 00` -> native `cmd data`, answer back to ISO
        data = apdu[5:-1] if len(apdu) > 5 else b""
        sent.append((apdu[1:2] + data).hex().upper())
        native = h(next(answers))
        return native[1:] + bytes([0x91, native[0]])

    client = DesfireClient(transmit, random=lambda n: RND_A[:n])
    client.select_application(0x564E44)
    client.authenticate(1, bytes(16), ev2=False)
    assert client.get_value(MAC_FILE, CommMode.MAC) == 0
    assert client.get_value(PLAIN_FILE, CommMode.PLAIN) == 0
    client.credit(MAC_FILE, 1000, CommMode.MAC)
    client.credit(PLAIN_FILE, 500, CommMode.PLAIN)
    client.commit_transaction()
    client.debit(MAC_FILE, 300, CommMode.MAC)
    client.debit(PLAIN_FILE, 200, CommMode.PLAIN)
    client.commit_transaction()
    assert client.get_value(MAC_FILE, CommMode.MAC) == 700
    assert client.get_value(PLAIN_FILE, CommMode.PLAIN) == 300
    assert client.get_key_version(1) == 0
    assert client.get_file_ids() == b"\x01\x03"
    settings = client.get_value_file_settings(MAC_FILE)
    assert (settings.comm_mode, settings.limited_credit_value, settings.upper_limit) == (
        CommMode.MAC, 300, 1_000_000)  # fmt: skip
    assert sent == [command for command, _ in EXCHANGES]
