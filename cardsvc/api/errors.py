"""Every error the API can answer, mapped to HTTP in one place, as ErrorMsg JSON."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from cardsvc.protocol.signing import SignatureRejected
from cardsvc.services import errors
from cardsvc.services.committer import Overloaded
from cardsvc.services.isolation import RequestFailed
from cardsvc.storage.faults import DatabaseUnavailable
from cardsvc.vouchers.service import VouchersNotConfigured

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
        return _error(401, exc.code, exc.detail)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
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
