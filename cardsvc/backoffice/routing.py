"""Routers for back-office pages: a refused permission, a missing session or a CSRF failure
answers an HTML page in the viewer's language (never the API's JSON)."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute

from cardsvc.backoffice.forms import FormProblem
from cardsvc.backoffice.session import CsrfRefused, SignInRequired, lang_of
from cardsvc.backoffice.text import t
from cardsvc.services.errors import Forbidden, NotFound, ServiceError


class PageRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except SignInRequired as exc:
                target = exc.to
                if target == "/admin/signin" and request.method == "GET":
                    target += "?next=" + quote(request.url.path)
                response = RedirectResponse(target, status_code=303)
                # a language asked for on the way in is kept across the sign-in
                response.set_cookie("lang", lang_of(request), max_age=365 * 86400, samesite="lax")
                return response
            except FormProblem as exc:
                return error_page(request, 422, exc.key)
            except CsrfRefused:
                return error_page(request, 403, "csrf_refused")
            except Forbidden:
                return error_page(request, 403, "forbidden")
            except NotFound as exc:
                return error_page(request, 404, "not_found", exc.detail)
            except ServiceError as exc:
                return error_page(request, 400, "refused", exc.detail)

        return route


def page_router() -> APIRouter:
    """A router for back-office pages (not in the API's OpenAPI description)."""
    return APIRouter(route_class=PageRoute, include_in_schema=False)


def error_page(request: Request, status: int, key: str, detail: str = "") -> HTMLResponse:
    from cardsvc.backoffice.layout import bare_page

    lang = lang_of(request)
    return bare_page(lang, t(lang, key), t(lang, key), detail, status)
