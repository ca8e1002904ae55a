"""`reader-agent staff add|list|remove`: who may open a shift at this till, with a PIN.

The PIN comes from READER_AGENT_STAFF_PIN or a prompt (never a command-line argument, which
other users of the machine can read in the process list)."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
import time

from reader_agent.agent.localdb import LocalDb
from reader_agent.agent.settings import AgentSettings
from reader_agent.agent.staff import StaffBook

PIN_VARIABLE = "READER_AGENT_STAFF_PIN"


def add_staff(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("staff", help="who may open a shift at this till (staff id, name, PIN)")
    p.add_argument("--data-dir", help="where the identity and queue live")
    actions = p.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help=f"add a staff member, or set a new name and PIN "
                             f"(the PIN from {PIN_VARIABLE} or a prompt)")  # fmt: skip
    add.add_argument("id", help="staff id, e.g. NV01 (letters, digits, . _ -)")
    add.add_argument("--name", required=True, help="the name shown on shifts and receipts")
    remove = actions.add_parser("remove", help="remove a staff member")
    remove.add_argument("id")
    actions.add_parser("list", help="list the staff of this till")
    p.set_defaults(func=staff_command)


def _pin() -> str:
    pin = os.environ.get(PIN_VARIABLE)
    if pin is not None:
        return pin
    first = getpass.getpass("PIN (4-8 digits): ")
    if getpass.getpass("PIN again: ") != first:
        raise ValueError("the two PINs differ")
    return first


def staff_command(args: argparse.Namespace) -> int:
    overrides = {"data_dir": args.data_dir} if args.data_dir else {}
    settings = AgentSettings(**overrides)
    db = LocalDb(settings.database_path)
    book = StaffBook(db, lambda: int(time.time()))
    try:
        if args.action == "add":
            member = book.add(args.id, args.name, _pin())
            print(f"staff {member.id} ({member.name}) may open shifts at this till")
        elif args.action == "remove":
            if not book.remove(args.id):
                print(f"reader-agent: no staff member {args.id}", file=sys.stderr)
                return 1
            print(f"staff {args.id} removed")
        else:
            for member in book.members():
                print(f"{member.id}\t{member.name}")
    except ValueError as exc:
        print(f"reader-agent: {exc}", file=sys.stderr)
        return 2
    finally:
        db.close()
    return 0
