"""The counter's screens: one module per screen, each with a FastAPI `router` and, when it has a
menu entry, `NAV`: its (path, key) pairs (the label is the message `nav_<key>`).

SCREENS is the whole list, in menu order: a new screen is a new module and one line here."""

from types import ModuleType

from terminals.counter.screens import (
    codes,
    customers,
    home,
    loyalty,
    media,
    receipts,
    rewards,
    sales,
    shift,
    tap,
)

SCREENS: list[ModuleType] = [
    home,
    tap,
    sales,
    codes,
    receipts,
    loyalty,
    rewards,
    shift,
    media,
    customers,
]
