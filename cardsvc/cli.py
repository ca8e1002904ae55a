"""`cardsvc` command line: one subcommand group per module in cardsvc/commands/."""

from __future__ import annotations

import argparse
import os
import sys

from pydantic import ValidationError

from cardsvc.commands import COMMAND_MODULES
from cardsvc.protocol.explain import invalid_fields
from cardsvc.storage.faults import DatabaseUnavailable


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
        sys.stdout.flush()
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `cardsvc ... | head`: the reader left; not an error to report
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # the interpreter's final flush must not fail
        return 141
    except Exception as exc:  # a clear error in words instead of a traceback for operators
        if getattr(args, "debug", False):
            raise
        print(f"cardsvc: error: {explain(exc)}", file=sys.stderr)
        return 1
    return code


def explain(exc: BaseException) -> str:
    """A sentence for an operator: settings and option errors without pydantic's dump."""
    if isinstance(exc, ValidationError):
        return invalid_fields(exc)
    if isinstance(exc, DatabaseUnavailable):
        return f"{exc.detail} (check CARDSVC_DATABASE_URL and that the database server runs)"
    return str(exc)


if __name__ == "__main__":
    sys.exit(main())
