"""The journal holds exactly what was accepted, and every stored signed request re-verifies from
its stored bytes alone (non-repudiation)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from cardsvc.protocol.messages import BatchRequest, TransactionMsg
from cardsvc.protocol.signing import SignatureRejected, sign_request
from cardsvc.storage.schema import postings, signed_requests, transactions
from tests.ledger.books import assert_double_entry, reverify_stored_requests
from tests.ledger.signed import batch_body, send, sign
from tests.ledger.world import Till, World, expect

WIRE_FIELDS = ("seq", "op", "amount", "ref", "counterparty", "purchase_amount", "expires_at",
               "funding", "linked", "occurred_at")  # fmt: skip


def _journal(world: World) -> dict[str, dict[str, Any]]:
    with world.ledger.db.engine.connect() as conn:
        return {r.id: dict(r._mapping) for r in conn.execute(select(transactions))}


def _busy_day(world: World, till: Till) -> list[TransactionMsg]:
    """A few batches: successes, business failures, a chain, an offline tap, a refused seq."""
    other = world.till("T2", "S2")
    till.send(till.tx("issue", "C1", 300_000, program="PREPAID"))
    spend = till.tx("redeem", "C1", 40_000, occurred_at=world.clock() - 60)
    till.send(spend, till.tx("redeem", "C1", 9_999_999), till.tx("refund", "C1", 1, ref=spend.id))
    other.send(other.tx("issue", "C2", 0, program="PREPAID"))
    chain = [
        other.tx("transfer", "C1", 10_000, counterparty="C2", linked=True),
        other.tx("redeem", "C2", 10_000),
    ]
    other.send(*chain)
    reused = TransactionMsg(id="T1-reused", seq=spend.seq, op="redeem", instrument="C1", amount=1)
    till.send(reused)
    return [*till.sent, *other.sent]


def test_the_journal_holds_what_was_accepted_and_its_evidence(world: World, till: Till) -> None:
    sent = _busy_day(world, till)
    journal = _journal(world)
    assert set(journal) == {t.id for t in sent} - {"T1-reused"}
    stored = {row["id"]: row for row in reverify_stored_requests(world.ledger.db.engine)}
    assert len(stored) == 5  # every signed batch, the refused sequence number's included
    for tx_id, row in journal.items():
        evidence = stored[row["request_id"]]
        assert evidence["terminal_id"] == row["terminal_id"]
        carried = {t.id: t for t in BatchRequest.model_validate_json(evidence["body"]).transactions}
        msg = carried[tx_id]
        assert {f: getattr(msg, f) for f in WIRE_FIELDS} == {f: row[f] for f in WIRE_FIELDS}
        assert (msg.instrument, msg.program) == (row["instrument_id"], row["program_id"])
    codes = {tx_id: row["code"] for tx_id, row in journal.items()}
    assert sorted(codes.values()) == ["insufficient_funds", *["ok"] * 6]
    with world.ledger.db.engine.connect() as conn:
        posted = {r.tx_id for r in conn.execute(select(postings.c.tx_id))}
    assert posted == {tx_id for tx_id, code in codes.items() if code == "ok"} - {"T2-1"}
    assert_double_entry(world.ledger.db.engine)


def test_the_stored_body_is_the_signed_bytes(world: World, till: Till) -> None:
    body = batch_body([till.tx("issue", "C1", 5_000, program="PREPAID")]).replace(b",", b" ,")
    request = sign(world, till.signer, "T1", "/v1/batches", body)
    request_id = expect(send(world, request))["request_id"]
    (row,) = reverify_stored_requests(world.ledger.db.engine)
    assert (row["id"], bytes(row["body"])) == (request_id, body)
    tampered = {**row, "body": body.replace(b"5000", b"9000")}
    with world.ledger.db.engine.begin() as conn:
        conn.execute(transactions.delete())  # keep only what the audit needs
    _write_back(world, tampered)
    with pytest.raises(SignatureRejected) as refused:
        reverify_stored_requests(world.ledger.db.engine)
    assert refused.value.code == "bad_digest"


def _write_back(world: World, row: dict[str, Any]) -> None:
    with world.ledger.db.engine.begin() as conn:
        conn.execute(
            signed_requests.update()
            .where(signed_requests.c.id == row["id"])
            .values(body=row["body"])
        )


def test_a_request_with_another_content_type_cannot_escape_the_audit(
    world: World, till: Till
) -> None:
    """The content type is signed but not stored: a request the ledger accepts must still
    re-verify from what it stored, so only the one content type the protocol uses is taken."""
    body = batch_body([till.tx("issue", "C1", 5_000, program="PREPAID")])
    url = str(world.http.base_url.join("/v1/batches"))

    headers = sign_request(
        "POST", url, body, till.signer, "T1", created=world.clock(),
        content_type="application/json; charset=utf-8",
    )  # fmt: skip
    response = world.http.post("/v1/batches", content=body, headers=headers)
    assert expect(response, 415)["error"] == "unsupported_media_type"
    assert world.counts() == {"transactions": 0, "postings": 0, "signed": 0}
