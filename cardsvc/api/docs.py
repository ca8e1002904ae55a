"""`/docs` without the internet: Swagger UI's own files (the copy the fastapi-offline package
ships, Swagger UI 5, which reads OpenAPI 3.1 as FastAPI writes it) served by the ledger, instead
of FastAPI's default that loads them from a CDN (blank in a store without internet)."""

from __future__ import annotations

from importlib.resources import files

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, Response

ASSETS = files("fastapi_offline") / "static"
FILES = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "favicon.png": "image/png",
}


def install(app: FastAPI) -> None:
    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} API",
            swagger_js_url="/docs/assets/swagger-ui-bundle.js",
            swagger_css_url="/docs/assets/swagger-ui.css",
            swagger_favicon_url="/docs/assets/favicon.png",
        )

    @app.get("/docs/assets/{name}", include_in_schema=False)
    def asset(name: str) -> Response:
        if name not in FILES:
            return Response(status_code=404)
        return Response((ASSETS / name).read_bytes(), media_type=FILES[name],
                        headers={"Cache-Control": "public, max-age=86400"})  # fmt: skip
