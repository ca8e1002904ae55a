"""A shift (Z) report as a counter sends it when a shift closes (signed with the terminal key,
queued while the ledger is out of reach, sent until the ledger has it: exactly once, the
terminal, its shift number and when the shift opened name it). The ledger works out the
expected cash and the difference itself from the figures here."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from cardsvc.core.bounds import BALANCE, EPOCH, OPS_COUNT, ROW_ID, SEQ
from cardsvc.protocol.bounds import within

Money = Annotated[int, within(BALANCE)]
Count = Annotated[int, within(OPS_COUNT)]
Epoch = Annotated[int, within(EPOCH)]
ShiftNo = Annotated[int, within(ROW_ID, hi=SEQ.hi)]


class ShiftReportMsg(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    shift_no: ShiftNo = Field(description="the till's shift number")
    staff: str = Field(min_length=1, max_length=64, description="who held the shift")
    opened_at: Epoch
    closed_at: Epoch
    opening_float: Money = Field(0, description="cash in the drawer when the shift opened")
    cash_sold: Money = Field(description="cash taken for stored value (card sales, top-ups)")
    refunds: Count = Field(0, description="refunds made in the shift")
    refunded: Money = Field(0, description="what they gave back, in đồng")
    counted_cash: Money | None = Field(None, description="cash counted at close; None: not")
    operations: Count = Field(0, description="operations of the shift the ledger will see")

    @model_validator(mode="after")
    def _closes_after_it_opens(self) -> ShiftReportMsg:
        if self.closed_at < self.opened_at:
            raise ValueError("a shift closes after it opens")
        return self

    @property
    def expected_cash(self) -> int:
        return self.opening_float + self.cash_sold

    @property
    def difference(self) -> int | None:
        """Counted minus expected: negative, cash is missing; positive, there is more."""
        return None if self.counted_cash is None else self.counted_cash - self.expected_cash
