"""The audit log: every change made by a person (who, when, what, before and after), written in
the same database transaction as the change itself, so the log and the data never disagree.
The log is append-only: its repository can insert and search, nothing else."""

from __future__ import annotations

import json
from typing import Any

from cardsvc.storage.unit_of_work import UnitOfWork

SEARCH_MAX = 500


def record(
    uow: UnitOfWork, at: int, person_id: str, action: str, target: str,
    before: dict[str, Any] | None, after: dict[str, Any] | None, client: str = "",
) -> None:  # fmt: skip
    uow.backoffice.audit(at, person_id, action, target[:200], _json(before), _json(after),
                         client[:64])  # fmt: skip


def _json(value: dict[str, Any] | None) -> str:
    return json.dumps(value or {}, ensure_ascii=False, sort_keys=True, default=str)


def search(
    uow: UnitOfWork, text: str | None = None, start: int | None = None, end: int | None = None,
    limit: int = 200,
) -> list[dict[str, Any]]:  # fmt: skip
    rows = uow.backoffice.audit_search(text or None, start, end, min(max(limit, 1), SEARCH_MAX))
    for row in rows:
        row["before"], row["after"] = json.loads(row["before"]), json.loads(row["after"])
    return rows
