"""`cardsvc people create`: the first administrator (and any person) from the command line."""

from __future__ import annotations

import argparse
import getpass
import sys
import time
from typing import Any

from cardsvc.backoffice.text import CATALOGUE
from cardsvc.services import signin
from cardsvc.services.errors import ServiceError
from cardsvc.services.people import Role, create_person
from cardsvc.wiring import open_database


def register(sub: Any) -> None:
    p = sub.add_parser("people", help="manage people (API tokens)")
    psub = p.add_subparsers(dest="people_command", required=True)
    c = psub.add_parser("create", help="create a person and print their API token once")
    c.add_argument("id")
    c.add_argument("--name", required=True)
    c.add_argument("--role", choices=[r.value for r in Role], required=True)
    c.add_argument("--store", help="the store a staff member (or scoped finance) belongs to")
    c.set_defaults(run=create)
    pw = psub.add_parser(
        "password", help="set a person's back-office password (asked for, never an argument)"
    )
    pw.add_argument("id")
    pw.add_argument("--temporary", action="store_true", help="must be changed at next sign-in")
    pw.set_defaults(run=set_password)


def create(args: argparse.Namespace) -> int:
    db = open_database()
    try:
        with db.write() as uow:
            token = create_person(
                uow, args.id, args.name, Role(args.role), args.store, int(time.time())
            )
    finally:
        db.close()
    print(token)
    return 0


def set_password(args: argparse.Namespace) -> int:
    """The password is read from the terminal (or one line of standard input when piped), so it
    never lands in the shell's history or the process list."""
    if sys.stdin.isatty():
        password = getpass.getpass("new password: ")
        if getpass.getpass("again: ") != password:
            print("error: the two passwords differ", file=sys.stderr)
            return 2
    else:
        password = sys.stdin.readline().rstrip("\n")
    db = open_database()
    try:
        with db.write() as uow:
            signin.set_password(uow, args.id, password, int(time.time()),
                                must_change=args.temporary)  # fmt: skip
    except ServiceError as exc:
        said = CATALOGUE.t("en", exc.detail) if CATALOGUE.has(exc.detail) else exc.detail
        print(f"error: {said}", file=sys.stderr)
        return 2
    finally:
        db.close()
    print(f"password set for {args.id}")
    return 0
