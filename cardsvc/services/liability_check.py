"""The daily check that the liability report equals the journal: for every program, the sum of
its instruments' balances against the sum of the postings on their accounts. A difference means
something changed the books without the ledger (a hand edit, a restored backup of one table):
the back office shows a red banner to administrators and finance until a check passes."""

from __future__ import annotations

import json
from dataclasses import dataclass

from cardsvc.services import queries
from cardsvc.storage.unit_of_work import UnitOfWork

CHECK_EVERY_S = 86_400


@dataclass(frozen=True)
class CheckResult:
    at: int
    consistent: bool
    differences: list[dict[str, object]]


def run_check(uow: UnitOfWork, now: int) -> CheckResult:
    """Compare, record the result, and answer it."""
    rows = queries.liability(uow)
    diffs: list[dict[str, object]] = [
        {"program": r["program"], "unit": r["unit"], "balance": r["balance"],
         "journal": r["journal"], "difference": int(r["balance"]) - int(r["journal"])}
        for r in rows if not r["consistent"]
    ]  # fmt: skip
    uow.backoffice.add_check(now, not diffs, json.dumps(diffs, ensure_ascii=False))
    return CheckResult(now, not diffs, diffs)


def last_check(uow: UnitOfWork) -> CheckResult | None:
    found = uow.backoffice.last_check()
    if found is None:
        return None
    at, consistent, detail = found
    return CheckResult(at, consistent, json.loads(detail))


def due(result: CheckResult | None, now: int) -> bool:
    """No check yet, or the last one is a day old: the next finance page runs one."""
    return result is None or now - result.at >= CHECK_EVERY_S
