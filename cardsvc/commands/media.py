"""`cardsvc media ...`: card media from the command line.

    cardsvc media show 04A1B2C3D4E5F6
    cardsvc media replace 04A1B2C3D4E5F6 --new 04B7C8D9E0F102 --reason lost --store HN01
    cardsvc media close-due          # close every holding window that has ended (idempotent)
    cardsvc media pending            # value queued at the ledger, waiting for a card's tap
"""

from __future__ import annotations

import argparse
import json
import uuid
from typing import Any

from cardsvc.core.media import MediumState
from cardsvc.services import media
from cardsvc.settings import Settings
from cardsvc.wiring import running_ledger


def register(sub: Any) -> None:
    p = sub.add_parser("media", help="cards: look up, replace lost cards, close holding windows")
    ms = p.add_subparsers(dest="media_command", required=True, metavar="ACTION")
    s = ms.add_parser("show", help="a card by UID: state, instrument, value queued for it")
    s.add_argument("uid")
    s.set_defaults(run=show)
    r = ms.add_parser("replace", help="replace a lost, stolen or damaged card")
    r.add_argument("uid", help="the old card's UID (hex)")
    r.add_argument("--new", required=True, help="the new card's UID (hex)")
    r.add_argument("--reason", required=True, choices=["lost", "stolen", "damaged"])
    r.add_argument("--store", required=True, help="the store replacing the card")
    r.add_argument("--card-type", default="desfire", choices=list(media.CARD_TYPES))
    r.add_argument("--id", help="replacement id (a retry with the same id is harmless)")
    r.add_argument("--by", help="who replaces it (recorded)")
    r.set_defaults(run=replace)
    c = ms.add_parser("close-due", help="close every holding window that has ended")
    c.add_argument("--limit", type=int, default=1000)
    c.set_defaults(run=close_due)
    q = ms.add_parser("pending", help="instruments with value queued for their card")
    q.set_defaults(run=pending)


def _print(value: Any) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True))


def show(args: argparse.Namespace) -> int:
    with running_ledger(Settings()) as ledger, ledger.db.read() as uow:
        _print(media.card(uow, args.uid.upper()))
    return 0


def replace(args: argparse.Namespace) -> int:
    req = media.ReplaceRequest(
        id=args.id or uuid.uuid4().hex[:32], old_uid=args.uid.upper(),
        new_uid=args.new.upper(), reason=MediumState(args.reason),
        new_card_type=args.card_type, store_id=args.store, by_user=args.by,
    )  # fmt: skip
    with running_ledger(Settings()) as ledger:
        window = ledger.settings.card_holding_window_s
        _print(media.replace_card(ledger.db, ledger.committer.policy, req, ledger.clock(),
                                  window))  # fmt: skip
    return 0


def close_due(args: argparse.Namespace) -> int:
    with running_ledger(Settings()) as ledger:
        closed = media.close_due(ledger.db, ledger.committer.policy, ledger.clock(), args.limit)
    _print({"closed": closed})
    return 0


def pending(args: argparse.Namespace) -> int:
    with running_ledger(Settings()) as ledger, ledger.db.read() as uow:
        rows = uow.media.pending_totals()
    _print([{"instrument": i, "updates": n, "amount": a} for i, n, a in rows])
    return 0
