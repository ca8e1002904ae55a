"""`cardsvc customers ...`: import and export member lists, and the daily runs.

    cardsvc customers import members.csv --dry-run        # check, write nothing
    cardsvc customers import members.csv --store HN01 --refused refused.csv
    cardsvc customers export customers.csv
    cardsvc customers run birthdays|referrals|rewards|loyalty-messages|outbox

Works on the database of CARDSVC_DATABASE_URL (settings CARDSVC_CUSTOMERS_*).
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from cardsvc.customers import birthday, importer, loyalty_messages, outbox, referral, rewards
from cardsvc.wiring import running_ledger


def register(sub: Any) -> None:
    p = sub.add_parser("customers", help="customers: import, export, daily runs")
    cs = p.add_subparsers(dest="customers_command", required=True, metavar="ACTION")
    i = cs.add_parser("import", help="import a member list (CSV: name, phone, birthday, points)")
    i.add_argument("file", type=Path)
    i.add_argument("--dry-run", action="store_true", help="check every row, write nothing")
    i.add_argument("--store", help="the home store of the imported customers")
    i.add_argument("--refused", type=Path, help="write refused rows (line, reason) here")
    i.set_defaults(run=run_import)
    e = cs.add_parser("export", help="export every customer as CSV")
    e.add_argument("file", type=Path)
    e.set_defaults(run=run_export)
    r = cs.add_parser("run", help="run a daily job now (idempotent)")
    r.add_argument("job", choices=("birthdays", "referrals", "rewards", "loyalty-messages",
                                   "outbox"))
    r.set_defaults(run=run_job)


def _count_rows(path: Path) -> int:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return max(0, sum(1 for _ in csv.reader(f)) - 1)


def run_import(args: argparse.Namespace) -> int:
    console = Console(stderr=True)
    total = _count_rows(args.file)
    with running_ledger() as ledger, Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
        TimeElapsedColumn(), console=console,
    ) as bar, args.file.open(encoding="utf-8-sig", newline="") as stream:  # fmt: skip
        task = bar.add_task("checking" if args.dry_run else "importing", total=total)
        report = importer.import_members(
            ledger.customers, stream, store=args.store, dry_run=args.dry_run,
            progress=lambda done, of: bar.update(task, completed=done, total=of),
            expected_rows=total)  # fmt: skip
    verb = "would import" if args.dry_run else "imported"
    print(f"{report.total} rows: {verb} {report.imported} customers with {report.points} "
          f"points; refused {len(report.refused)}")
    for line, reason, detail in report.refused[:20]:
        print(f"  line {line}: {reason} ({detail})")
    if args.refused:
        with args.refused.open("w", encoding="utf-8", newline="") as out:
            w = csv.writer(out)
            w.writerow(["line", "reason", "detail"])
            w.writerows(report.refused)
    return 0 if not report.refused else 2


def run_export(args: argparse.Namespace) -> int:
    with running_ledger() as ledger, args.file.open("w", encoding="utf-8", newline="") as out:
        w = csv.DictWriter(out, fieldnames=importer.EXPORT_COLUMNS)
        w.writeheader()
        n = 0
        for row in importer.export_rows(ledger.customers):
            w.writerow(row)
            n += 1
    print(f"exported {n} customers to {args.file}")
    return 0


def run_job(args: argparse.Namespace) -> int:
    with running_ledger() as ledger:
        c = ledger.customers
        if args.job == "birthdays":
            print(f"birthday rewards given: {len(birthday.run(c).rewarded)}")
        elif args.job == "referrals":
            print(referral.run(c))
        elif args.job == "rewards":
            print(f"pending rewards settled: {rewards.settle_pending(c)}")
        elif args.job == "loyalty-messages":
            print(loyalty_messages.run(c))
        else:
            print(outbox.run(c))
    return 0
