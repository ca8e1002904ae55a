"""Key check values and split-knowledge key components."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from keys.components import (
    KeyComponent,
    combine_components,
    combined_kcv_check,
    read_component_file,
    split_key,
    write_component_file,
)
from keys.diversify import aes_ecb_encrypt, cmac_subkeys
from keys.errors import KcvMismatchError
from keys.kcv import aes_kcv, check_kcv, normalise_kcv


def _kcv_by_hand(key: bytes) -> str:
    # CMAC of one full block M: AES(K, M xor K1); here M is zero, so AES(K, K1).
    k1, _ = cmac_subkeys(aes_ecb_encrypt(key, bytes(16)))
    return aes_ecb_encrypt(key, k1)[:3].hex().upper()


@pytest.mark.parametrize("key_hex", ["00112233445566778899AABBCCDDEEFF", "00" * 16, "FF" * 16])
def test_kcv_is_cmac_of_a_zero_block(key_hex: str) -> None:
    key = bytes.fromhex(key_hex)
    kcv = aes_kcv(key)
    assert kcv == _kcv_by_hand(key)
    assert len(kcv) == 6 and kcv == kcv.upper()


def test_kcv_is_not_the_legacy_encrypted_zero_block() -> None:
    key = bytes.fromhex("00112233445566778899AABBCCDDEEFF")
    assert aes_kcv(key) != aes_ecb_encrypt(key, bytes(16))[:3].hex().upper()


def test_kcv_of_a_wrong_length_key_is_refused() -> None:
    with pytest.raises(ValueError, match="16, 24 or 32"):
        aes_kcv(b"short")


def test_check_kcv_accepts_spacing_and_case_and_refuses_a_mismatch() -> None:
    check_kcv("k", "ab cd ef", "ABCDEF")
    with pytest.raises(KcvMismatchError, match="expected ABCDEE"):
        check_kcv("k", "ABCDEE", "ABCDEF")
    with pytest.raises(ValueError, match="6 hex digits"):
        normalise_kcv("XYZ")


@pytest.mark.parametrize("count", [2, 3])
def test_split_components_combine_to_the_key(count: int) -> None:
    key = os.urandom(16)
    components = split_key(key, count)
    assert len(components) == count
    assert all(c.value != key for c in components)
    assert combine_components(components) == key
    assert combine_components(list(reversed(components))) == key


@pytest.mark.parametrize("count", [1, 4])
def test_component_count_is_two_or_three(count: int) -> None:
    with pytest.raises(ValueError, match="2 or 3"):
        split_key(os.urandom(16), count)


def test_a_mistyped_component_is_caught_by_its_kcv() -> None:
    good = split_key(os.urandom(16), 2)[0]
    typo = good.value.hex().upper()[:-1] + ("0" if good.value.hex()[-1] != "0" else "1")
    with pytest.raises(KcvMismatchError, match="component 1"):
        KeyComponent.from_hex(typo, good.kcv, "component 1")


def test_a_tampered_component_value_is_caught_on_combination() -> None:
    a, b = split_key(os.urandom(16), 2)
    forged = KeyComponent(bytes(16), a.kcv)
    with pytest.raises(KcvMismatchError, match="component 1"):
        combine_components([forged, b])


def test_the_same_component_twice_is_refused() -> None:
    a, _ = split_key(os.urandom(16), 2)
    with pytest.raises(ValueError, match="twice"):
        combine_components([a, a])


def test_combined_key_kcv_mismatch_names_the_likely_cause() -> None:
    key = os.urandom(16)
    assert combined_kcv_check(key, aes_kcv(key)) == aes_kcv(key)
    with pytest.raises(KcvMismatchError, match="entered wrongly"):
        combined_kcv_check(key, "000000" if aes_kcv(key) != "000000" else "111111")


def test_component_repr_hides_the_value() -> None:
    component = split_key(os.urandom(16), 2)[0]
    assert component.value.hex() not in repr(component).lower()
    assert component.kcv in repr(component)


def test_component_file_round_trip_and_no_overwrite(tmp_path: Path) -> None:
    component = split_key(os.urandom(16), 3)[1]
    path = tmp_path / "c2.txt"
    write_component_file(path, "card-master", 2, 3, component)
    assert path.stat().st_mode & 0o777 == 0o600
    assert read_component_file(path) == component
    with pytest.raises(FileExistsError):
        write_component_file(path, "card-master", 2, 3, component)
    path.write_text(path.read_text().replace(f"kcv: {component.kcv}", "kcv: 000000"))
    if component.kcv != "000000":
        with pytest.raises(KcvMismatchError):
            read_component_file(path)
