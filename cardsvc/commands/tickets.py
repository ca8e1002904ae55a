"""`cardsvc tickets ...`: e-ticket events, their codes and per-gate check-in lists.

    cardsvc tickets create --id FEST27 --name "Lễ hội 2027" --valid-from 2027-03-01T08:00 \
        --valid-until 2027-03-03 --entries 3 --passback-min 30 --gates GATE-A,GATE-B
    cardsvc tickets generate --event FEST27 --count 5000 --out out/fest27
    cardsvc tickets checkins --event FEST27 --gate GATE-A
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from cardsvc.commands.vouchers import (
    add_campaign_options,
    add_generate_parser,
    create_campaign_from,
)
from cardsvc.settings import Settings


def register(sub: Any) -> None:
    p = sub.add_parser("tickets", help="e-ticket events: create, generate codes, check-ins")
    ts = p.add_subparsers(dest="tickets_command", required=True, metavar="ACTION")
    c = ts.add_parser("create", help="create an event")
    add_campaign_options(c)
    c.add_argument("--entries", default="1", help="entries per ticket: a number or 'unlimited'")
    c.add_argument("--passback-min", type=int, default=0, help="no re-entry within N minutes")
    c.add_argument("--gates", default="", help="comma-separated gate terminal ids")
    c.set_defaults(run=create_event)
    add_generate_parser(ts, "event")
    k = ts.add_parser("checkins", help="an event's check-in list, per gate")
    k.add_argument("--event", required=True)
    k.add_argument("--gate")
    k.add_argument("--limit", type=int, default=1000)
    k.set_defaults(run=checkins)


def create_event(args: argparse.Namespace) -> int:
    entries = None if args.entries == "unlimited" else int(args.entries)
    return create_campaign_from(
        {
            "id": args.id,
            "name": args.name,
            "kind": "eticket",
            "uses": entries,
            "valid_from": args.valid_from,
            "valid_until": args.valid_until,
            "passback_s": args.passback_min * 60,
            "gates": [g for g in args.gates.split(",") if g],
        }
    )


def checkins(args: argparse.Namespace) -> int:
    from cardsvc.vouchers.reports import checkins as query
    from cardsvc.wiring import running_ledger

    with running_ledger(Settings()) as ledger, ledger.db.read() as uow:
        rows = query(uow, args.event, args.gate, args.limit)
    for row in rows:
        print(json.dumps(row))
    print(f"{len(rows)} check-in(s)")
    return 0
