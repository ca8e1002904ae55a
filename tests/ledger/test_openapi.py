"""The OpenAPI description promises what the service does: the signed batch body, the signature
headers of terminal endpoints, and a schema for every JSON answer of the ledger's endpoints."""

from __future__ import annotations

from typing import Any

from cardsvc.api.app import create_app
from cardsvc.settings import Settings


def _spec() -> dict[str, Any]:
    return create_app(Settings(database_url="sqlite://")).openapi()


def test_the_batch_body_and_signature_headers_are_described() -> None:
    spec = _spec()
    batch = spec["paths"]["/v1/batches"]["post"]
    body = batch["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/BatchRequest"}
    schemas = spec["components"]["schemas"]
    assert {"BatchRequest", "TransactionMsg", "CardEvidence"} <= set(schemas)
    assert "examples" in schemas["BatchRequest"]
    for path in ("/v1/batches", "/v1/terminal/hotlist", "/v1/terminal/keys"):
        for operation in spec["paths"][path].values():
            names = {p["name"] for p in operation["parameters"] if p["in"] == "header"}
            assert {"Signature", "Signature-Input", "Content-Digest", "Terminal-Id"} <= names


def test_ledger_answers_and_errors_have_schemas() -> None:
    spec = _spec()
    for path in ("/v1/instruments/{instrument_id}", "/v1/instruments/{instrument_id}/history",
                 "/v1/reports/liability", "/v1/reports/card-alerts", "/v1/terminal/hotlist",
                 "/v1/terminal/instruments/{instrument_id}", "/v1/health"):  # fmt: skip
        ok = spec["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
        assert "$ref" in ok["schema"], path
    errors = spec["paths"]["/v1/batches"]["post"]["responses"]
    assert errors["401"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorMsg"
    }
