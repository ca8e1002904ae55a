"""Voucher codes: what a customer types or a cashier reads out.

- Alphabet: Crockford's base32 (digits and letters without I, L, O, U): no two characters of it
  look alike. On input, O is read as 0 and I/L as 1, as Crockford specifies; those are the
  only characters anyone could confuse, so the mapping is exact, never a guess.
- 16 random characters = 80 bits from `secrets`, then one check character (Luhn mod 32,
  which catches every single-character typo and every swap of two neighbours).
- Shown in groups of four: ``7KQH-M2XC-9RTB-W4NA-P``; input ignores case, spaces and dashes.
- Codes are bearer secrets: the service stores only an HMAC-SHA256 of the canonical code
  (keyed by a server pepper), mapped to a separate random instrument id.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
BASE = len(ALPHABET)
assert BASE == 32
RANDOM_CHARS = 16  # 16 x 5 = 80 bits
CODE_CHARS = RANDOM_CHARS + 1
RANDOM_BITS = RANDOM_CHARS * 5
_INDEX = {c: i for i, c in enumerate(ALPHABET)}
_ALIASES = str.maketrans({"O": "0", "I": "1", "L": "1", "-": None, " ": None})
MAX_INPUT = 64  # longer input is refused before any work


class CodeFormatError(ValueError):
    """The text cannot be a code: wrong characters or length, or the check character fails."""


def check_char(body: str) -> str:
    """The Luhn mod 32 check character for `body` (characters of ALPHABET)."""
    total, factor = 0, 2
    for ch in reversed(body):
        addend = factor * _INDEX[ch]
        total += addend // BASE + addend % BASE
        factor = 3 - factor
    return ALPHABET[(BASE - total % BASE) % BASE]


def new_code() -> str:
    """A fresh random code in canonical form (17 characters, no separators)."""
    value = secrets.randbits(RANDOM_BITS)
    body = "".join(ALPHABET[(value >> (5 * i)) & 31] for i in range(RANDOM_CHARS))
    return body + check_char(body)


def canonical(text: str) -> str:
    """The canonical form of typed input; raise CodeFormatError if it cannot be a code."""
    if len(text) > MAX_INPUT:
        raise CodeFormatError("too long to be a code")
    code = text.strip().upper().translate(_ALIASES)
    if len(code) != CODE_CHARS or any(c not in _INDEX for c in code):
        raise CodeFormatError("a code has 17 characters: digits and letters")
    if check_char(code[:-1]) != code[-1]:
        raise CodeFormatError("the code's check character does not match (a typo?)")
    return code


def display(code: str) -> str:
    """Groups of four for print and screen: XXXX-XXXX-XXXX-XXXX-C."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def code_hash(code: str, pepper: bytes) -> str:
    """What the database keeps of a canonical code: HMAC-SHA256(pepper, code), hex."""
    return hmac.new(pepper, code.encode("ascii"), hashlib.sha256).hexdigest()


def new_instrument_id(prefix: str) -> str:
    """A random instrument id, unrelated to the code (knowing one reveals nothing of the
    other). 80 bits again, so ids never collide in practice; the ledger refuses one that does."""
    return f"{prefix}-{new_code()[:RANDOM_CHARS]}"
