"""The hot path's msgspec mirror (protocol.wire) against the pydantic wire models.

The models in protocol.messages are the definition (OpenAPI, clients, the reader agent). A field
added to one and not the other, a bound or default that differs, or a body one accepts and the
other refuses fails here: the schemas are compared field by field, and random and malformed
bodies are decoded by both.
"""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from cardsvc.protocol import wire
from cardsvc.protocol.messages import (
    BatchRequest,
    BatchResponse,
    CardEvidence,
    LoyaltyMsg,
    ResultMsg,
    TransactionMsg,
)

PAIRS: dict[str, type[BaseModel]] = {
    "WireBatch": BatchRequest,
    "WireTransaction": TransactionMsg,
    "WireCard": CardEvidence,
    "WireResponse": BatchResponse,
    "WireResult": ResultMsg,
    "WireLoyalty": LoyaltyMsg,
}
NAMES = {mirror: model.__name__ for mirror, model in PAIRS.items()}


def _normal(schema: Any) -> Any:
    """A property's schema without what only documents it, in one spelling for both."""
    if isinstance(schema, list):
        return sorted((_normal(s) for s in schema), key=lambda s: json.dumps(s, sort_keys=True))
    if not isinstance(schema, dict):
        return schema
    dropped = ("title", "description", "default")  # defaults: compared from the classes
    out = {k: _normal(v) for k, v in schema.items() if k not in dropped}
    if "const" in out:
        out["enum"] = [out.pop("const")]
    if "enum" in out:
        out["enum"] = sorted(out["enum"], key=repr)
        out.pop("type", None)
    if isinstance(out.get("pattern"), str):
        out["pattern"] = out["pattern"].removesuffix(r"\Z").removesuffix("$")
    if "$ref" in out:
        name = out["$ref"].rsplit("/", 1)[-1]
        out["$ref"] = NAMES.get(name, name)
    return out


def _mirror_schemas() -> dict[str, Any]:
    types = [getattr(wire, name) for name in PAIRS]
    _, components = msgspec.json.schema_components(types, ref_template="#/$defs/{name}")
    return components


@pytest.mark.parametrize("mirror", list(PAIRS))
def test_the_mirror_has_the_model_s_fields_bounds_and_defaults(mirror: str) -> None:
    model = PAIRS[mirror]
    theirs = model.model_json_schema(ref_template="#/$defs/{model}")
    ours = _mirror_schemas()[mirror]
    assert list(ours["properties"]) == list(theirs["properties"]), "fields (and their order)"
    assert set(ours.get("required", [])) == set(theirs.get("required", []))
    for name, prop in theirs["properties"].items():
        assert _normal(ours["properties"][name]) == _normal(prop), name
    for f in msgspec.structs.fields(getattr(wire, mirror)):
        default = f.default if f.default_factory is msgspec.NODEFAULT else f.default_factory()
        expected = model.model_fields[f.name].get_default(call_default_factory=True)
        if default is msgspec.NODEFAULT:
            assert model.model_fields[f.name].is_required(), f.name
        else:
            assert msgspec.to_builtins(default) == expected, f.name
    forbid = model.model_config.get("extra") == "forbid"
    assert ours.get("additionalProperties", True) is not forbid


