"""Phone numbers as the chain's customers type them, normalised with Google's libphonenumber
(`phonenumbers`): `0909 421 800`, `+84 909421800` and `84909421800` are one number, stored in
E.164 (`+84909421800`). Only numbers libphonenumber calls valid are accepted, so a typo rarely
makes a second customer."""

from __future__ import annotations

import phonenumbers

MAX_INPUT = 32  # bound what is parsed: a phone number as typed, with spaces and a prefix


class PhoneInvalid(ValueError):
    """Not a valid phone number (the message says why, for staff and logs)."""


def normalise(text: str, region: str = "VN") -> str:
    """The E.164 form of `text`, a number written as people write it in `region`."""
    raw = text.strip()
    if not raw:
        raise PhoneInvalid("a phone number is required")
    if len(raw) > MAX_INPUT:
        raise PhoneInvalid("a phone number is at most 32 characters")
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as exc:
        raise PhoneInvalid(f"not a phone number: {exc}") from exc
    if not phonenumbers.is_valid_number(number):
        raise PhoneInvalid("not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display(e164: str, region: str = "VN") -> str:
    """How people of `region` write it: `0909 421 800` at home, `+1 650-253-0000` abroad."""
    number = phonenumbers.parse(e164, None)
    if phonenumbers.region_code_for_number(number) == region:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def mask(e164: str, region: str = "VN") -> str:
    """The number with all but its first three and last three digits hidden: `090****800`.
    Enough for staff to confirm with the customer, too little to call or copy them."""
    shown = display(e164, region).replace(" ", "").replace("-", "")
    if len(shown) <= 6:
        return "*" * len(shown)
    return shown[:3] + "*" * (len(shown) - 6) + shown[-3:]
