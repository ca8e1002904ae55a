"""`cardsvc serve` and `cardsvc migrate`."""

from __future__ import annotations

import argparse
from typing import Any

from cardsvc.commands.args import int_in
from cardsvc.core.bounds import PORT, WORKERS
from cardsvc.settings import get_settings


def register(sub: Any) -> None:
    p = sub.add_parser("serve", help="run the ledger HTTP service (uvicorn)")
    p.add_argument("--host", help="listen address (CARDSVC_HOST)")
    p.add_argument("--port", type=int_in(PORT), help="listen port (CARDSVC_PORT)")
    p.add_argument("--workers", type=int_in(WORKERS), help="worker processes (PostgreSQL only)")
    p.set_defaults(run=serve)
    m = sub.add_parser("migrate", help="bring the database to the newest schema")
    m.set_defaults(run=migrate)


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    from cardsvc.wiring import open_database

    settings = get_settings()
    workers = args.workers or settings.workers
    if workers > 1 and settings.database_url.startswith("sqlite"):
        raise SystemExit("cardsvc: several workers need PostgreSQL (SQLite has one writer)")
    # Reach the database (and bring its schema up) before uvicorn starts: unreachable, this is
    # one sentence here, not a traceback from every worker's start-up.
    open_database(settings).close()
    uvicorn.run(
        "cardsvc.api.app:create_app",
        factory=True,
        host=args.host or settings.host,
        port=args.port or settings.port,
        workers=workers,
        loop="uvloop",
        http="httptools",
        log_level="info",
        # uvicorn would otherwise take X-Forwarded-For from loopback peers as the client: the
        # service decides itself, trusting only CARDSVC_VOUCHERS_TRUSTED_PROXIES.
        proxy_headers=False,
    )
    return 0


def migrate(args: argparse.Namespace) -> int:
    from cardsvc.wiring import open_database

    db = open_database()
    print(f"database at newest schema: {db.url}")
    db.close()
    return 0
