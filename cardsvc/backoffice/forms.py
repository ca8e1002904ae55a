"""Checking what people type into back-office forms: every field bounded, and every problem a
message key (shown in the viewer's language) rather than an exception."""

from __future__ import annotations

import re

from cardsvc.services.people import Role

ID_RE = re.compile(r"^[A-Za-z0-9_.:\-]{1,64}$")  # the API's id rule (cardsvc.api.routes_admin)
NAME_MAX = 200


class FormProblem(Exception):
    """A field that is not acceptable: `key` names the message, `field` the input."""

    def __init__(self, key: str, field: str = "", **values: object) -> None:
        super().__init__(key)
        self.key, self.field, self.values = key, field, values


def ident(form: dict[str, str], field: str) -> str:
    value = form.get(field, "").strip()
    if not ID_RE.match(value):
        raise FormProblem("bad_id", field)
    return value


def name(form: dict[str, str], field: str = "name") -> str:
    value = " ".join(form.get(field, "").split())
    if not value or len(value) > NAME_MAX:
        raise FormProblem("bad_name", field)
    return value


def role(form: dict[str, str], field: str = "role") -> Role:
    try:
        return Role(form.get(field, ""))
    except ValueError:
        raise FormProblem("bad_role", field) from None


def optional_store(
    form: dict[str, str], stores: dict[str, str], field: str = "store"
) -> str | None:
    value = form.get(field, "").strip()
    if not value:
        return None
    if value not in stores:
        raise FormProblem("no_such_store", field)
    return value


def whole_number(
    form: dict[str, str], field: str, lo: int, hi: int, *, default: int | None = None
) -> int:
    """An integer typed with or without thousands separators ('50.000', '50,000', '50000')."""
    raw = form.get(field, "").strip().replace(".", "").replace(",", "").replace(" ", "")
    if not raw and default is not None:
        return default
    if not raw.isdigit() or len(raw) > 15:
        raise FormProblem("bad_number", field)
    value = int(raw)
    if not lo <= value <= hi:
        raise FormProblem("out_of_range", field, lo=lo, hi=hi)
    return value
