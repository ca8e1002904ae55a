"""The demo chain and a month of its history, loaded through the real API with a clock that
walks through the month: stores, programs, people with known demo passwords, terminals that
sell, top up and redeem every day, vouchers printed and used, gift cards expired into breakage.
Seeded, so every run tells the same story."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from cardsvc.protocol.client import LedgerClient, enroll
from cardsvc.protocol.messages import TransactionMsg
from cardsvc.protocol.signing import InMemorySigner
from cardsvc.services import signin
from cardsvc.services.people import Role, create_person
from cardsvc.wiring import Ledger

DAY = 86_400
HISTORY_DAYS = 30
STORES = {"HN01": "Hà Nội - Hoàn Kiếm", "HCM01": "TP.HCM - Quận 1", "DN01": "Đà Nẵng - Hải Châu"}
# Known demo passwords, printed by `cardsvc demo` (a demo database only).
PEOPLE = (
    ("admin", "Quản trị demo", Role.ADMIN, None, "admin-demo-2026"),
    ("ketoan", "Kế toán demo", Role.FINANCE, None, "ketoan-demo-2026"),
    ("nv.hanoi", "Nhân viên Hà Nội", Role.STAFF, "HN01", "hanoi-demo-2026"),
    ("nv.hcm", "Nhân viên TP.HCM", Role.STAFF, "HCM01", "hcm-demo-2026"),
)
# the first week's gift cards are promotional ones valid for 10 days: by day 20 they have
# lapsed, so finance's expiry turns their value into breakage (a Tết card lasts a year)
GIFT_KM_DAYS = 10
FIRST_WEEK = 7
EXPIRY_DAY = 20
PROGRAMS: list[dict[str, Any]] = [
    {"id": "PREPAID", "name": "Thẻ trả trước", "kind": "prepaid", "unit": "VND",
     "max_balance": 10_000_000, "reloadable": True},
    {"id": "GIFT-TET", "name": "Thẻ quà Tết", "kind": "gift", "unit": "VND",
     "max_balance": 5_000_000, "validity_s": 365 * DAY},
    {"id": "GIFT-KM", "name": "Thẻ quà khuyến mãi", "kind": "gift", "unit": "VND",
     "max_balance": 1_000_000, "validity_s": GIFT_KM_DAYS * DAY},
    {"id": "VOUCHER-50K", "name": "Phiếu 50.000 ₫", "kind": "voucher", "unit": "VND",
     "max_balance": 50_000, "partial": False, "uses": 1, "min_spend": 200_000,
     "validity_s": 30 * DAY},
    {"id": "MEMBER", "name": "Thẻ thành viên", "kind": "member", "unit": "PTS",
     "max_balance": 100_000_000},
]  # fmt: skip


@dataclass
class Till:
    id: str
    store: str
    client: LedgerClient
    seq: int = 0

    def send(self, op: str, instrument: str, amount: int = 0, **fields: Any) -> str:
        self.seq += 1
        tx = TransactionMsg(id=f"{self.id}-{self.seq}", seq=self.seq, op=op,
                            instrument=instrument, amount=amount, **fields)  # fmt: skip
        return self.client.submit([tx]).results[0].code


@dataclass
class Story:
    """What the history left behind, for the summary."""

    cards: list[str] = field(default_factory=list)
    gifts: list[str] = field(default_factory=list)
    transactions: int = 0
    expired: int = 0  # gift cards finance expired into breakage


class Clock:
    def __init__(self, now: int) -> None:
        self.now = now

    def __call__(self) -> int:
        return self.now


def load_chain(http: httpx.Client, ledger: Ledger, admin_token: str, clock: Clock) -> None:
    auth = {"Authorization": f"Bearer {admin_token}"}
    for store_id, name in STORES.items():
        http.post(
            "/v1/stores", json={"id": store_id, "name": name}, headers=auth
        ).raise_for_status()
    for program in PROGRAMS:
        http.post("/v1/programs", json=program, headers=auth).raise_for_status()
    with ledger.db.write() as uow:
        for pid, name, role, store, password in PEOPLE:
            if pid != "admin":
                create_person(uow, pid, name, role, store, clock())
            signin.set_password(uow, pid, password, clock(), must_change=False)


def enrol_tills(http: httpx.Client, admin_token: str, clock: Clock) -> list[Till]:
    auth = {"Authorization": f"Bearer {admin_token}"}
    tills = []
    for store_id in STORES:
        tid = f"{store_id}-POS1"
        made = http.post("/v1/terminals", json={"id": tid, "store_id": store_id, "name": "Quầy 1"},
                         headers=auth)  # fmt: skip
        made.raise_for_status()
        signer = InMemorySigner()
        enroll(http, tid, made.json()["enrollment_code"], signer, at=clock())
        tills.append(Till(tid, store_id, LedgerClient(http, tid, signer, clock=clock)))
    return tills


def a_month(tills: list[Till], clock: Clock, expire: Callable[[str], bool]) -> Story:
    """Thirty days of sales, top-ups and redemptions at every store; cards roam between stores;
    on day 20 finance expires the gift cards sold in the first week that were never used."""
    rng = random.Random(2026)
    story = Story()
    for day in range(HISTORY_DAYS):
        for till in tills:
            clock.now += rng.randint(600, 3600)
            for _ in range(rng.randint(2, 5)):
                story.transactions += _one_sale(rng, till, tills, story, day)
        if day == EXPIRY_DAY:
            story.expired = sum(expire(gift) for gift in story.gifts[:4] if "-KM-" in gift)
        clock.now += DAY - 3 * 3600
    return story


def _one_sale(rng: random.Random, till: Till, tills: list[Till], story: Story, day: int) -> int:
    roll = rng.random()
    if roll < 0.25 or not story.cards:
        card = f"CARD-{len(story.cards) + 1:04d}"
        amount = rng.choice((200_000, 300_000, 500_000, 1_000_000))
        if till.send("issue", card, amount, program="PREPAID") == "ok":
            story.cards.append(card)
        return 1
    if roll < 0.35:
        program = "GIFT-KM" if day < FIRST_WEEK else "GIFT-TET"
        gift = f"GIFT-{'KM-' if day < FIRST_WEEK else ''}{len(story.gifts) + 1:04d}"
        if till.send("issue", gift, rng.choice((500_000, 1_000_000)), program=program) == "ok":
            story.gifts.append(gift)
        return 1
    if roll < 0.45:
        till.send("top_up", rng.choice(story.cards), rng.choice((100_000, 200_000)))
        return 1
    if roll < 0.5:
        voucher = f"VCH-{day:02d}-{till.store}-{rng.randint(0, 999):03d}"
        till.send("issue", voucher, 50_000, program="VOUCHER-50K", funding="promotion")
        return 1
    card = rng.choice(story.cards)
    spender = rng.choice(tills) if rng.random() < 0.3 else till  # cards roam between stores
    spender.send("redeem", card, rng.choice((35_000, 60_000, 85_000, 120_000)))
    return 1
