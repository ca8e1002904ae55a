"""Programs: the terms instruments are issued under. The one place that reads and writes them,
and the cache the hot path reads them from.

A program's terms are immutable once created (a change of terms is a new program), so every
process may cache them without invalidation.
"""

from __future__ import annotations

import json
import threading
from dataclasses import asdict, dataclass, replace
from typing import Any

from sqlalchemy import Connection, insert, select

from cardsvc.core import InstrumentKind, InstrumentSpec, Unit
from cardsvc.storage.schema import programs

LIST_MAX = 1000  # programs listed at once: a chain runs tens, never thousands


@dataclass(frozen=True, slots=True)
class Program:
    id: str
    name: str
    spec: InstrumentSpec
    validity_s: int | None  # instruments expire this long after issue (None: the spec's window)


def terms_to_json(spec: InstrumentSpec) -> str:
    data = asdict(spec)
    data["accepted_stores"] = sorted(spec.accepted_stores)
    data["accepted_terminals"] = sorted(spec.accepted_terminals)
    return json.dumps(data, sort_keys=True, separators=(",", ":"))


def terms_from_json(text: str) -> InstrumentSpec:
    data: dict[str, Any] = json.loads(text)
    data["kind"] = InstrumentKind(data["kind"])
    data["unit"] = Unit(data["unit"])
    data["accepted_stores"] = frozenset(data.get("accepted_stores", ()))
    data["accepted_terminals"] = frozenset(data.get("accepted_terminals", ()))  # older terms
    return InstrumentSpec(**data)


class ProgramCache:
    """Program terms by id, read from the database on first use; shared by a process."""

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


class ProgramRepository:
    """Programs over one unit of work's connection, through the process's cache."""

    def __init__(self, conn: Connection, cache: ProgramCache) -> None:
        self.conn, self.cache = conn, cache

    def terms(self, program_id: str) -> tuple[InstrumentSpec, int | None] | None:
        """(terms, validity_s) of a program, or None when there is no such program."""
        return self.cache.get(self.conn, program_id)

    def exists(self, program_id: str) -> bool:
        return self.terms(program_id) is not None

    def spec_for_issue(self, program_id: str, now: int) -> InstrumentSpec | None:
        """The terms a new instrument gets: the program's, with validity counted from `now`."""
        found = self.terms(program_id)
        if found is None:
            return None
        spec, validity_s = found
        if validity_s is None:
            return spec
        return replace(spec, valid_from=spec.valid_from or now, valid_until=now + validity_s)

    def spec_of_instrument(
        self, program_id: str, valid_from: int | None, valid_until: int | None
    ) -> InstrumentSpec:
        found = self.terms(program_id)
        assert found is not None, "instruments reference existing programs (foreign key)"
        spec = found[0]
        if spec.valid_from == valid_from and spec.valid_until == valid_until:
            return spec
        return replace(spec, valid_from=valid_from, valid_until=valid_until)

    def add(self, program: Program, now: int) -> None:
        """Insert a new program (the caller has checked that its id is free)."""
        spec = program.spec
        self.conn.execute(
            insert(programs).values(
                id=program.id,
                name=program.name,
                kind=str(spec.kind),
                unit=str(spec.unit),
                terms=terms_to_json(spec),
                validity_s=program.validity_s,
                created_at=now,
            )
        )

    def name(self, program_id: str) -> str | None:
        """The name people know the program by (None: no such program)."""
        row = self.conn.execute(select(programs.c.name).where(programs.c.id == program_id)).first()
        return None if row is None else str(row.name)

    def list(self) -> list[Program]:
        rows = self.conn.execute(select(programs).order_by(programs.c.id).limit(LIST_MAX)).all()
        return [Program(r.id, r.name, terms_from_json(r.terms), r.validity_s) for r in rows]
