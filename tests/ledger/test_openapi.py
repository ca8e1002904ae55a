"""The OpenAPI description promises what the service does: the signed batch body, the signature
headers of terminal endpoints, and a schema for every JSON answer of the ledger's endpoints."""

from __future__ import annotations

from typing import Any

from cardsvc.api.app import create_app
from cardsvc.core.bounds import ALL, ROW_ID
from cardsvc.settings import Settings
from tests.ledger.test_access_matrix import HOW_TO_DECLARE, _routes, rules_of


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


def _integers(node: Any, schemas: dict[str, Any], where: str, seen: set[str]) -> list[tuple]:
    """Every integer schema reachable from `node` (following $refs once each)."""
    found: list[tuple[str, dict[str, Any]]] = []
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            name = ref.rsplit("/", 1)[-1]
            if name not in seen:
                seen.add(name)
                found += _integers(schemas[name], schemas, name, seen)
        if node.get("type") == "integer" and "const" not in node and "enum" not in node:
            found.append((where, node))
        for key, value in node.items():
            if key != "$ref":
                found += _integers(value, schemas, f"{where}.{key}", seen)
    elif isinstance(node, list):
        for item in node:
            found += _integers(item, schemas, where, seen)
    return found


def _input_integers(spec: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Integer schemas of every request body and parameter of every operation."""
    schemas = spec["components"]["schemas"]
    found: list[tuple[str, dict[str, Any]]] = []
    for path, operations in spec["paths"].items():
        for method, op in operations.items():
            here = f"{method.upper()} {path}"
            for param in op.get("parameters", []):
                found += _integers(param["schema"], schemas, f"{here} {param['name']}", set())
            body = op.get("requestBody", {}).get("content", {})
            found += _integers(body, schemas, f"{here} body", set())
    return found


def _range(schema: dict[str, Any]) -> tuple[float | None, float | None]:
    low = schema.get("minimum")
    if low is None and schema.get("exclusiveMinimum") is not None:
        low = schema["exclusiveMinimum"] + 1
    high = schema.get("maximum")
    if high is None and schema.get("exclusiveMaximum") is not None:
        high = schema["exclusiveMaximum"] - 1
    return low, high


def _within_a_bound(schema: dict[str, Any]) -> bool:
    """Bounded on both sides, inside the bound it names (x-bound), or, for a field declared
    with plain limits, inside one of the ledger's bounds (row ids aside: every column keeps
    its bound, test_migrations)."""
    low, high = _range(schema)
    if low is None or high is None:
        return False
    named = schema.get("x-bound")
    if named:
        candidates = [b for b in ALL if b.name == named]
    else:
        candidates = [b for b in ALL if b is not ROW_ID]
    return any(b.lo <= low <= high <= b.hi for b in candidates)


def test_every_integer_that_enters_is_bounded_by_one_of_the_ledgers_bounds() -> None:
    """Bodies and query parameters: each integer has a minimum and a maximum inside a bound
    of cardsvc.core.bounds (x-bound names which); the schema's columns keep the same bounds
    (test_migrations), so whatever the API accepts can be stored."""
    found = _input_integers(_spec())
    problems = [
        f"{where}: declare it Annotated[int, within(BOUND)] (cardsvc.protocol.bounds) or "
        "query_int(BOUND) (cardsvc.api.params), BOUND from cardsvc.core.bounds"
        for where, schema in found
        if not _within_a_bound(schema)
    ]
    assert problems == []
    names = {w for w, _ in found}
    assert any("TransactionMsg" in w for w in names) and any("clearing start" in w for w in names)


def test_every_route_declares_who_may_call_it() -> None:
    """The authorization matrix (test_access_matrix) reads each route's declared rule."""
    missing = [key for key, route in _routes().items() if not rules_of(route)]
    assert missing == [], f"{missing}: {HOW_TO_DECLARE}"  # operations of the document
