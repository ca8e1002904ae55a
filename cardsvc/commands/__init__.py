"""Subcommands of `cardsvc`. To add one: a module with `register(subparsers)` that sets
`run=callable(args) -> int` on its parsers, listed here."""

from __future__ import annotations

from types import ModuleType

from cardsvc.commands import admin, customers, demo, loyalty, media, qr, serve, tickets, vouchers

COMMAND_MODULES: list[ModuleType] = [serve, admin, demo, vouchers, tickets, qr, loyalty, media,
                                     customers]
