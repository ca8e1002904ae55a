"""What the front-ends send the agent: every request body of its local API."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from cardsvc.protocol.limits import AMOUNT_MAX
from cardsvc.protocol.messages import Id

Amount = Annotated[int, Field(ge=1, le=AMOUNT_MAX, strict=True, description="whole đồng")]
Timeout = Annotated[float, Field(gt=0, le=300, description="seconds to wait for the tap")]
Funding = Literal["cash", "promotion"]
Op = Literal["issue", "top_up", "redeem", "refund"]


class TapRequest(BaseModel):
    timeout_s: Timeout = 15.0


class RedeemRequest(TapRequest):
    amount: Amount
    request_id: Id | None = Field(None, description="the sale's id: a retry never charges twice")


class TopUpRequest(RedeemRequest):
    funding: Funding = "cash"


class RefundRequest(RedeemRequest):
    ref: Id = Field(description="the redemption's transaction id")


class IssueRequest(TapRequest):
    program: Id
    amount: Annotated[int, Field(ge=0, le=AMOUNT_MAX, strict=True)] = 0
    funding: Funding = "cash"
    request_id: Id | None = None


Uid = Annotated[str, Field(pattern=r"^[0-9A-Fa-f]{8,20}$", description="card number (UID hex)")]


class CardReading(BaseModel):
    """A damaged card read at this counter (POST /v1/tap): its purse value and counter."""

    value: int = Field(ge=0, le=2**31 - 1, strict=True)
    counter: int = Field(ge=0, le=2**32 - 1, strict=True)


class ReplaceRequest(TapRequest):
    """Replace a lost, stolen or damaged card: the new card is tapped during this request."""

    old_uid: Uid
    reason: Literal["lost", "stolen", "damaged"]
    request_id: Id = Field(description="the replacement's id: a retry never replaces twice")
    reading: CardReading | None = None


StaffId = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_.\-]+$")]
Pin = Annotated[
    str,
    Field(
        min_length=4,
        max_length=8,
        pattern=r"^[0-9]+$",
        description="the staff member's PIN (never stored, never logged)",
    ),
]


class QrRequest(BaseModel):
    """A scanned QR payload (keyboard-wedge scanner, camera or pasted)."""

    payload: str = Field(min_length=1, max_length=1200)


Tender = Literal["cash", "bank_card", "stored_value", "voucher"]
Points = Annotated[int, Field(ge=0, le=AMOUNT_MAX, strict=True, description="points")]


class PurchaseRequest(TapRequest):
    """A sale for a member (tap the member card): it earns points, and may spend some."""

    amount: Amount = Field(description="the receipt total, whole đồng")
    points: Points = Field(0, description="points spent as a tender (online only)")
    excluded: Annotated[int, Field(ge=0, le=AMOUNT_MAX, strict=True)] = Field(
        0, description="đồng of lines that earn nothing (gift cards, top-ups)"
    )
    tenders: dict[Tender, Annotated[int, Field(ge=0, le=AMOUNT_MAX, strict=True)]] | None = None
    request_id: Id | None = Field(None, description="the sale's id: a retry never earns twice")


class AdjustPointsRequest(TapRequest):
    """Staff move a member's points up (award) or down (deduct), with a reason."""

    op: Literal["award", "deduct"]
    points: Annotated[int, Field(ge=1, le=AMOUNT_MAX, strict=True)]
    reason: Id
    request_id: Id | None = None


class RewardRequest(TapRequest):
    """A member buys a catalog reward with points: the voucher comes back for the receipt."""

    item: Id
    campaign: Id
    points: Annotated[int, Field(ge=1, le=AMOUNT_MAX, strict=True)]
    request_id: Id | None = None


class ShiftRequest(BaseModel):
    """Open a shift: a staff member the till knows (`reader-agent staff add`), with a PIN, and
    the cash in the drawer. The shift open before it is closed (a handover)."""

    staff: StaffId
    pin: Pin
    opening_float: int = Field(0, ge=0, le=AMOUNT_MAX, strict=True,
                               description="cash in the drawer at open, whole đồng")  # fmt: skip


class CloseShiftRequest(BaseModel):
    """Close the current shift: any staff member of the till, with a PIN, and the cash counted
    in the drawer. Its (Z) report goes to the ledger."""

    staff: StaffId
    pin: Pin
    counted_cash: int | None = Field(None, ge=0, le=AMOUNT_MAX, strict=True,
                                     description="cash counted at close, whole đồng")  # fmt: skip


CodeText = Annotated[
    str, Field(min_length=1, max_length=1200, description="a typed code or a scanned QR payload")
]
Money = Annotated[int, Field(ge=0, le=AMOUNT_MAX, strict=True, description="whole đồng")]


class CodeQuoteRequest(BaseModel):
    code: CodeText
    purchase_amount: Money = 0
    amount: Money | None = Field(None, description="gift cards: the part to spend")


class CodeRedeemRequest(BaseModel):
    """Redeem a code against a sale, for exactly `amount` (what the screen showed): if the
    ledger's quote differs now (the gift card was spent elsewhere meanwhile), it is refused."""

    code: CodeText
    purchase_amount: Money
    amount: Money
    request_id: Id | None = None


class CodeSellRequest(BaseModel):
    """Sell a printed gift card by its code: issued for its face value, paid in cash."""

    code: CodeText
    request_id: Id | None = None


class VoidRequest(BaseModel):
    """Void a code redemption of this store (the voucher's use, the gift value, the entry
    comes back), inside the ledger's void window."""

    ref: Id
    request_id: Id | None = None


class CustomerLookupRequest(BaseModel):
    phone: str = Field(min_length=1, max_length=32, description="as the customer says it")


class CustomerSignUpRequest(BaseModel):
    """Sign-up at the counter: phone, name and birthday (day and month; the year optional)."""

    phone: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=200)
    birth_day: int | None = Field(None, ge=1, le=31)
    birth_month: int | None = Field(None, ge=1, le=12)
    birth_year: int | None = Field(None, ge=1900, le=2200)
    email: str | None = Field(None, max_length=254)
    lang: Literal["vi", "en"] = "vi"
    consent: bool = False
    referral_code: str | None = Field(None, max_length=32)
