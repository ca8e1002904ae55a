"""The OpenAPI description, completed where FastAPI cannot see: terminal endpoints read their
body as the signed bytes (so the body schema is added here), and carry RFC 9421 signature
headers (documented here as parameters)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from cardsvc.protocol.messages import BatchRequest

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