# --- random and malformed bodies ---------------------------------------------------------------
good_id = st.from_regex(r"[A-Za-z0-9_.:\-]{1,64}", fullmatch=True)
bad_id = st.sampled_from(["", "a\n", "a b", "x" * 65, "é", "ok\u0000", "C1\n"])
def mostly(good: st.SearchStrategy[Any], bad: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """`good` nine times in ten, `bad` else: most bodies valid, most fields in bounds."""
    return st.integers(0, 9).flatmap(lambda k: bad if k == 0 else good)


ids = mostly(good_id, bad_id)
edges = st.sampled_from([-1, 0, 2**31 - 1, 2**31, -(2**31), -(2**31) - 1, 2**32 - 1, 2**32, 2**40,
                         2**40 + 1, 2**62, 2**62 + 1, 2**63, 2**64, 10**12, 10**12 + 1, 10**30])
ints = mostly(st.integers(0, 10**6), edges)
scalars = st.one_of(ints, ids, st.booleans(), st.none(), st.floats(allow_nan=False),
                    st.sampled_from(["1", "true", 1.0, "redeem", [], {}]))
card = st.fixed_dictionaries(
    {"uid": st.one_of(st.from_regex(r"[0-9A-F]{8,20}", fullmatch=True), bad_id),
     "counter": ints, "before": st.one_of(st.integers(-5, 5), ints), "after": ints},
)
OPTIONAL: dict[str, Any] = {
    "amount": ints, "ref": st.one_of(ids, st.none()), "counterparty": st.one_of(ids, st.none()),
    "purchase_amount": ints, "expires_at": ints,
    "funding": mostly(st.sampled_from(["cash", "promotion"]), st.sampled_from(["Cash", ""])),
    "program": st.one_of(ids, st.none()), "linked": mostly(st.booleans(), ints),
    "occurred_at": st.one_of(ints, st.none()), "card": mostly(st.one_of(card, st.none()), scalars),
    "excluded": ints, "reason": st.one_of(ids, st.none()),
    "tenders": mostly(st.one_of(st.none(), st.dictionaries(
        mostly(st.sampled_from(["cash", "bank_card", "stored_value", "voucher"]),
               st.sampled_from(["Cash", "", "points"])), ints, max_size=5)), scalars),
}
transaction = st.fixed_dictionaries(
    {"id": ids, "seq": mostly(st.integers(1, 10**6), edges),
     "op": mostly(st.sampled_from(["redeem", "top_up", "issue", "void", "purchase", "award"]),
                  st.just("REDEEM")),
     "instrument": ids},
    optional=OPTIONAL,
)
field_swap = st.tuples(st.sampled_from(["id", "seq", "op", "instrument", "unknown", *OPTIONAL]),
                       scalars)


@st.composite
def bodies(draw: st.DrawFn) -> bytes:
    txs = draw(st.lists(transaction, min_size=draw(mostly(st.just(1), st.just(0))), max_size=3))
    for tx in txs:
        if draw(st.integers(0, 9)) == 0:  # a field given a value of any type, or an unknown one
            name, value = draw(field_swap)
            tx[name] = value
        if draw(st.integers(0, 19)) == 0:
            tx.pop(draw(st.sampled_from(sorted(tx))), None)
    batch: dict[str, Any] = {"transactions": txs}
    version = draw(mostly(st.sampled_from([None, 1]), st.sampled_from([2, "1", 1.0, True])))
    if version is not None:
        batch["version"] = version
    raw = json.dumps(batch).encode()
    if draw(st.integers(0, 9)) == 0:  # a byte of the JSON itself changed
        at = draw(st.integers(0, max(0, len(raw) - 1)))
        raw = raw[:at] + draw(st.binary(min_size=1, max_size=1)) + raw[at + 1 :]
    return raw


def _pydantic(body: bytes) -> list[dict[str, Any]] | str:
    try:
        return [t.model_dump() for t in BatchRequest.model_validate_json(body).transactions]
    except ValidationError:
        return "refused"


def _mirror(body: bytes) -> list[dict[str, Any]] | str:
    try:
        txs = msgspec.json.decode(body, type=wire.WireBatch).transactions
    except (msgspec.ValidationError, msgspec.DecodeError):
        return "refused"
    return [msgspec.to_builtins(t) | {} for t in txs]


def _with_defaults(tx: dict[str, Any]) -> dict[str, Any]:
    return msgspec.structs.asdict(msgspec.convert(tx, wire.WireTransaction)) | {
        "card": tx.get("card")
    }


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=bodies())
def test_the_mirror_accepts_only_what_the_model_accepts_with_the_same_values(body: bytes) -> None:
    model, mirror = _pydantic(body), _mirror(body)
    if mirror != "refused":
        # The mirror's acceptance must be the model's, with the same values; the other way
        # round (the mirror stricter) is allowed: decode_batch then asks the model.
        assert model != "refused", body
        assert [_with_defaults(t) for t in mirror] == model, body  # type: ignore[union-attr]
    decoded = _decode(body)
    assert decoded == model


def _decode(body: bytes) -> list[dict[str, Any]] | str:
    """What the hot path answers: its transactions as values, or a refusal (pydantic's)."""
    try:
        txs = wire.decode_batch(body)
    except ValidationError:
        return "refused"
    out = []
    for t in txs:
        if isinstance(t, TransactionMsg):
            out.append(t.model_dump())
        else:
            out.append(_with_defaults(msgspec.to_builtins(t)))
    return out


def test_a_refused_body_gets_the_model_s_own_error() -> None:
    body = b'{"transactions":[{"id":"a b","seq":0,"op":"redeem","instrument":"C1"}]}'
    with pytest.raises(ValidationError) as mirror:
        wire.decode_batch(body)
    with pytest.raises(ValidationError) as model:
        BatchRequest.model_validate_json(body)
    assert mirror.value.errors() == model.value.errors()


def test_the_response_is_the_model_s_json() -> None:
    points = wire.WireLoyalty(earned=120, rules=["base", "tet"], expires_at=1_800_000_000)
    results = [wire.WireResult("T1-1", 1, "ok", 90_000), wire.WireResult("T1-2", 2, "replay"),
               wire.WireResult("T1-3", 3, "ok", None, points)]  # fmt: skip
    ours = wire.encode_response(7, results)
    theirs = BatchResponse(
        request_id=7, results=[ResultMsg.model_validate(msgspec.to_builtins(r)) for r in results]
    ).model_dump_json()
    assert ours == theirs.encode()
