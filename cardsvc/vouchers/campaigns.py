"""Campaigns: a gift card series, a voucher promotion or an e-ticket event.

Each campaign creates a ledger program of the same id (the terms every instrument is issued
under) plus a campaign row with what printing and budgeting need. Terms are immutable, as for
every program: a change of terms is a new campaign.

Budget (vouchers): the worst case a code can cost is committed when the code is issued (fixed
value: its value; discount: cap x uses), and a generation that would take the committed total
past the budget is refused. That is exact without touching the core: the ledger can never pay
out more than was committed, whatever happens at the tills.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from cardsvc.core import AMOUNT_MAX, InstrumentKind, InstrumentSpec, Unit
from cardsvc.protocol.qr import QrKind
from cardsvc.services.errors import Conflict, NotFound
from cardsvc.services.programs import create_program
from cardsvc.storage.campaigns import CampaignRow
from cardsvc.storage.unit_of_work import UnitOfWork

CampaignKind = Literal["gift", "voucher", "eticket"]
IdStr = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.\-]+$")
Money = Field(0, ge=0, le=AMOUNT_MAX, strict=True)
QR_KINDS: dict[str, QrKind] = {
    "gift": QrKind.GIFT, "voucher": QrKind.VOUCHER, "eticket": QrKind.ETICKET
}
MAX_GATES = 200


def budget_exceeded(detail: str) -> Conflict:
    """A 409 with its own stable code (the API maps errors by their exact class)."""
    exc = Conflict(detail)
    exc.code = "budget_exceeded"
    return exc


class CampaignIn(BaseModel):
    """What an administrator sets for a campaign (API body and CLI options)."""

    model_config = {"extra": "forbid"}

    id: str = IdStr
    name: str = Field(min_length=1, max_length=200)
    kind: CampaignKind
    face_value: int = Money  # gift card / fixed voucher value in đồng
    discount_bp: int = Field(0, ge=0, le=10_000)  # discount vouchers: 1500 = 15 %
    discount_cap: int = Money
    min_spend: int = Money
    uses: int | None = Field(None, ge=1, le=1_000_000)  # voucher uses / ticket entries
    valid_from: int | None = Field(None, ge=0)
    valid_until: int | None = Field(None, ge=0)
    validity_s: int | None = Field(None, gt=0, description="gift cards: valid this long after sale")
    reloadable: bool = False
    max_balance: int | None = Field(None, gt=0, le=AMOUNT_MAX)
    accepted_stores: list[str] = Field(default_factory=list, max_length=1000)
    budget: int | None = Field(None, ge=0, le=10**15)
    passback_s: int = Field(0, ge=0, le=7 * 86400)
    gates: list[str] = Field(default_factory=list, max_length=MAX_GATES)

    @model_validator(mode="after")
    def _consistent(self) -> CampaignIn:
        problem = _problem(self)
        if problem:
            raise ValueError(problem)
        return self

    def spec(self) -> InstrumentSpec:
        """The ledger terms of the campaign's program."""
        value_kind = {"gift": InstrumentKind.GIFT, "voucher": InstrumentKind.VOUCHER,
                      "eticket": InstrumentKind.ETICKET}[self.kind]
        if self.kind == "gift":
            max_balance = self.max_balance or self.face_value
        else:
            max_balance = max(self.face_value, 1)
        return InstrumentSpec(
            kind=value_kind, unit=Unit.VND, program=self.id,
            valid_from=self.valid_from, valid_until=self.valid_until,
            reloadable=self.reloadable, partial=self.kind == "gift",
            max_balance=max_balance,
            uses=self.uses if self.kind != "voucher" else (self.uses or 1),
            discount_bp=self.discount_bp, discount_cap=self.discount_cap,
            min_spend=self.min_spend, passback_s=self.passback_s,
            accepted_stores=frozenset(self.accepted_stores),
            accepted_terminals=frozenset(self.gates),
        )


def _problem(c: CampaignIn) -> str | None:
    if c.kind == "gift":
        if c.face_value <= 0:
            return "a gift card series needs a face_value"
        if c.discount_bp or c.budget is not None or c.gates:
            return "gift cards have no discount, budget or gates"
        return None
    if c.validity_s is not None or c.reloadable:
        return "validity_s and reloadable are for gift cards; give valid_from/valid_until"
    if c.valid_until is None:
        return "vouchers and events need a validity window (valid_until)"
    if c.kind == "eticket":
        if c.face_value or c.discount_bp or c.budget is not None:
            return "e-tickets carry entries, not value or budget"
        return None
    if (c.face_value > 0) == (c.discount_bp > 0):
        return "a voucher has either a face_value (fixed) or a discount_bp (percentage)"
    if c.discount_bp and not c.discount_cap and c.budget is not None:
        return "a percentage voucher under a budget needs a discount_cap (its worst case)"
    if c.gates or c.passback_s:
        return "gates and passback are for e-tickets"
    return None


@dataclass(frozen=True, slots=True)
class Campaign(CampaignRow):
    """A campaign as stored, with the rules printing and budgeting read from it."""

    @property
    def qr_kind(self) -> QrKind:
        return QR_KINDS[self.kind]

    @property
    def issued_at_generation(self) -> bool:
        """Vouchers and tickets exist in the ledger once printed; gift cards when sold."""
        return self.kind != "gift"

    def worst_case_per_code(self) -> int:
        """The most one code can ever cost the campaign's budget."""
        if self.kind != "voucher":
            return 0
        spec = self.spec
        if spec.discount_bp:
            return spec.discount_cap * (spec.uses or 1)
        return self.face_value


def create_campaign(uow: UnitOfWork, body: CampaignIn, now: int, by_user: str | None) -> None:
    """Create the program and the campaign; refuse an existing id (terms are immutable)."""
    create_program(uow, body.id, body.name, body.spec(), body.validity_s, now,
                   taken="create a campaign with a new id")  # fmt: skip
    uow.campaigns.add(body.id, body.kind, body.name, body.face_value, body.budget, body.gates,
                      now, by_user)  # fmt: skip


def get_campaign(uow: UnitOfWork, campaign_id: str, *, for_update: bool = False) -> Campaign:
    row = uow.campaigns.get(campaign_id, for_update=for_update)
    if row is None:
        raise NotFound(f"no campaign {campaign_id}")
    return _campaign(row)


def _campaign(row: CampaignRow) -> Campaign:
    assert row.kind in QR_KINDS, f"campaign {row.id} has an unknown kind {row.kind!r}"
    return Campaign(**{f.name: getattr(row, f.name) for f in fields(row)})


def list_campaigns(uow: UnitOfWork, limit: int = 500) -> list[Campaign]:
    return [get_campaign(uow, i) for i in uow.campaigns.ids(limit)]


def reserve_budget(uow: UnitOfWork, campaign: Campaign, count: int) -> int:
    """Commit the worst case of `count` new codes; raise BudgetExceeded if it does not fit.

    The caller holds the campaign row locked (PostgreSQL FOR UPDATE; SQLite BEGIN IMMEDIATE),
    so two concurrent generations cannot both fit into the same remaining budget.
    """
    cost = campaign.worst_case_per_code() * count
    if campaign.budget is not None and campaign.committed + cost > campaign.budget:
        left = campaign.budget - campaign.committed
        raise budget_exceeded(
            f"campaign {campaign.id}: {count} codes may cost {cost:,} but only {left:,} of the "
            f"budget {campaign.budget:,} is uncommitted"
        )
    uow.campaigns.commit_budget(campaign.id, cost)
    return cost
