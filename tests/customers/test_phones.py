"""Phone numbers: the forms people write are one number; what is not a number is refused."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cardsvc.customers import phones


@pytest.mark.parametrize("written", ["0909 421 800", "+84 909421800", "84909421800",
                                     "0909.421.800", "(+84) 909-421-800"])
def test_one_number_however_it_is_written(written: str) -> None:
    assert phones.normalise(written) == "+84909421800"


@pytest.mark.parametrize("bad", ["", "   ", "12345", "0123456789", "abc", "0" * 40,
                                 "0909 421 800 ext"])
def test_not_a_number_is_refused(bad: str) -> None:
    with pytest.raises(phones.PhoneInvalid):
        phones.normalise(bad)


def test_display_and_mask() -> None:
    assert phones.display("+84909421800") == "0909 421 800"
    assert phones.mask("+84909421800") == "090****800"
    assert phones.display("+16502530000").startswith("+1 650")


@given(st.text(max_size=40))
def test_any_text_is_a_number_or_a_clear_refusal(text: str) -> None:
    try:
        e164 = phones.normalise(text)
    except phones.PhoneInvalid:
        return
    assert e164.startswith("+") and e164[1:].isdigit()
    assert phones.normalise(e164) == e164  # normal form is a fixed point
