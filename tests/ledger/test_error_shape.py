"""One error shape for every failure ({"error", "detail"}), documented on every operation; 503
with Retry-After when the database cannot be reached; 413 for oversized chunked bodies; voucher
features off, in words, without a code pepper."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from cardsvc.api.app import create_app
from cardsvc.api.openapi import ERROR_ANSWERS
from cardsvc.settings import Settings
from cardsvc.storage.db import make_engine
from cardsvc.vouchers.service import VouchersNotConfigured, vouchers_from_keystore
from cardsvc.vouchers.settings import VoucherSettings
from tests.ledger.signed import batch_body, send, sign
from tests.ledger.world import Till, World, expect
from tests.support import free_port
from tests.vouchers.keys_fixture import qr_keystore


def _shape(body: Any) -> None:
    assert set(body) == {"error", "detail"} and body["error"] and body["detail"], body


def test_unknown_paths_and_methods_answer_the_error_shape(world: World) -> None:
    _shape(expect(world.get("/v1/nope"), 404))
    _shape(expect(world.http.delete("/v1/programs", headers=world.admin), 405))
    _shape(expect(world.post("/v1/programs", "not json"), 422))


def test_an_oversized_chunked_body_gets_413(world: World) -> None:
    small = Settings(database_url=world.settings.database_url, max_body_bytes=1024)
    with TestClient(create_app(small, clock=world.clock, ledger=world.ledger)) as http:

        def chunks() -> Iterator[bytes]:  # no Content-Length: sent chunked
            for _ in range(64):
                yield b" " * 512

        answer = http.post("/v1/programs", content=chunks(), headers=world.admin)
        body = expect(answer, 413)
        assert body["error"] == "body_too_large"
        declared = http.post("/v1/programs", content=b" " * 2048, headers=world.admin)
        assert expect(declared, 413)["error"] == "body_too_large"


def test_an_unreachable_database_answers_503_with_retry_after(world: World, till: Till) -> None:
    till.do("issue", "C1", 10_000, program="PREPAID")
    request = sign(world, till.signer, "T1", "/v1/batches",
                   batch_body([till.tx("redeem", "C1", 1_000)]), created=world.clock())  # fmt: skip
    working = world.ledger.db.engine
    world.ledger.db.engine = make_engine(f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/x")
    try:
        for answer in (world.get("/v1/programs"), send(world, request), world.get("/v1/health")):
            assert expect(answer, 503)["error"] == "database_unavailable"
            assert int(answer.headers["Retry-After"]) > 0
    finally:
        world.ledger.db.engine.dispose()
        world.ledger.db.engine = working
    assert world.balance("C1") == 10_000  # nothing half-done; the terminal sends it again
    assert expect(send(world, request))["results"][0]["code"] == "ok"


def test_every_operation_documents_the_error_shape() -> None:
    spec = create_app(Settings(database_url="sqlite://")).openapi()
    assert "HTTPValidationError" not in str(spec)
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            for status in ERROR_ANSWERS:
                schema = operation["responses"][status]["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorMsg"}, (method, path, status)
            assert "Retry-After" in operation["responses"]["503"]["headers"]
    metrics = spec["paths"]["/metrics"]["get"]["responses"]["200"]["content"]
    assert "text/plain; version=0.0.4" in metrics


def test_metrics_answer_the_documented_content_type(world: World) -> None:
    answer = world.http.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain; version=0.0.4")


def test_vouchers_need_a_code_pepper(world: World, tmp_path: Path) -> None:
    store = qr_keystore(tmp_path / "keys.json", world.clock)
    try:
        with pytest.raises(VouchersNotConfigured, match="CARDSVC_VOUCHERS_CODE_PEPPER"):
            vouchers_from_keystore(world.ledger.db, world.ledger.committer, world.clock,
                                   VoucherSettings(code_pepper=SecretStr("")), store)  # fmt: skip
    finally:
        store.close()
    answer = world.http.post("/v1/campaigns/X/codes", json={"count": 1}, headers=world.admin)
    assert expect(answer, 503)["error"] == "vouchers_not_configured"


def test_acting_on_an_unknown_card_is_404(world: World) -> None:
    for action in ("block", "unblock", "expire"):
        body = expect(world.act("NO-SUCH-CARD", action, world.admin), 404)
        assert body["error"] == "not_found" and "NO-SUCH-CARD" in body["detail"]
