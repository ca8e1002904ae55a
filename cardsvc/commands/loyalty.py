"""`cardsvc loyalty ...`: rule set-up and the daily runs (cron them once a day; a second run the
same local day does nothing).

    cardsvc loyalty rules --program MEMBER --file rules.json     # a new version (RulesIn JSON)
    cardsvc loyalty show --program MEMBER                        # every version, as stored
    cardsvc loyalty run expiry                                   # lots past expiry to breakage
    cardsvc loyalty run review                                   # tiers due for review
    cardsvc loyalty member card-04A1B2C3                         # tier and points of a member
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from cardsvc.settings import Settings

RULES_FILE_MAX = 1_000_000  # bytes: a rules file is a page of JSON


def register(sub: Any) -> None:
    p = sub.add_parser("loyalty", help="loyalty rules, member look-up, expiry and tier runs")
    ls = p.add_subparsers(dest="loyalty_command", required=True, metavar="ACTION")
    r = ls.add_parser("rules", help="add a version of a program's rules from a JSON file")
    r.add_argument("--program", required=True)
    r.add_argument("--file", required=True, type=Path)
    r.add_argument("--by", default="cli", help="who sets them up (kept with the version)")
    r.set_defaults(run=add_rules)
    s = ls.add_parser("show", help="a program's rule versions")
    s.add_argument("--program", required=True)
    s.set_defaults(run=show_rules)
    m = ls.add_parser("member", help="a member's tier and points")
    m.add_argument("instrument")
    m.set_defaults(run=show_member)
    u = ls.add_parser("run", help="the daily expiry or tier-review run")
    u.add_argument("kind", choices=["expiry", "review"])
    u.set_defaults(run=run_daily)


def add_rules(args: argparse.Namespace) -> int:
    from cardsvc.services.loyalty import define_rules
    from cardsvc.services.loyalty_rules import RulesIn
    from cardsvc.wiring import open_database, wall_clock

    path: Path = args.file
    if path.stat().st_size > RULES_FILE_MAX:
        print(f"cardsvc: {path} is larger than {RULES_FILE_MAX} bytes", file=sys.stderr)
        return 2
    try:
        rules_in = RulesIn.model_validate_json(path.read_bytes())
    except ValidationError as exc:
        print(f"cardsvc: {path}: {exc}", file=sys.stderr)
        return 2
    db = open_database()
    try:
        with db.write() as uow:
            rules = define_rules(uow, args.program, rules_in, wall_clock(), args.by)
    finally:
        db.close()
    print(f"program {args.program}: rules version {rules.version} in force from"
          f" {rules.effective_from}")  # fmt: skip
    return 0


def show_rules(args: argparse.Namespace) -> int:
    from cardsvc.services.loyalty import rule_versions
    from cardsvc.storage.loyalty_codec import rules_to_json
    from cardsvc.wiring import open_database

    db = open_database()
    try:
        with db.read() as uow:
            versions = rule_versions(uow, args.program)
    finally:
        db.close()
    for r in versions:
        print(json.dumps({"version": r.version, "effective_from": r.effective_from,
                          "rules": json.loads(rules_to_json(r))}, ensure_ascii=False))  # fmt: skip
    print(f"{len(versions)} version(s)")
    return 0


def show_member(args: argparse.Namespace) -> int:
    from cardsvc.api.loyalty_views import member_loyalty
    from cardsvc.services.loyalty import member_view
    from cardsvc.wiring import open_database, wall_clock

    db = open_database()
    try:
        with db.read() as uow:
            view = member_view(uow, args.instrument, wall_clock())
    finally:
        db.close()
    print(json.dumps(member_loyalty(view), ensure_ascii=False, indent=1))
    return 0


def run_daily(args: argparse.Namespace) -> int:
    from cardsvc.services.loyalty import run_daily as run
    from cardsvc.wiring import running_ledger

    with running_ledger(Settings()) as ledger:
        report = run(ledger.db, ledger.committer, args.kind, ledger.clock())
    print(json.dumps(report.__dict__))
    return 0
