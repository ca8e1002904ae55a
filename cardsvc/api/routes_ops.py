"""Health and metrics."""

from __future__ import annotations

from fastapi import APIRouter, Response

from cardsvc.api.deps import LedgerDep
from cardsvc.api.views import Health

router = APIRouter(tags=["operations"])


@router.get("/v1/health", response_model=Health)
def health(ledger: LedgerDep) -> dict[str, object]:
    return {
        "status": "ok",
        "database": ledger.db.ping(),
        "groups_committed": ledger.committer.groups_committed,
    }


@router.get("/metrics")
def metrics(ledger: LedgerDep) -> Response:
    return Response(ledger.metrics.render(), media_type="text/plain; version=0.0.4")
