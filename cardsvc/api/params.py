"""Bounded query parameters (cardsvc.core.bounds), named in the OpenAPI document (`x-bound`)."""

from __future__ import annotations

from typing import Any

from fastapi import Query

from cardsvc.core.bounds import Bound


def query_int(
    bound: Bound,
    default: Any = ...,
    *,
    description: str | None = None,
    lo: int | None = None,
    hi: int | None = None,
) -> Any:
    """A bounded integer query parameter (query strings are text: not strict)."""
    low = bound.lo if lo is None else lo
    high = bound.hi if hi is None else hi
    assert bound.lo <= low <= high <= bound.hi, f"{bound.name}: [{low}, {high}] is outside it"
    return Query(default, ge=low, le=high, description=description,
                 json_schema_extra={"x-bound": bound.name})  # fmt: skip
