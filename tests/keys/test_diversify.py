"""AN10922 AES-128 diversification against the vectors published in NXP AN10922 §2.2.1."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.ciphers import algorithms
from cryptography.hazmat.primitives.cmac import CMAC

from keys.diversify import (
    aes_ecb_encrypt,
    an10922_aes128,
    cmac_subkeys,
    diversification_input,
    padded_blocks,
)

MASTER = bytes.fromhex("00112233445566778899AABBCCDDEEFF")
UID = bytes.fromhex("04782E21801D80")
AID = bytes.fromhex("3042F5")
SYSTEM_ID = bytes.fromhex("4E585020416275")  # "NXP Abu"
K1 = bytes.fromhex("FBC9F75C9413C041DFEE452D3F0706D1")
K2 = bytes.fromhex("F793EEB928278083BFDC8A5A7E0E0D25")
M = bytes.fromhex("0104782E21801D803042F54E585020416275")
DIVERSIFIED = bytes.fromhex("A8DD63A3B89D54B37CA802473FDA9175")


def test_subkeys_match_an10922() -> None:
    assert cmac_subkeys(aes_ecb_encrypt(MASTER, bytes(16))) == (K1, K2)


def test_diversification_input_matches_an10922() -> None:
    assert diversification_input(UID, AID, SYSTEM_ID) == M


def test_padding_uses_k2_for_a_short_input() -> None:
    blocks = padded_blocks(M, K1, K2)
    padded_tail = bytes.fromhex("6275") + b"\x80" + bytes(13)
    assert blocks[:16] == M[:16]
    assert blocks[16:] == bytes(a ^ b for a, b in zip(padded_tail, K2, strict=True))


def test_diversified_key_matches_an10922() -> None:
    assert an10922_aes128(MASTER, UID, AID, SYSTEM_ID) == DIVERSIFIED


def test_plain_cmac_agrees_only_when_the_input_exceeds_one_block() -> None:
    # AN10922 always pads M to two blocks. For M over 16 bytes (the published vector) that
    # is what CMAC does too; for M of 16 bytes or less a CMAC library uses one block and
    # gives a different key, so the two-block padding must be done by hand.
    def cmac(message: bytes) -> bytes:
        mac = CMAC(algorithms.AES(MASTER))
        mac.update(message)
        return mac.finalize()

    assert cmac(M) == DIVERSIFIED
    short = diversification_input(UID, AID, b"")
    assert len(short) == 11
    assert an10922_aes128(MASTER, UID, AID, b"") != cmac(short)


def test_full_32_byte_input_uses_k1_without_padding() -> None:
    uid, system_id = bytes(range(1, 8)), bytes(range(21))  # 1 + 7 + 3 + 21 = 32 bytes
    message = diversification_input(uid, AID, system_id)
    assert len(message) == 32
    blocks = padded_blocks(message, K1, K2)
    assert blocks[16:] == bytes(a ^ b for a, b in zip(message[16:], K1, strict=True))
    assert an10922_aes128(MASTER, uid, AID, system_id) != an10922_aes128(
        MASTER, uid, AID, system_id[:-1]
    )


@pytest.mark.parametrize(
    ("master", "uid", "aid", "system_id", "message"),
    [
        (MASTER[:15], UID, AID, SYSTEM_ID, "16 bytes"),
        (MASTER, b"", AID, SYSTEM_ID, "UID is empty"),
        (MASTER, UID, b"\x01\x02", SYSTEM_ID, "3 bytes"),
        (MASTER, UID, AID, bytes(22), "at most 31"),
    ],
)
def test_bad_inputs_are_refused(
    master: bytes, uid: bytes, aid: bytes, system_id: bytes, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        an10922_aes128(master, uid, aid, system_id)
