"""`cardsvc people create`: the first administrator (and any person) from the command line."""

from __future__ import annotations

import argparse
import time
from typing import Any

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
