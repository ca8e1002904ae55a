"""`cardsvc` command line: one subcommand group per module in cardsvc/commands/."""

from __future__ import annotations

import argparse
import sys

from cardsvc.commands import COMMAND_MODULES


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cardsvc",
        description="Stored-value ledger service: cards, gift cards, vouchers, e-tickets.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMAND_MODULES:
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code: int = args.run(args)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a clear one-line error instead of a traceback for operators
        if getattr(args, "debug", False):
            raise
        print(f"cardsvc: error: {exc}", file=sys.stderr)
        return 1
    return code


if __name__ == "__main__":
    sys.exit(main())
