"""The card keys an agent needs, and `reader-agent card-keys`: which are in the keystore, and
(`--create`) the missing ones made.

Every till of a chain must hold the same card masters (a card personalised at one till is read
at every other): create them once, in the keystore the tills share (an HSM), or import the
same components everywhere (`cardkeys import-components`). `--create` on a till's own file
keystore is for a single till or a demonstration."""

from __future__ import annotations

import argparse
import sys

from keys.errors import KeysError
from keys.keystore import Keystore
from reader_agent.agent.settings import AgentSettings


def missing_card_keys(keystore: Keystore, settings: AgentSettings) -> list[str]:
    """The card key labels (purse-picc, purse-app, purse-debit, purse-credit) the keystore
    lacks at the agent's key version."""
    held = {(r.label, r.version) for r in keystore.list_keys()}
    version = settings.card_key_version
    return [label for label in settings.card_key_labels if (label, version) not in held]


def missing_keys_sentence(missing: list[str]) -> str:
    return (f"the keystore has no card key {', '.join(missing)}: cards cannot be sold, "
            "topped up or read offline until it does; create them once for the chain with "
            "`reader-agent card-keys --create`, or import them with "
            "`cardkeys import-components`")  # fmt: skip


def add_card_keys(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("card-keys", help="check the card keys the agent needs (--create: make "
                       "the missing ones)")  # fmt: skip
    p.add_argument("--create", action="store_true", help="generate the missing card masters")
    p.set_defaults(func=card_keys_command)


def card_keys_command(args: argparse.Namespace) -> int:
    from reader_agent.agent.commands import _keystore

    settings = AgentSettings()
    try:
        keystore = _keystore(create=args.create)
        missing = missing_card_keys(keystore, settings)
        for label in settings.card_key_labels:
            state = "missing" if label in missing else "present"
            print(f"{label}\tversion {settings.card_key_version}\t{state}")
        if missing and args.create:
            for label in missing:
                record = keystore.generate_master_key(label, settings.card_key_version)
                print(f"{label}\tcreated, KCV {record.kcv}")
            missing = []
    except KeysError as exc:
        print(f"reader-agent: {exc}", file=sys.stderr)
        return 2
    if missing:
        print(f"reader-agent: {missing_keys_sentence(missing)}", file=sys.stderr)
        return 1
    return 0
