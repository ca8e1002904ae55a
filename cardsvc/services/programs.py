"""Programs: the terms instruments are issued under, and the cache the hot path reads them from.

A program's terms are immutable once instruments are issued under it (a change of terms is a
new program), so every process may cache them without invalidation.
"""

from __future__ import annotations

import json
import threading
from dataclasses import asdict, replace
from typing import Any

from sqlalchemy import Connection, select

from cardsvc.core import InstrumentKind, InstrumentSpec, Unit
from cardsvc.storage.schema import programs


def terms_to_json(spec: InstrumentSpec) -> str:
    data = asdict(spec)
    data["accepted_stores"] = sorted(spec.accepted_stores)
    return json.dumps(data, sort_keys=True, separators=(",", ":"))


def terms_from_json(text: str) -> InstrumentSpec:
    data: dict[str, Any] = json.loads(text)
    data["kind"] = InstrumentKind(data["kind"])
    data["unit"] = Unit(data["unit"])
    data["accepted_stores"] = frozenset(data.get("accepted_stores", ()))
    return InstrumentSpec(**data)


class ProgramCache:
    """Program terms by id, read from the database on first use."""

    def __init__(self) -> None:
        self._terms: dict[str, tuple[InstrumentSpec, int | None]] = {}
        self._lock = threading.Lock()

    def get(self, conn: Connection, program_id: str) -> tuple[InstrumentSpec, int | None] | None:
        found = self._terms.get(program_id)
        if found is not None:
            return found
        row = conn.execute(
            select(programs.c.terms, programs.c.validity_s).where(programs.c.id == program_id)
        ).first()
        if row is None:
            return None
        entry = (terms_from_json(row.terms), row.validity_s)
        with self._lock:
            self._terms[program_id] = entry
        return entry

    def spec_for_issue(self, conn: Connection, program_id: str, now: int) -> InstrumentSpec | None:
        """The terms a new instrument gets: the program's, with validity counted from `now`."""
        found = self.get(conn, program_id)
        if found is None:
            return None
        spec, validity_s = found
        if validity_s is None:
            return spec
        return replace(spec, valid_from=spec.valid_from or now, valid_until=now + validity_s)

    def spec_of_instrument(
        self, conn: Connection, program_id: str, valid_from: int | None, valid_until: int | None
    ) -> InstrumentSpec:
        found = self.get(conn, program_id)
        assert found is not None, "instruments reference existing programs (foreign key)"
        spec = found[0]
        if spec.valid_from == valid_from and spec.valid_until == valid_until:
            return spec
        return replace(spec, valid_from=valid_from, valid_until=valid_until)
