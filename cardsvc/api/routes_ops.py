"""Health and metrics."""

from __future__ import annotations

from fastapi import APIRouter, Response

from cardsvc.api.deps import LedgerDep, public
from cardsvc.api.views import Health

router = APIRouter(tags=["operations"])
METRICS_TYPE = "text/plain; version=0.0.4"


@router.get("/v1/health", response_model=Health, dependencies=[public("load balancers probe it")])
def health(ledger: LedgerDep) -> dict[str, object]:
    return {
        "status": "ok",
        "database": ledger.db.ping(),
        "groups_committed": ledger.committer.groups_committed,
    }


@router.get(
    "/metrics",
    dependencies=[public("scraped by monitoring; counters only, no customer data")],
    response_class=Response,
    responses={
        200: {
            "description": "Prometheus text exposition format 0.0.4",
            "content": {METRICS_TYPE: {"schema": {"type": "string"}}},
        }
    },
)
def metrics(ledger: LedgerDep) -> Response:
    return Response(ledger.metrics.render(), media_type=METRICS_TYPE)
