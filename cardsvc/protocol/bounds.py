"""Pydantic fields bounded by `cardsvc.core.bounds`: every integer that enters through a
model is declared with `within` (query parameters: `cardsvc.api.params`), so its range is one
of the ledger's bounds (or narrower) and the OpenAPI document names which one (`x-bound`)."""

from __future__ import annotations

from pydantic import Field
from pydantic.fields import FieldInfo

from cardsvc.core.bounds import Bound

__all__ = ["within"]


def _range(bound: Bound, lo: int | None, hi: int | None) -> tuple[int, int]:
    low = bound.lo if lo is None else lo
    high = bound.hi if hi is None else hi
    assert bound.lo <= low <= high <= bound.hi, f"{bound.name}: [{low}, {high}] is outside it"
    return low, high


def within(
    bound: Bound, *, lo: int | None = None, hi: int | None = None, strict: bool = True
) -> FieldInfo:
    """`Annotated[int, within(AMOUNT)]`: an int in the bound (or the narrower [lo, hi]).
    Strict by default: a JSON string or a bool is not a number."""
    low, high = _range(bound, lo, hi)
    info: FieldInfo = Field(
        ge=low, le=high, strict=strict, json_schema_extra={"x-bound": bound.name}
    )
    return info
