"""`reader-agent` command line. Each subcommand is one `add_*` function registered in
SUBCOMMANDS: adding one (enroll, run...) is writing that function and listing it."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable

from reader_agent.agent.card_key_check import add_card_keys
from reader_agent.agent.commands import add_enroll, add_rotate, add_run
from reader_agent.agent.staff_cli import add_staff
from reader_agent.emulate.cli import add_emulate

Subcommand = Callable[[argparse._SubParsersAction], None]  # type: ignore[type-arg]


def add_readers(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser("readers", help="list PC/SC and NFC readers")
    parser.add_argument(
        "--nfc",
        action="append",
        default=[],
        metavar="PATH",
        help="also probe this nfcpy device path (e.g. usb, usb:072f:2200); repeatable",
    )
    parser.set_defaults(func=run_readers)


def run_readers(args: argparse.Namespace) -> int:
    from reader_agent.drivers import nfc, pcsc
    from reader_agent.drivers.errors import ReaderUnavailableError

    status = 0
    try:
        found = pcsc.list_readers()
    except ReaderUnavailableError as exc:
        print(f"PC/SC: {exc}. Start it with: pcscd --foreground (or systemctl start pcscd)")
        found, status = [], 1
    else:
        if not found:
            print("PC/SC: pcscd is running but no reader is attached")
    for info in found:
        card = {True: "card present", False: "no card", None: "?"}[info.card_present]
        print(f"pcsc  {info.name}  ({card})")
    for info in nfc.list_readers(tuple(args.nfc)):
        print(f"nfc   {info.name}")
    if args.nfc and not nfc.list_readers(tuple(args.nfc)):
        print(f"NFC: no reader found at {', '.join(args.nfc)}")
    return status


SUBCOMMANDS: list[Subcommand] = [add_readers, add_emulate, add_enroll, add_rotate, add_run,
                                 add_staff, add_card_keys]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="reader-agent",
        description="The store terminal's card agent: readers, emulated cards, enrollment with "
        "the ledger, and the local API with offline queue and sync.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log protocol events")
    subparsers = parser.add_subparsers(dest="command", required=True)
    for add in SUBCOMMANDS:
        add(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING)
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
