"""`cardsvc vouchers ...`: campaigns and bulk codes from the command line.

    cardsvc vouchers create --id TET50 --name "Phiếu Tết" --value 50000 --min-spend 200000 \
        --valid-until 2027-02-28 --budget 50000000
    cardsvc vouchers generate --campaign TET50 --count 100000 --out out/tet50
    cardsvc vouchers show --campaign TET50

Works on the database of CARDSVC_DATABASE_URL; the QR key comes from the CARDKEYS_ keystore.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from cardsvc.settings import Settings

VN = timezone(timedelta(hours=7))
STAGES = {
    "codes": "making codes",
    "store": "storing hashes",
    "issue": "issuing in the ledger",
    "sign": "signing QR payloads",
    "images": "drawing QR images",
    "sheets": "printing sheets",
}


def register(sub: Any) -> None:
    p = sub.add_parser("vouchers", help="voucher campaigns and gift card series: codes, QR")
    vs = p.add_subparsers(dest="vouchers_command", required=True, metavar="ACTION")
    c = vs.add_parser("create", help="create a voucher campaign or gift card series")
    add_campaign_options(c)
    c.add_argument("--kind", choices=("voucher", "gift"), default="voucher")
    c.add_argument("--value", type=int, default=0, help="fixed value / gift face value (đồng)")
    c.add_argument("--discount-bp", type=int, default=0, help="percentage in basis points")
    c.add_argument("--cap", type=int, default=0, help="most a percentage voucher takes off")
    c.add_argument("--min-spend", type=int, default=0)
    c.add_argument("--uses", type=int, help="uses per voucher (default 1)")
    c.add_argument("--budget", type=int, help="most the promotion may cost (đồng)")
    c.add_argument("--validity-days", type=int, help="gift cards: valid this long after sale")
    c.add_argument("--reloadable", action="store_true")
    c.add_argument("--stores", default="", help="comma-separated stores that accept it")
    c.set_defaults(run=create_voucher_campaign)
    add_generate_parser(vs, "campaign")
    s = vs.add_parser("show", help="budget and batches of a campaign")
    s.add_argument("--campaign", required=True)
    s.set_defaults(run=show)


def add_campaign_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--id", required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--valid-from", type=parse_time, help="YYYY-MM-DD[THH:MM] (Vietnam time)")
    p.add_argument("--valid-until", type=parse_time, help="YYYY-MM-DD[THH:MM], exclusive")


def add_generate_parser(sub: Any, what: str) -> None:
    g = sub.add_parser("generate", help="generate codes: CSV, QR images, printable sheets")
    g.add_argument(f"--{what}", dest="campaign", required=True)
    g.add_argument("--count", type=int, required=True)
    g.add_argument("--out", type=Path, required=True, help="output directory (must be empty)")
    g.add_argument("--images", choices=("both", "png", "svg", "none"), default="both")
    g.add_argument("--no-sheets", action="store_true", help="skip the printable HTML sheets")
    g.set_defaults(run=generate)


def parse_time(text: str) -> int:
    """A date or date-time in Vietnam time, or epoch seconds."""
    if text.isdigit():
        return int(text)
    moment = datetime.fromisoformat(text)
    return int((moment if moment.tzinfo else moment.replace(tzinfo=VN)).timestamp())


@contextmanager
def opened_vouchers() -> Iterator[Any]:
    from cardsvc.vouchers.service import VouchersNotConfigured
    from cardsvc.wiring import running_ledger

    with running_ledger(Settings()) as ledger:
        try:
            vouchers = ledger.require_vouchers()
        except VouchersNotConfigured as exc:
            raise SystemExit(f"cardsvc: {exc}") from exc
        yield vouchers


def create_campaign_from(body: dict[str, Any]) -> int:
    from cardsvc.vouchers.campaigns import CampaignIn, create_campaign
    from cardsvc.wiring import running_ledger

    campaign = CampaignIn.model_validate(body)
    with running_ledger(Settings()) as ledger, ledger.db.write() as uow:
        create_campaign(uow, campaign, ledger.clock(), None)
    print(f"created {campaign.kind} campaign {campaign.id}")
    return 0


def create_voucher_campaign(args: argparse.Namespace) -> int:
    body: dict[str, Any] = {
        "id": args.id,
        "name": args.name,
        "kind": args.kind,
        "face_value": args.value,
        "discount_bp": args.discount_bp,
        "discount_cap": args.cap,
        "min_spend": args.min_spend,
        "uses": args.uses,
        "valid_from": args.valid_from,
        "valid_until": args.valid_until,
        "budget": args.budget,
        "reloadable": args.reloadable,
        "validity_s": args.validity_days * 86400 if args.validity_days else None,
        "accepted_stores": [s for s in args.stores.split(",") if s],
    }
    return create_campaign_from(body)


def generate(args: argparse.Namespace) -> int:
    from cardsvc.vouchers import generate as gen
    from cardsvc.vouchers import printing

    out: Path = args.out
    if out.exists() and any(out.iterdir()):
        raise SystemExit(f"cardsvc: {out} is not empty; codes are never overwritten")
    out.mkdir(parents=True, exist_ok=True)
    with opened_vouchers() as v, _progress() as bar:
        batch = gen.generate(v, args.campaign, args.count, None, _stage_callback(bar))
        printing.write_csv(out / "codes.csv", batch)
        if args.images != "none":
            images = bar.add_task(STAGES["images"], total=len(batch.codes))
            printing.write_images(
                out, batch.codes, args.images, lambda n: bar.update(images, completed=n)
            )
        if not args.no_sheets:
            sheets = bar.add_task(STAGES["sheets"], total=len(batch.codes))
            printing.write_sheets(out, batch, lambda n: bar.update(sheets, completed=n))
    (out / "batch.json").write_text(
        json.dumps(
            {
                "batch": batch.batch_id,
                "campaign": args.campaign,
                "codes": len(batch.codes),
                "reserved": batch.reserved,
                "refused": batch.refused,
            },
            indent=1,
        )
        + "\n"
    )
    print(f"{len(batch.codes)} codes for {args.campaign} in {out} (batch {batch.batch_id})")
    return 0 if not batch.refused else 3


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description:<24}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
    )


def _stage_callback(bar: Progress) -> Callable[[str, int, int], None]:
    tasks: dict[str, Any] = {}

    def update(stage: str, done: int, total: int) -> None:
        if stage not in tasks:
            tasks[stage] = bar.add_task(STAGES.get(stage, stage), total=total)
        bar.update(tasks[stage], completed=done)

    return update


def show(args: argparse.Namespace) -> int:
    from cardsvc.vouchers.reports import campaign_summary
    from cardsvc.wiring import running_ledger

    with running_ledger(Settings()) as ledger, ledger.db.read() as uow:
        summary = campaign_summary(uow, args.campaign)
    print(json.dumps(summary, indent=1, ensure_ascii=False))
    return 0
