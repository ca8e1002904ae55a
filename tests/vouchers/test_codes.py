"""Voucher codes: alphabet, check character, entropy, normalisation, hashing."""

from __future__ import annotations

import pytest

from cardsvc.vouchers import codes
from cardsvc.vouchers.codes import CodeFormatError


def test_alphabet_has_no_look_alikes() -> None:
    assert len(set(codes.ALPHABET)) == 32
    assert not set("ILOU") & set(codes.ALPHABET)


def test_codes_carry_80_random_bits_and_a_check_character() -> None:
    assert codes.RANDOM_BITS >= 80
    code = codes.new_code()
    assert len(code) == codes.CODE_CHARS
    assert codes.canonical(code) == code


def test_every_single_typo_and_neighbour_swap_is_caught() -> None:
    code = codes.new_code()
    for i in range(len(code)):
        for c in codes.ALPHABET:
            if c != code[i]:
                with pytest.raises(CodeFormatError):
                    codes.canonical(code[:i] + c + code[i + 1 :])
    for i in range(len(code) - 1):
        if code[i] != code[i + 1]:
            swapped = code[:i] + code[i + 1] + code[i] + code[i + 2 :]
            with pytest.raises(CodeFormatError):
                codes.canonical(swapped)


def test_input_is_forgiving_about_case_separators_and_aliases() -> None:
    body = "0123456789ABCDEF"
    code = body + codes.check_char(body)
    shown = codes.display(code)
    assert shown.count("-") == 4
    assert codes.canonical(shown.lower()) == code
    assert codes.canonical(" " + shown.replace("0", "o").replace("1", "l") + " ") == code
    for bad in ("", "x" * 100, code[:-1], code + "0", "U" * 17):
        with pytest.raises(CodeFormatError):
            codes.canonical(bad)


def test_hash_depends_on_pepper_and_hides_the_code() -> None:
    code = codes.new_code()
    h1, h2 = codes.code_hash(code, b"a"), codes.code_hash(code, b"b")
    assert h1 != h2 and len(h1) == 64 and code not in h1


def test_many_codes_are_unique_and_well_spread() -> None:
    many = [codes.new_code() for _ in range(20_000)]
    assert len(set(many)) == len(many)
    counts = dict.fromkeys(codes.ALPHABET, 0)
    for code in many:
        for ch in code[:-1]:
            counts[ch] += 1
    expected = 20_000 * 16 / 32
    assert all(abs(n - expected) < expected * 0.1 for n in counts.values())
