"""The authorization matrix, generated from the OpenAPI document: every operation is called by
every identity (nobody, staff and finance of the resource's store and of another store, an
administrator, a terminal's signature) and each answer is compared with what the route's
declared access rule promises. The intended rule of every operation is data here (POLICY), so
a route whose rule drifts fails too. Zero violations, on SQLite and PostgreSQL.

Routes declare their rule on themselves (cardsvc.api.deps: `allow(...)`, `public(...)`, or
`SignedDep` for terminals); a route that declares none fails here with how to declare one.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute, iter_route_contexts

from cardsvc.api.app import create_app
from cardsvc.api.deps import Rule, Scope
from cardsvc.protocol.signing import sign_request
from cardsvc.settings import Settings
from tests.ledger.world import Till, World, bearer, expect

HOW_TO_DECLARE = (
    "declare who may call it on the route itself: a parameter "
    "`person: Annotated[Person, allow(Role.ADMIN, ..., scope=Scope.ANY)]` (cardsvc.api.deps), "
    '`signed: SignedDep` for terminals, or `dependencies=[public("why")]` for anyone'
)

# The intended rule of every operation: (kind, roles, scope). Routes added later need no line
# here: their declared rule is checked all the same.
ADMIN = ("person", ("admin",), "any")
PEOPLE = ("person", ("admin", "finance", "staff"), "any")
FINANCE = ("person", ("admin", "finance"), "any")
TERMINAL = ("terminal", (), "any")
PUBLIC = ("public", (), "any")
POLICY: dict[str, tuple[str, tuple[str, ...], str]] = {
    "POST /v1/stores": ADMIN,
    "POST /v1/terminals": ADMIN,
    "POST /v1/terminals/{terminal_id}/{action}": ADMIN,
    "POST /v1/keys/{key_id}/revoke": ADMIN,
    "POST /v1/programs": ADMIN,
    "GET /v1/programs": PEOPLE,
    "POST /v1/people": ADMIN,
    "GET /v1/instruments/{instrument_id}": PEOPLE,
    "GET /v1/instruments/{instrument_id}/history": PEOPLE,
    "POST /v1/instruments/{instrument_id}/block": ("person", ("admin", "staff"), "any"),
    "POST /v1/instruments/{instrument_id}/unblock": ("person", ("admin", "staff"), "own_store"),
    "POST /v1/instruments/{instrument_id}/expire": ("person", ("admin", "finance"), "own_store"),
    "GET /v1/reports/liability": ("person", ("admin", "finance"), "chain"),
    "GET /v1/reports/card-alerts": ("person", ("admin", "finance"), "own_rows"),
    "GET /v1/reports/clearing": ("person", ("admin", "finance"), "own_rows"),
    "GET /v1/reports/offline-conflicts": ("person", ("admin", "finance"), "own_rows"),
    "POST /v1/campaigns": ADMIN,
    "GET /v1/campaigns": FINANCE,
    "GET /v1/campaigns/{campaign_id}": FINANCE,
    "POST /v1/campaigns/{campaign_id}/codes": ADMIN,
    "GET /v1/campaigns/{campaign_id}/checkins": PEOPLE,
    "POST /v1/terminals/enroll": PUBLIC,
    "POST /v1/batches": TERMINAL,
    "GET /v1/terminal/instruments/{instrument_id}": TERMINAL,
    "GET /v1/terminal/hotlist": TERMINAL,
    "POST /v1/terminal/keys": TERMINAL,
    "POST /v1/terminal/shift-reports": TERMINAL,
    "GET /v1/terminal/qr/revocations": TERMINAL,
    "POST /v1/terminal/codes/resolve": TERMINAL,
    "GET /v1/qr/keyset": PUBLIC,
    "GET /v1/health": PUBLIC,
    "GET /metrics": PUBLIC,
}

HOME, OTHER = "S1", "S2"  # the resource's store, and another


@dataclass(frozen=True)
class Identity:
    name: str
    role: str | None  # None: nobody, or a terminal
    store: str | None
    terminal: bool = False


IDENTITIES = [
    Identity("none", None, None),
    Identity("staff_home", "staff", HOME),
    Identity("staff_other", "staff", OTHER),
    Identity("finance_home", "finance", HOME),
    Identity("finance_other", "finance", OTHER),
    Identity("admin", "admin", None),
    Identity("terminal", None, None, terminal=True),
]


def rules_of(route: Any) -> list[Rule]:
    """Every access rule declared on a route (through its dependencies, at any depth)."""
    found: list[Rule] = []
    stack = list(route.dependant.dependencies)
    while stack:
        dep = stack.pop()
        rule = getattr(dep.call, "rule", None)
        if isinstance(rule, Rule):
            found.append(rule)
        stack.extend(dep.dependencies)
    return found


def _routes() -> dict[str, Any]:
    """Every operation of the OpenAPI document, as its route with its effective dependencies
    (the router's included). Pages outside the document (the customer page, the back office's
    signed-in pages) keep their own sign-in rules."""
    app = create_app(Settings(database_url="sqlite://"))
    found: dict[str, Any] = {}
    for ctx in iter_route_contexts(app.routes):
        if isinstance(ctx.original_route, APIRoute) and ctx.include_in_schema:
            found.update({f"{m} {ctx.path}": ctx for m in ctx.methods or ()})
    return found


def declared(route: Any) -> Rule:
    rules = rules_of(route)
    assert rules, f"{route.path} declares no access rule: {HOW_TO_DECLARE}"
    kinds = {r.kind for r in rules}
    assert len(kinds) == 1 or kinds == {"public", "person"}, f"{route.path}: rules {kinds}"
    return next(r for r in rules if r.kind != "public") if len(rules) > 1 else rules[0]


def test_every_route_declares_its_access_rule() -> None:
    missing = [key for key, route in _routes().items() if not rules_of(route)]
    assert missing == [], f"{missing}: {HOW_TO_DECLARE}"


def test_declared_rules_are_the_intended_ones() -> None:
    routes = _routes()
    for key, (kind, roles, scope) in POLICY.items():
        assert key in routes, f"{key} is gone: update POLICY"
        rule = declared(routes[key])
        assert (rule.kind, tuple(str(r) for r in rule.roles), str(rule.scope)) == (
            kind, roles, scope
        ), key  # fmt: skip


def expected(rule: Rule, who: Identity) -> str:
    """What `who` must get from a route with `rule`: "allowed", "401" or "403"."""
    if rule.kind == "public":
        return "allowed"
    if rule.kind == "terminal":
        return "allowed" if who.terminal else "401"
    if who.role is None:
        return "401"
    if who.role not in {str(r) for r in rule.roles}:
        return "403"
    if rule.scope is Scope.CHAIN and who.store is not None:
        return "403"
    if rule.scope is Scope.OWN_STORE and who.store not in (None, HOME):
        return "403"
    return "allowed"


class Caller:
    """Sends one operation as one identity."""

    def __init__(self, world: World, till: Till, tokens: dict[str, dict[str, str]]) -> None:
        self.world, self.till, self.tokens = world, till, tokens

    def call(self, who: Identity, method: str, path: str, body: bytes | None) -> httpx.Response:
        http = self.world.http
        headers = {"content-type": "application/json"} if body is not None else {}
        if who.terminal:
            url = str(http.base_url.join(path))
            headers.update(sign_request(method, url, body or b"", self.till.signer,
                                        self.till.id, created=self.world.clock()))  # fmt: skip
        elif who.role is not None:
            headers.update(self.tokens[who.name])
        return http.request(method, path, content=body, headers=headers)


def _fill(path: str, operation: dict[str, Any]) -> str:
    """A concrete URL: path parameters from the chain set up below, required query parameters
    at their minimum."""
    values = {"instrument_id": "C1", "campaign_id": "CAMP", "terminal_id": "T9",
              "key_id": "no-such-key"}  # fmt: skip
    query = []
    for param in operation.get("parameters", []):
        schema = param.get("schema", {})
        value = schema.get("enum", [None])[0] or values.get(param["name"])
        if param["in"] == "path":
            path = path.replace("{" + param["name"] + "}", str(value or "x"))
        elif param["in"] == "query" and param.get("required"):
            query.append(f"{param['name']}={schema.get('minimum', 1) or 1}")
    return path + ("?" + "&".join(query) if query else "")


def operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            yield method.upper(), path, op


def test_the_authorization_matrix_has_no_violation(world: World, till: Till) -> None:
    assert till.do("issue", "C1", 100_000, program="PREPAID").code == "ok"  # issued at S1
    world.new_terminal("T9", HOME)
    tokens = {i.name: world.person(i.name, i.role, i.store) for i in IDENTITIES
              if i.role is not None and i.role != "admin"}  # fmt: skip
    tokens["admin"] = world.admin
    caller, routes = Caller(world, till, tokens), _routes()
    spec = world.http.get("/openapi.json").json()
    violations, calls = [], 0
    for method, path, op in operations(spec):
        rule = declared(routes[f"{method} {path}"])
        url = _fill(path, op)
        body = json.dumps({}).encode() if "requestBody" in op else None
        for who in IDENTITIES:
            answer = caller.call(who, method, url, body)
            calls += 1
            want, got = expected(rule, who), answer.status_code
            ok = got not in (401, 403) if want == "allowed" else str(got) == want
            if not ok or got == 500:
                violations.append(f"{method} {url} as {who.name}: {got} (want {want})")
    assert violations == []
    assert calls == 7 * sum(1 for _ in operations(spec))


def test_store_finance_cannot_expire_another_stores_card(world: World, till: Till) -> None:
    """The issue's example: finance of S2 moved S1's card balance to breakage."""
    assert till.do("issue", "C1", 100_000, program="GIFT").code == "ok"
    world.clock.advance(31 * 86_400)  # past the gift card's validity
    other = world.person("fin2", "finance", OTHER)
    refused = expect(world.act("C1", "expire", other), 403)
    assert refused["error"] == "forbidden" and world.balance("C1") == 100_000
    home = world.person("fin1", "finance", HOME)
    assert expect(world.act("C1", "expire", home))["code"] == "ok"


@pytest.mark.parametrize("path", ["/v1/reports/card-alerts", "/v1/reports/offline-conflicts"])
def test_store_finance_sees_only_its_stores_rows(world: World, till: Till, path: str) -> None:
    assert till.do("issue", "C1", 100_000, program="PREPAID").code == "ok"
    with world.ledger.db.write() as uow:  # an alert on S1's card
        uow.reports.conn.exec_driver_sql(
            "INSERT INTO card_alerts (uid, instrument_id, tx_id, kind, detail, at) "
            "VALUES ('04AABBCCDD', 'C1', 'T1-1', 'gap', 'x', 1)"
        )
    # a voucher used twice offline at S1: the second use is an offline conflict
    assert till.do("issue", "V1", 50_000, program="VOUCHER").code == "ok"
    tapped = world.clock() - 60
    for code in ("ok", "already_redeemed"):
        use = till.do("redeem", "V1", 50_000, purchase_amount=300_000, occurred_at=tapped)
        assert use.code == code
    home = world.person("fin1", "finance", HOME)
    other = world.person("fin2", "finance", OTHER)
    key = "alerts" if "alerts" in path else "conflicts"
    seen_home = expect(world.get(path, home))[key]
    seen_other = expect(world.get(path, other))[key]
    seen_admin = expect(world.get(path))[key]
    assert seen_other == [] and len(seen_home) == 1 and seen_home == seen_admin


def test_tokens_must_be_bearer_tokens(world: World) -> None:
    token = world.admin["Authorization"].removeprefix("Bearer ")
    for header in (token, f"Basic {token}", "Bearer", f"bearer {token}x"):
        refused = expect(world.http.get("/v1/programs", headers={"Authorization": header}), 401)
        assert refused["error"] == "unauthorized"
    assert world.http.get("/v1/programs", headers=bearer(token)).status_code == 200
