"""Programs: the one rule for creating one (admin API, campaigns, the demo and the CLI)."""

from __future__ import annotations

from cardsvc.core import InstrumentSpec
from cardsvc.core.bounds import POSITIVE_DURATION
from cardsvc.core.checks import spec_out_of_bounds, valid_spec
from cardsvc.services.errors import Conflict, Invalid
from cardsvc.storage.programs import Program
from cardsvc.storage.unit_of_work import UnitOfWork


def create_program(
    uow: UnitOfWork,
    program_id: str,
    name: str,
    spec: InstrumentSpec,
    validity_s: int | None,
    now: int,
    *,
    taken: str = "terms are immutable, create a new program",
) -> Program:
    """Check the terms and create the program; refuse an id in use (terms never change)."""
    problem = spec_out_of_bounds(spec)
    if validity_s is not None:
        problem = problem or POSITIVE_DURATION.problem(validity_s, "validity_s")
    if problem:
        raise Invalid(problem)
    if not valid_spec(spec):
        raise Invalid("inconsistent terms (validity window, discount on a non-voucher, ...)")
    if uow.programs.exists(program_id):
        raise Conflict(f"program {program_id} exists; {taken}")
    program = Program(program_id, name, spec, validity_s)
    uow.programs.add(program, now)
    return program
