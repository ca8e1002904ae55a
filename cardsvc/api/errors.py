"""Every error the API can answer, mapped to HTTP in one place, as ErrorMsg JSON."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from cardsvc.protocol.signing import SignatureRejected
from cardsvc.services import errors
from cardsvc.services.committer import Overloaded
from cardsvc.services.isolation import RequestFailed
from cardsvc.storage.faults import DatabaseUnavailable
from cardsvc.vouchers.service import VouchersNotConfigured
from cardsvc.web.error_page import error_page, wants_html

_STATUS: dict[type[errors.ServiceError], int] = {
    errors.NotFound: 404,
    errors.Conflict: 409,
    errors.CardMediumBlocked: 409,
    errors.CardMediumMismatch: 409,
    errors.Invalid: 422,
    errors.Unauthorized: 401,
    errors.Forbidden: 403,
    errors.UnsupportedMediaType: 415,
}


_HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 413: "body_too_large", 415: "unsupported_media_type",
               429: "too_many_requests"}  # fmt: skip


def _error(status: int, code: str, detail: str) -> JSONResponse:
    return JSONResponse({"error": code, "detail": detail}, status_code=status)


def install(app: FastAPI) -> None:
    @app.exception_handler(errors.ServiceError)
    async def _service(_: Request, exc: errors.ServiceError) -> JSONResponse:
        status = next((_STATUS[k] for k in type(exc).__mro__ if k in _STATUS), 400)
        return _error(status, exc.code, exc.detail)

    @app.exception_handler(SignatureRejected)
    async def _signature(request: Request, exc: SignatureRejected) -> JSONResponse:
        request.app.state.ledger.metrics.rejected.labels(exc.code).inc()
        response = _error(401, exc.code, exc.detail)
        if exc.skew_s is not None:  # the terminal learns how far off its clock is
            response.headers["Clock-Skew"] = str(exc.skew_s)
        return response

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        # Unknown paths, wrong methods, oversized bodies: the same shape as every other error
        # (a person's browser on a dead link gets a page in words).
        if exc.status_code in (404, 405) and wants_html(request):
            return error_page(request, 404, "page_not_found")
        if exc.status_code == 400:  # a body that is not JSON: malformed, like any bad field
            return _error(422, "malformed_request", f"the body is not valid JSON ({exc.detail})")
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        response = _error(exc.status_code, code, str(exc.detail))
        response.headers.update(exc.headers or {})
        return response

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        if wants_html(request):
            return error_page(request, 422, "page_bad_request")
        return _error(422, "malformed_request", _describe(exc.errors()))

    @app.exception_handler(ValidationError)
    async def _invalid_body(_: Request, exc: ValidationError) -> JSONResponse:
        return _error(422, "malformed_request", _describe(exc.errors()))

    @app.exception_handler(VouchersNotConfigured)
    async def _no_vouchers(_: Request, exc: VouchersNotConfigured) -> JSONResponse:
        return _error(503, "vouchers_not_configured", str(exc))

    @app.exception_handler(DatabaseUnavailable)
    async def _unavailable(_: Request, exc: DatabaseUnavailable) -> JSONResponse:
        response = _error(503, "database_unavailable", exc.detail)
        response.headers["Retry-After"] = str(exc.retry_after_s)
        return response

    @app.exception_handler(RequestFailed)
    async def _failed(_: Request, exc: RequestFailed) -> JSONResponse:
        return _error(500, exc.code, exc.detail)

    @app.exception_handler(Exception)
    async def _bug(_: Request, exc: Exception) -> JSONResponse:
        # Starlette logs the traceback; the client gets the API's error shape, not plain text.
        return _error(500, "internal_error", "the ledger failed to answer; it has been logged")

    @app.exception_handler(Overloaded)
    async def _overloaded(_: Request, exc: Overloaded) -> JSONResponse:
        response = _error(503, "overloaded", str(exc))
        response.headers["Retry-After"] = "1"
        return response


def _describe(errs: object) -> str:
    """A short human sentence from pydantic's error list: where and what, first few only."""
    parts = []
    for e in list(errs)[:5] if isinstance(errs, list) else []:
        where = ".".join(str(x) for x in e.get("loc", ()))
        parts.append(f"{where}: {e.get('msg', 'invalid')}")
    return "; ".join(parts) or "the request is malformed"
