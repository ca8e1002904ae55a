"""Mounting the back office on the ledger's FastAPI app: sign-in, static files, and every page
module the registry lists."""

from __future__ import annotations

import importlib

from fastapi import FastAPI
from fastapi.responses import Response

from cardsvc.backoffice import registry
from cardsvc.backoffice.layout import STATIC
from cardsvc.backoffice.pages import signin
from cardsvc.backoffice.routing import page_router

_STATIC_TYPES = {".css": "text/css", ".js": "text/javascript", ".svg": "image/svg+xml"}
static_router = page_router()


@static_router.get("/admin/static/{name}")
def static(name: str) -> Response:
    path = STATIC / name
    allowed = "/" not in name and not name.startswith(".") and path.suffix in _STATIC_TYPES
    if not allowed or not path.is_file():
        return Response(status_code=404)
    return Response(path.read_bytes(), media_type=_STATIC_TYPES[path.suffix],
                    headers={"Cache-Control": "public, max-age=3600"})  # fmt: skip


def install(app: FastAPI) -> None:
    app.include_router(static_router)
    app.include_router(signin.router)
    for module in registry.modules():
        app.include_router(importlib.import_module(module).router)
