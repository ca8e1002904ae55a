"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI

from cardsvc.api import (
    docs,
    errors,
    openapi,
    routes_admin,
    routes_counter,
    routes_customer_care,
    routes_customer_pages,
    routes_customers,
    routes_instruments,
    routes_loyalty,
    routes_media,
    routes_ops,
    routes_public,
    routes_rewards,
    routes_terminal,
    routes_vouchers,
)
from cardsvc.api.limits import BodyLimit
from cardsvc.backoffice.app import install as install_backoffice
from cardsvc.settings import Settings, get_settings
from cardsvc.wiring import Ledger, build_ledger, wall_clock


def create_app(
    settings: Settings | None = None,
    *,
    clock: Callable[[], int] = wall_clock,
    ledger: Ledger | None = None,
) -> FastAPI:
    """Build the app. Pass `ledger` to share one wired Ledger (tests), else it is built at start."""
    cfg = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = ledger is None
        app.state.ledger = ledger or build_ledger(cfg, clock)
        try:
            yield
        finally:
            if owned:
                app.state.ledger.close()

    app = FastAPI(
        title="cardsvc",
        version="1",
        summary="Stored-value ledger: prepaid and gift cards, vouchers, e-tickets, member cards",
        lifespan=lifespan,
        docs_url=None,  # served from local files by cardsvc.api.docs (no CDN)
        redoc_url=None,
    )
    if ledger is not None:
        app.state.ledger = ledger
    errors.install(app)
    openapi.install(app)
    docs.install(app)
    app.add_middleware(BodyLimit, max_bytes=cfg.max_body_bytes)
    routers = (routes_terminal, routes_admin, routes_instruments, routes_media, routes_ops,
               routes_vouchers, routes_customers, routes_customer_care, routes_loyalty,
               routes_rewards, routes_counter)  # fmt: skip
    for module in (*routers, routes_public, routes_customer_pages):
        app.include_router(module.router)
    install_backoffice(app)
    return app
