"""The OpenAPI description, completed where FastAPI cannot see: terminal endpoints read their
body as the signed bytes (so the body schema is added here), and carry RFC 9421 signature
headers (documented here as parameters)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from cardsvc.protocol.messages import BatchRequest, ErrorMsg

_SIGNED_PREFIXES = ("/v1/batches", "/v1/terminal/")
_SIGNATURE_HEADERS = [
    ("Terminal-Id", "the enrolled terminal's id (covered by the signature)"),
    ("Content-Digest", "RFC 9530 digest of the body, e.g. sha-256=:...: (covered)"),
    (
        "Signature-Input",
        'RFC 9421, label "term": ("@method" "@path" "content-type" '
        '"content-digest" "terminal-id");created=...;keyid="...";alg="ed25519";nonce="...";'
        'tag="cardsvc-v1"',
    ),
    ("Signature", "RFC 9421 Ed25519 signature, label term"),
]


def install(app: FastAPI) -> None:
    def build() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, summary=app.summary,
                                 routes=app.routes)  # fmt: skip
            _add_batch_body(schema)
            _add_signature_headers(schema)
            _add_errors(schema)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = build  # type: ignore[method-assign]


def _add_batch_body(schema: dict[str, Any]) -> None:
    body = BatchRequest.model_json_schema(ref_template="#/components/schemas/{model}")
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.update(body.pop("$defs", {}))
    components["BatchRequest"] = body
    schema["paths"]["/v1/batches"]["post"]["requestBody"] = {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/BatchRequest"}}},
    }


def _add_signature_headers(schema: dict[str, Any]) -> None:
    headers = [
        {"name": name, "in": "header", "required": True, "description": text,
         "schema": {"type": "string"}}
        for name, text in _SIGNATURE_HEADERS
    ]  # fmt: skip
    for path, operations in schema["paths"].items():
        if path.startswith(_SIGNED_PREFIXES):
            for operation in operations.values():
                operation.setdefault("parameters", []).extend(headers)


# Every operation may answer these, always in the ErrorMsg shape (cardsvc.api.errors).
ERROR_ANSWERS: dict[str, str] = {
    "401": "no or unknown API token, or a refused terminal signature",
    "403": "the role or store may not do this",
    "404": "no such thing",
    "409": "conflicts with what exists",
    "413": "the request body is too large",
    "415": "signed requests are sent as application/json",
    "422": "the request is malformed or out of bounds (the detail says which field)",
    "429": "too many requests: wait Retry-After seconds",
    "500": "the ledger failed on this request alone; it has been logged",
    "503": "overloaded, the database unreachable, or a feature not configured: retry after "
    "Retry-After seconds",
}
_RETRY_AFTER = {"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}}


def _add_errors(schema: dict[str, Any]) -> None:
    """One error shape, documented on every operation (FastAPI's own 422 shape is never sent:
    validation errors answer ErrorMsg too)."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["ErrorMsg"] = ErrorMsg.model_json_schema()
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorMsg"}}}
    for operations in schema["paths"].values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            for status, text in ERROR_ANSWERS.items():
                answer: dict[str, Any] = {"description": text, "content": error}
                if status in ("429", "503"):
                    answer["headers"] = _RETRY_AFTER
                responses[status] = answer
