"""Checks of the books straight from the database: double entry, balances equal postings, the
liability report agrees, and (for non-repudiation) every stored request re-verifies."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import Engine, select

from cardsvc.protocol.signing import KeyStatus, verify_request
from cardsvc.storage.schema import instruments, postings, signed_requests, terminal_keys


def posting_sums(engine: Engine) -> dict[str, int]:
    """Sum of postings per account."""
    sums: dict[str, int] = defaultdict(int)
    with engine.connect() as conn:
        for row in conn.execute(select(postings.c.account, postings.c.amount)):
            sums[row.account] += row.amount
    return dict(sums)


def assert_double_entry(engine: Engine) -> None:
    """Every transaction's postings sum to zero per unit; every balance equals its postings."""
    per_tx: dict[tuple[str, str], int] = defaultdict(int)
    with engine.connect() as conn:
        for p in conn.execute(select(postings)):
            per_tx[(p.tx_id, p.unit)] += p.amount
        balances = {r.id: r.balance for r in conn.execute(select(instruments))}
    assert all(total == 0 for total in per_tx.values()), per_tx
    sums = posting_sums(engine)
    for instrument_id, balance in balances.items():
        assert balance == sums.get("i:" + instrument_id, 0), instrument_id


def assert_liability_consistent(report: dict[str, Any], engine: Engine) -> None:
    """The report's figures are the instruments' balances and their postings, per program."""
    assert report["consistent"] is True
    expected: dict[tuple[str, str], int] = defaultdict(int)
    with engine.connect() as conn:
        for r in conn.execute(
            select(instruments.c.program_id, instruments.c.unit, instruments.c.balance)
        ):
            expected[(r.program_id, r.unit)] += r.balance
    got = {(row["program"], row["unit"]): row["balance"] for row in report["programs"]}
    assert got == dict(expected)
    assert all(row["balance"] == row["journal"] for row in report["programs"])


def _key_lookup(engine: Engine) -> dict[str, KeyStatus]:
    with engine.connect() as conn:
        rows = conn.execute(select(terminal_keys)).all()
    return {r.key_id: KeyStatus(bytes(r.public_key), r.terminal_id, True) for r in rows}


def reverify_stored_requests(engine: Engine, window_s: int = 300) -> list[dict[str, Any]]:
    """Rebuild every stored signed request from its row alone and verify it again, as an auditor
    would years later (at the time it was signed, with the key it names). Returns the rows."""
    keys = _key_lookup(engine)
    with engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(select(signed_requests))]
    for row in rows:
        headers = {
            "content-type": "application/json",
            "content-digest": row["content_digest"],
            "terminal-id": row["terminal_id"],
            "signature-input": row["signature_input"],
            "signature": row["signature"],
        }
        params, key = verify_request(
            row["method"],
            "https://ledger.invalid" + row["path"],
            headers,
            bytes(row["body"]),
            keys.get,
            now=row["created"],
            window_s=window_s,
        )
        assert (params.key_id, params.nonce, key.terminal_id) == (
            row["key_id"],
            row["nonce"],
            row["terminal_id"],
        )
    return rows
