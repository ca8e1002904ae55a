"""`cardsvc demo`: a ledger on the embedded SQLite default with a demo chain loaded (stores,
programs, an enrolled terminal, a few cards and transactions), then serve it."""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path
from typing import Any

import httpx

from cardsvc.commands.args import int_in
from cardsvc.core.bounds import PORT
from cardsvc.protocol.client import LedgerClient, enroll
from cardsvc.protocol.messages import TransactionMsg
from cardsvc.protocol.signing import InMemorySigner
from cardsvc.services.people import Role, create_person
from cardsvc.settings import Settings
from cardsvc.web.text import dong

DEMO_PROGRAMS: list[dict[str, Any]] = [
    {
        "id": "PREPAID",
        "name": "Thẻ trả trước / Prepaid card",
        "kind": "prepaid",
        "unit": "VND",
        "max_balance": 10_000_000,
    },
    {
        "id": "GIFT-TET",
        "name": "Thẻ quà Tết / Tết gift card",
        "kind": "gift",
        "unit": "VND",
        "max_balance": 5_000_000,
        "validity_s": 365 * 86400,
    },
    {
        "id": "VOUCHER-50K",
        "name": "Phiếu 50.000đ / 50k voucher",
        "kind": "voucher",
        "unit": "VND",
        "max_balance": 50_000,
        "partial": False,
        "uses": 1,
        "min_spend": 200_000,
        "validity_s": 30 * 86400,
    },
    {
        "id": "MEMBER",
        "name": "Thẻ thành viên / Member card",
        "kind": "member",
        "unit": "PTS",
        "max_balance": 100_000_000,
    },
]


def register(sub: Any) -> None:
    p = sub.add_parser("demo", help="load a demo chain into a fresh SQLite ledger and serve it")
    p.add_argument("--db", default="var/demo.db", help="demo database file (recreated)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int_in(PORT), default=os.environ.get("CARDSVC_PORT", "8080"),
                   help="listen port (CARDSVC_PORT)")  # fmt: skip
    p.add_argument("--no-serve", action="store_true", help="load the data and exit")
    p.set_defaults(run=demo)


def demo(args: argparse.Namespace) -> int:
    from fastapi.testclient import TestClient

    from cardsvc.api.app import create_app
    from cardsvc.wiring import build_ledger

    db = Path(args.db)
    for suffix in ("", "-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    settings = Settings(database_url=f"sqlite:///{db}")
    ledger = build_ledger(settings)
    with ledger.db.write() as uow:
        token = create_person(uow, "admin", "Demo admin", Role.ADMIN, None, int(time.time()))
    with TestClient(create_app(settings, ledger=ledger)) as http:
        cards = _load(http, token)
    ledger.close()
    _print_summary(args, db, token, cards)
    if args.no_serve:
        return 0
    import uvicorn

    os.environ["CARDSVC_DATABASE_URL"] = settings.database_url
    uvicorn.run(
        "cardsvc.api.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        loop="uvloop",
        http="httptools",
        log_level="info",
    )
    return 0


def _load(http: httpx.Client, token: str) -> list[dict[str, Any]]:
    auth = {"Authorization": f"Bearer {token}"}
    for store in (
        {"id": "HN01", "name": "Hà Nội - Hoàn Kiếm"},
        {"id": "HCM01", "name": "TP.HCM - Quận 1"},
    ):
        http.post("/v1/stores", json=store, headers=auth).raise_for_status()
    for program in DEMO_PROGRAMS:
        http.post("/v1/programs", json=program, headers=auth).raise_for_status()
    created = http.post(
        "/v1/terminals",
        json={"id": "HN01-POS1", "store_id": "HN01", "name": "Quầy 1"},
        headers=auth,
    )
    created.raise_for_status()
    signer = InMemorySigner()
    enroll(http, "HN01-POS1", created.json()["enrollment_code"], signer)
    client = LedgerClient(http, "HN01-POS1", signer)
    txs = [
        TransactionMsg(
            id="demo-1",
            seq=1,
            op="issue",
            instrument="CARD-0001",
            amount=500_000,
            program="PREPAID",
        ),
        TransactionMsg(id="demo-2", seq=2, op="redeem", instrument="CARD-0001", amount=125_000),
        TransactionMsg(
            id="demo-3",
            seq=3,
            op="issue",
            instrument="GIFT-0001",
            amount=1_000_000,
            program="GIFT-TET",
        ),
        TransactionMsg(
            id="demo-4",
            seq=4,
            op="issue",
            instrument="VCH-0001",
            amount=50_000,
            program="VOUCHER-50K",
            funding="promotion",
        ),
        TransactionMsg(
            id="demo-5",
            seq=5,
            op="issue",
            instrument="MEM-0001",
            amount=1_200,
            program="MEMBER",
            funding="promotion",
        ),
    ]
    client.submit(txs)
    return [client.lookup(i) for i in ("CARD-0001", "GIFT-0001", "VCH-0001", "MEM-0001")]


def _print_summary(
    args: argparse.Namespace, db: Path, token: str, cards: list[dict[str, Any]]
) -> None:
    base = f"http://{args.host}:{args.port}"
    print("\ncardsvc demo ledger loaded")
    print(f"  database        {db} (SQLite, WAL, synchronous=FULL)")
    print(f"  admin token     {token}")
    for card in cards:
        amount = dong(card["balance"]) if card["unit"] == "VND" else f"{card['balance']:,} điểm"
        print(f"  {card['id']:<14}  {card['kind']:<8} {amount.replace(',', '.'):>16}")
    if not args.no_serve:
        print(f"  API docs        {base}/docs")
        print(f"  health          {base}/v1/health")
        auth = f"-H 'Authorization: Bearer {token}'"
        print(f"  a card          curl {auth} {base}/v1/instruments/CARD-0001")
        print(f"  liability       curl {auth} {base}/v1/reports/liability")
        print("  stop with Ctrl-C\n")
