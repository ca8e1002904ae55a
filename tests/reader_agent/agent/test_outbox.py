"""The durable outbox: bounded, ordered, durable across reopen, exactly once against the ledger."""

from __future__ import annotations

from pathlib import Path

import httpx
import pydantic
import pytest

from cardsvc.protocol.client import LedgerClient
from cardsvc.protocol.messages import TransactionMsg
from keys.file_keystore import FileKeystore
from reader_agent.agent.hotlist import Hotlist
from reader_agent.agent.identity import Identity
from reader_agent.agent.localdb import LocalDb
from reader_agent.agent.outbox import Outbox, OutboxFull, State
from reader_agent.agent.sync import Syncer

from .conftest import Chain

NOW = 1_750_000_000


def issue_builder(instrument: str, amount: int = 100_000):  # type: ignore[no-untyped-def]
    def build(tx_id: str, seq: int) -> TransactionMsg:
        return TransactionMsg(id=tx_id, seq=seq, op="issue", instrument=instrument,
                              amount=amount, program="PREPAID")  # fmt: skip

    return build


def open_outbox(path: Path, max_unsent: int = 100) -> Outbox:
    return Outbox(LocalDb(path), max_unsent, lambda: NOW)


def test_bounded_and_nothing_lost_when_full(tmp_path: Path) -> None:
    outbox = open_outbox(tmp_path / "a.db", max_unsent=2)
    outbox.reserve(issue_builder("C1"))
    outbox.reserve(issue_builder("C2"))
    with pytest.raises(OutboxFull):
        outbox.reserve(issue_builder("C3"))
    assert [e.msg.instrument for e in outbox.ready(10)] == ["C1", "C2"]


def test_bad_input_is_refused_and_consumes_nothing(tmp_path: Path) -> None:
    outbox = open_outbox(tmp_path / "a.db")
    first = outbox.reserve(issue_builder("C1"))
    with pytest.raises(pydantic.ValidationError):
        outbox.reserve(issue_builder("C2", amount=-5))
    second = outbox.reserve(issue_builder("C3"))
    assert second.seq == first.seq + 1  # the refused one rolled back its sequence number too
    assert [e.msg.instrument for e in outbox.ready(10)] == ["C1", "C3"]


def test_durable_across_reopen_in_sequence_order(tmp_path: Path) -> None:
    outbox = open_outbox(tmp_path / "a.db")
    made = [outbox.reserve(issue_builder(f"C{i}")) for i in range(5)]
    outbox.db.close()
    again = open_outbox(tmp_path / "a.db")
    ready = again.ready(10)
    assert [(e.id, e.seq, e.msg) for e in ready] == [(m.id, m.seq, m.msg) for m in made]
    assert [e.seq for e in ready] == sorted(e.seq for e in ready)
    later = again.reserve(issue_builder("C9"))
    assert later.seq == made[-1].seq + 1  # sequence numbers are never reused


def test_a_new_database_never_reuses_sequence_numbers(tmp_path: Path) -> None:
    old = open_outbox(tmp_path / "old.db").reserve(issue_builder("C1"))
    new = open_outbox(tmp_path / "new.db").reserve(issue_builder("C1"))
    assert new.seq > old.seq


def test_prune_keeps_the_newest_answers(tmp_path: Path) -> None:
    outbox = open_outbox(tmp_path / "a.db")
    made = [outbox.reserve(issue_builder(f"C{i}")) for i in range(5)]
    from cardsvc.protocol.messages import ResultMsg

    outbox.record_results([ResultMsg(id=m.id, seq=m.seq, code="ok") for m in made])
    assert outbox.prune_done(2) == 3
    assert [outbox.get(m.id) is not None for m in made] == [False, False, False, True, True]


def _syncer(outbox: Outbox, chain: Chain, identity: Identity, keystore: FileKeystore) -> Syncer:
    http = httpx.Client(base_url=chain.server.url, timeout=5)
    client = LedgerClient(http, identity.terminal_id, keystore.signer(identity.key_label))
    return Syncer(outbox, client, Hotlist(outbox.db, lambda: NOW), batch_max=3)


def test_crash_between_send_and_mark_resend_gets_exists(
    tmp_path: Path, chain: Chain, identity: Identity, keystore: FileKeystore
) -> None:
    outbox = open_outbox(tmp_path / "a.db")
    entries = [outbox.reserve(issue_builder(f"X{i}", 1_000 * (i + 1))) for i in range(7)]
    syncer = _syncer(outbox, chain, identity, keystore)
    # the first send reaches the ledger, the agent dies before recording the answers
    answered = syncer.client.submit([e.msg for e in entries[:4]])
    assert [r.code for r in answered.results] == ["ok"] * 4
    outbox.db.close()
    restarted = open_outbox(tmp_path / "a.db")
    syncer = _syncer(restarted, chain, identity, keystore)
    assert syncer.flush() == 7  # three batches of at most 3, in sequence order
    codes = [restarted.get(e.id).code for e in entries]  # type: ignore[union-attr]
    assert codes == ["exists"] * 4 + ["ok"] * 3
    assert restarted.count(State.READY) == 0 and syncer.flush() == 0
    assert [chain.balance(f"X{i}") for i in range(7)] == [1_000 * (i + 1) for i in range(7)]


def test_ledger_down_keeps_everything_queued(
    tmp_path: Path, chain: Chain, identity: Identity, keystore: FileKeystore
) -> None:
    from reader_agent.agent.sync import LedgerUnavailable

    outbox = open_outbox(tmp_path / "a.db")
    outbox.reserve(issue_builder("Y1"))
    syncer = _syncer(outbox, chain, identity, keystore)
    chain.server.stop()
    with pytest.raises(LedgerUnavailable):
        syncer.flush()
    assert outbox.count(State.READY) == 1 and not syncer.available()
    chain.server.start()
    syncer.status.last_error_at = None  # skip the retry pause
    assert syncer.flush() == 1 and chain.balance("Y1") == 100_000


def test_reachable_reports_the_last_contact_while_available_paces_retries(
    tmp_path: Path, chain: Chain, identity: Identity, keystore: FileKeystore
) -> None:
    outbox = open_outbox(tmp_path / "agent.db")
    syncer = _syncer(outbox, chain, identity, keystore)
    now = [100.0]
    syncer.monotonic = lambda: now[0]
    assert syncer.reachable() and syncer.available()
    syncer._failed("ledger down")
    assert not syncer.reachable() and not syncer.available()
    now[0] += syncer.retry_after_s
    assert syncer.available()  # worth another try ...
    assert not syncer.reachable()  # ... but the status screen still says it is away
