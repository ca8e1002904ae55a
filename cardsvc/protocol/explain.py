"""Validation errors as sentences for people at a command line or reading a log: which field,
what is allowed, what they gave; no pydantic dump, no links, no type names."""

from __future__ import annotations

from pydantic import ValidationError


def invalid_fields(exc: ValidationError, most: int = 5) -> str:
    """"port: Input should be a valid integer (you gave 'abc')" for each bad field."""
    parts = []
    for err in exc.errors()[:most]:
        where = ".".join(str(x) for x in err.get("loc", ())) or exc.title
        given = err.get("input")
        shown = f" (you gave {given!r})" if isinstance(given, str | int | float) else ""
        parts.append(f"{where}: {err.get('msg', 'invalid').rstrip('.')}{shown}")
    return "; ".join(parts) or f"{exc.title} is not valid"
