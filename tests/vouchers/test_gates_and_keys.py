"""The ledger side of gates: an event's gates are checked when a ticket is used (online or
synced from an offline gate), the ledger serves the QR keys as the keystore holds them now (a
rotation or a revocation applies without a restart), and the key set terminals download is
signed by the key-set key they trusted at enrolment. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text

from cardsvc.protocol import qr
from cardsvc.protocol.client import enroll
from cardsvc.protocol.messages import TransactionMsg
from cardsvc.protocol.signing import InMemorySigner
from cardsvc.storage.db import make_engine
from cardsvc.storage.migrate import alembic_config
from cardsvc.storage.migrate import upgrade as upgrade_to_head
from keys.errors import PublishedKeysetError
from keys.file_keystore import FileKeystore
from keys.published import load_keyset
from tests.vouchers.conftest import DAY, T0, Clock, Env, running_env, voucher_settings


def _redeem(client: object, instrument: str, seq: int, **extra: object) -> str:
    terminal = client.terminal_id  # type: ignore[attr-defined]
    msg = TransactionMsg(id=f"{terminal}-{seq}-{instrument[-6:]}", seq=seq, op="redeem",
                         instrument=instrument, **extra)  # type: ignore[arg-type]
    return str(client.submit([msg]).results[0].code)  # type: ignore[attr-defined]


def test_a_ticket_enters_only_at_its_events_gates(env_any: Env) -> None:
    env = env_any
    cid = env.campaign(id="FEST", kind="eticket", uses=5, valid_until=T0 + DAY,
                       gates=["G1", "G2"])
    ticket = env.codes(cid, 1)[0]["instrument"]
    elsewhere = env.till("OTHER-STORE-POS", "S2")
    g1 = env.till("G1", "VENUE")
    assert _redeem(elsewhere, ticket, 1) == "not_accepted_here"
    assert _redeem(elsewhere, ticket, 2, occurred_at=T0 - 10) == "not_accepted_here"
    assert _redeem(g1, ticket, 1) == "ok"
    assert env.get(f"/v1/instruments/{ticket}")["uses_left"] == 4
    open_event = env.campaign(id="OPEN", kind="eticket", uses=1, valid_until=T0 + DAY)
    assert _redeem(elsewhere, env.codes(open_event, 1)[0]["instrument"], 3) == "ok"


def _kit(env: Env, terminal: str) -> dict[str, object]:
    client = env.till(terminal, "VENUE")
    response = client._send("GET", "/v1/terminal/qr/offline")
    assert response.status_code == 200, response.text
    kit: dict[str, object] = response.json()
    return kit


def test_the_offline_kit_is_signed_and_names_the_gates(env_any: Env) -> None:
    env = env_any
    env.campaign(id="FEST", kind="eticket", uses=1, valid_until=T0 + DAY, gates=["G1"])
    code = env.codes("FEST", 1)[0]
    env.post(f"/v1/instruments/{code['instrument']}/block", {}, 200)
    signer = InMemorySigner()
    created = env.post("/v1/terminals", {"id": "G1", "store_id": _store(env), "name": "g"})
    answer = enroll(env.http, "G1", created["enrollment_code"], signer)
    trusted = {s["key_id"]: bytes.fromhex(s["public_key"]) for s in answer["keyset_signers"]}
    assert len(trusted) == 1
    kit = _kit(env, "G2")
    assert kit["gates"] == {"FEST": ["G1"]}
    assert code["instrument"] in kit["revoked"]  # type: ignore[operator]
    keyset = load_keyset(str(kit["keyset"]), trusted_signers=trusted, now=env.clock())
    assert {e.key_id for e in keyset.keyring.entries()} == {
        e.key_id for e in env.vouchers.keyring.entries()}
    forged = json.loads(str(kit["keyset"]))
    forged["body"]["keys"][0]["revoked_at"] = None
    forged["body"]["issued_at"] += 1
    with pytest.raises(PublishedKeysetError):
        load_keyset(json.dumps(forged), trusted_signers=trusted, now=env.clock())


def _store(env: Env) -> str:
    if "VENUE" not in env.stores:
        env.post("/v1/stores", {"id": "VENUE", "name": "Sân vận động"})
        env.stores.add("VENUE")
    return "VENUE"


def _keystore(env: Env) -> FileKeystore:
    store = env.vouchers.keys.store
    assert isinstance(store, FileKeystore)
    return store


def test_a_revoked_qr_key_stops_signing_and_is_served_revoked_without_a_restart(
    db_url: str, tmp_path: Path, clock: Clock
) -> None:
    with running_env(db_url, tmp_path, clock, voucher_settings(key_refresh_s=0)) as env:
        cid = env.campaign(id="FEST", kind="eticket", uses=1, valid_until=T0 + DAY)
        before = env.codes(cid, 1)[0]["qr"]
        old_key = qr.verify(before, env.vouchers.keyring, clock()).key_id
        # another process (cardkeys) rotates, then revokes the old version, in the same keystore
        other = FileKeystore(_keystore(env).path, "vouchers test passphrase", clock)
        other.rotate("qr", overlap_seconds=3600)
        clock.advance(10)
        other.revoke("qr", 1)
        clock.advance(1)
        after = env.codes(cid, 1)[0]["qr"]
        check = qr.verify(after, env.vouchers.keyring, clock())
        assert check.ok and check.key_id != old_key
        assert qr.verify(before, env.vouchers.keyring, clock()).reason is qr.QrReason.KEY_REVOKED
        published = load_keyset(_kit(env, "G1")["keyset"])  # type: ignore[arg-type]
        revoked = published.keyring.get(str(old_key))
        assert revoked is not None and revoked.revoked_at is not None
        other.revoke("qr", 2)  # no active version left: codes are refused, in words
        clock.advance(1)
        refused = env.http.post(f"/v1/campaigns/{cid}/codes", json={"count": 1},
                                headers=env.admin)
        assert refused.status_code == 503, refused.text
        assert "revoked" in refused.text
        other.close()


def test_older_events_get_their_gates_into_their_terms(db_url: str) -> None:
    """Events created before the gates were judged: the migration copies their gates."""
    from alembic import command

    engine = make_engine(db_url)
    cfg = alembic_config(engine)
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0006_counter")
        conn.commit()
    terms = {"kind": "eticket", "unit": "VND", "program": "OLD", "valid_from": None,
             "valid_until": T0 + DAY, "reloadable": False, "partial": False,
             "max_balance": 1, "uses": 1, "discount_bp": 0, "discount_cap": 0,
             "min_spend": 0, "passback_s": 0, "accepted_stores": []}
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO programs (id, name, kind, unit, terms, validity_s, created_at) "
            "VALUES ('OLD', 'Old', 'eticket', 'VND', :t, NULL, 1)"), {"t": json.dumps(terms)})
        conn.execute(text(
            "INSERT INTO campaigns (id, kind, program_id, name, face_value, budget, committed, "
            "gates, created_at, created_by) VALUES ('OLD', 'eticket', 'OLD', 'Old', 0, NULL, 0,"
            " '[\"G2\", \"G1\"]', 1, NULL)"))
    upgrade_to_head(engine)
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT terms FROM programs WHERE id = 'OLD'")).scalar_one()
    engine.dispose()
    assert json.loads(stored)["accepted_terminals"] == ["G1", "G2"]
