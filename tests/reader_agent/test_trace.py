"""The APDU trace keeps exchanges for diagnosis but never key material."""

from __future__ import annotations

from reader_agent.cards.desfire import DesfireClient
from reader_agent.cards.purse import PurseLayout, personalise
from reader_agent.drivers.trace import ApduTrace
from reader_agent.drivers.virtual import VirtualReader
from reader_agent.emulate.desfire_card import EmulatedDesfire
from reader_agent.emulate.desfire_state import DesfireCardState

from .conftest import UID, DiversifiedKeys


def test_auth_frames_and_change_key_cryptograms_are_redacted(card_keys: DiversifiedKeys) -> None:
    reader = VirtualReader()
    reader.insert(EmulatedDesfire(DesfireCardState(UID)))
    layout = PurseLayout()
    personalise(DesfireClient(reader.transmit), card_keys, layout)
    lines = reader.trace.dump().splitlines()
    auth = [i for i, line in enumerate(lines) if line.startswith("> 9071")]
    change = [line for line in lines if line.startswith("> 90c4")]
    assert auth and len(change) == 4  # the PICC key (legacy session), then keys 1, 2, 0
    for i in auth:  # command, card challenge, reader answer, card answer: all redacted
        assert all("redacted" in line for line in lines[i : i + 4]), lines[i : i + 4]
    assert all("redacted" in line for line in change)
    # no byte of any key written to the card appears anywhere in the trace
    aid = layout.aid.to_bytes(3, "little")
    text = "\n".join(lines)
    for key_no in range(3):
        assert card_keys(UID, aid, key_no).hex() not in text
    # ordinary commands stay readable
    assert "> 90cc0000" in text and "> 905a000003444e5600" in text


def test_trace_is_bounded() -> None:
    trace = ApduTrace(maxlen=4)
    for n in range(10):
        trace.command(bytes([0x90, 0x6C, 0, 0, 1, n, 0]))
        trace.response(b"\x91\x00")
    entries = trace.entries()
    assert len(entries) == 4
    assert entries[-2].text == "906c0000010900"


def test_iso_authenticate_commands_are_redacted() -> None:
    trace = ApduTrace()
    trace.command(bytes.fromhex("0082000010") + bytes(range(16)))
    trace.response(bytes(range(16)) + b"\x90\x00")
    assert [e.text for e in trace.entries()] == [
        "0082000010 <16 bytes redacted>",
        "9000 <16 bytes redacted>",
    ]
