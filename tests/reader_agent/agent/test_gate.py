"""A gate's agent against the real ledger: tickets admitted online and offline, the event's gates,
anti-passback and entries from the durable outbox (across a restart), exactly-once sync, the
signed QR kit (a forged one refused, a revoked key refused without restarting the ledger)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from reader_agent.agent.purse_flows import ValueRequest
from reader_agent.agent.qr_kit import KitRefused
from reader_agent.drivers.virtual import VirtualReader
from tests.terminals.venue import Terminal, Venue, terminal, venue


@pytest.fixture
def place(tmp_path: Path) -> Iterator[Venue]:
    with venue(tmp_path) as v:
        yield v


@pytest.fixture
def gate(place: Venue) -> Iterator[Terminal]:
    t = terminal(place, "G1", VirtualReader())
    yield t
    t.runtime.stop()


def refresh(t: Terminal) -> None:
    """A sync round that fetches the hotlist and the QR kit now."""
    t.runtime.loop._hotlist_due = 0
    t.runtime.loop.round()


def _down(place: Venue, gate: Terminal) -> None:
    place.server.stop()
    gate.runtime.syncer._failed("ledger stopped")
    gate.runtime.syncer.retry_after_s = 3600  # stays offline for the test's duration


def test_online_admission_passback_and_entries(place: Venue, gate: Terminal) -> None:
    ticket = place.tickets(1)[0]
    first = gate.runtime.gate.admit_qr(ticket["qr"])
    assert (first.ok, first.mode, first.entries_left) == (True, "online", 1)
    again = gate.runtime.gate.admit_qr(ticket["qr"])
    assert (again.ok, again.code, again.mode) == (False, "passback", "local")
    assert [e["code"] for e in place.entries(ticket["instrument"])] == ["ok"]
    assert gate.runtime.gate.counts(0) == (1, 1)


def test_offline_entries_survive_a_restart_and_sync_exactly_once(
    place: Venue, gate: Terminal
) -> None:
    tickets = place.tickets(3)
    _down(place, gate)
    for t in tickets:
        admitted = gate.runtime.gate.admit_qr(t["qr"])
        assert (admitted.ok, admitted.mode) == (True, "offline")
    gate.restart(VirtualReader())  # what a crash leaves: the database, nothing in memory
    gate.runtime.syncer._failed("ledger still down")
    gate.runtime.syncer.retry_after_s = 3600
    assert gate.runtime.gate.admit_qr(tickets[0]["qr"]).code == "passback"  # remembered
    assert gate.runtime.kit.keyring() is not None  # the kit survived the restart too
    place.server.start()
    gate.runtime.syncer.retry_after_s = 0
    gate.runtime.loop.round()
    gate.runtime.loop.round()  # a second sync sends nothing twice
    for t in tickets:
        assert [e["code"] for e in place.entries(t["instrument"])] == ["ok"]
        assert [e["terminal_id"] for e in place.entries(t["instrument"])] == ["G1"]


def test_wrong_gate_is_refused_online_and_offline(place: Venue, tmp_path: Path) -> None:
    other = terminal(place, "G9", VirtualReader())
    try:
        ticket = place.tickets(1)[0]
        online = other.runtime.gate.admit_qr(ticket["qr"])
        assert (online.ok, online.code, online.mode) == (False, "wrong_gate", "local")
        with other.runtime.db.write() as conn:  # a kit without the gates: the ledger decides
            conn.execute("DELETE FROM qr_gates")
        by_ledger = other.runtime.gate.admit_qr(ticket["qr"])
        assert (by_ledger.ok, by_ledger.code, by_ledger.mode) == (False, "wrong_gate", "online")
        refresh(other)
        _down(place, other)
        offline = other.runtime.gate.admit_qr(ticket["qr"])
        assert (offline.ok, offline.code) == (False, "wrong_gate")
    finally:
        other.runtime.stop()


def test_a_forged_kit_is_refused_and_the_last_good_one_stays(
    place: Venue, gate: Terminal
) -> None:
    kit = gate.runtime.syncer.client.offline_kit()
    forged = json.loads(kit["keyset"])
    forged["body"]["keys"] = []
    with pytest.raises(KitRefused):
        gate.runtime.kit.replace({**kit, "keyset": json.dumps(forged)})
    unsigned = json.loads(kit["keyset"])
    unsigned["signature"] = None
    with pytest.raises(KitRefused):
        gate.runtime.kit.replace({**kit, "keyset": json.dumps(unsigned)})
    with pytest.raises(KitRefused):
        gate.runtime.kit.replace({**kit, "revoked": [""] * 3})
    ticket = place.tickets(1)[0]
    _down(place, gate)
    assert gate.runtime.gate.admit_qr(ticket["qr"]).ok


def test_a_revoked_key_is_refused_offline_without_restarting_the_ledger(
    place: Venue, gate: Terminal
) -> None:
    ticket = place.tickets(1)[0]
    other = place.server.other_keystore()  # `cardkeys` in another process
    other.rotate("qr", overlap_seconds=3600)
    time.sleep(1.1)
    other.revoke("qr", 1)
    other.close()
    time.sleep(1.1)
    refresh(gate)  # the kit as the running ledger serves it now
    _down(place, gate)
    refused = gate.runtime.gate.admit_qr(ticket["qr"])
    assert (refused.ok, refused.code) == (False, "key_revoked")
    place.server.start()
    fresh = place.tickets(1)[0]  # signed by the new key by the same running ledger process
    _down(place, gate)
    assert gate.runtime.gate.admit_qr(fresh["qr"]).ok


def test_a_revoked_ticket_is_refused_offline(place: Venue, gate: Terminal) -> None:
    ticket = place.tickets(1)[0]
    place.chain.post(f"/v1/instruments/{ticket['instrument']}/block", {})
    refresh(gate)
    _down(place, gate)
    assert gate.runtime.gate.admit_qr(ticket["qr"]).code == "revoked"
    assert gate.runtime.gate.admit_qr("CS1:NOT A TICKET").code == "malformed"


def test_a_ticket_card_is_admitted_online_only(place: Venue, gate: Terminal) -> None:
    uid = bytes.fromhex("04A1B2C3D4E5F6")
    issued = gate.runtime.agent._online_only(uid, ValueRequest("issue", 0, program="FEST"))
    assert issued.code == "ok", issued
    instrument = "card-04A1B2C3D4E5F6"
    admitted = gate.runtime.gate.admit_card(instrument)
    assert (admitted.ok, admitted.mode, admitted.source) == (True, "online", "card")
    _down(place, gate)
    refused = gate.runtime.gate.admit_card(instrument)
    assert (refused.ok, refused.code) == (False, "card_needs_ledger")

