"""Staff PINs (never stored, wrong ones counted durably, a lock-out), receipt numbers and search,
and a shift's cash report, on the agent's own database."""

from __future__ import annotations

from pathlib import Path

import pytest

from cardsvc.protocol.messages import LoyaltyMsg, ResultMsg, TransactionMsg
from reader_agent.agent.hotlist import Shifts
from reader_agent.agent.localdb import LocalDb
from reader_agent.agent.outbox import Outbox
from reader_agent.agent.receipts import Receipts
from reader_agent.agent.staff import SignIn, StaffBook
from reader_agent.agent.staff_cli import staff_command
from reader_agent.cli import build_parser


class Clock:
    def __init__(self) -> None:
        self.now = 1_764_000_000

    def __call__(self) -> int:
        return self.now


@pytest.fixture
def db(tmp_path: Path) -> LocalDb:
    return LocalDb(tmp_path / "agent.db")


def test_a_pin_is_checked_never_stored_and_guessing_locks_out(db: LocalDb) -> None:
    clock = Clock()
    book = StaffBook(db, clock, max_failures=3, lockout_s=300)
    book.add("NV01", "  Nguyễn   Thị Lan ", "123456")
    with db.read() as conn:
        stored = conn.execute("SELECT name, pin_hash FROM staff").fetchone()
    assert stored[0] == "Nguyễn Thị Lan" and "123456" not in stored[1]
    assert book.sign_in("NV01", "123456")[0] is SignIn.OK
    assert book.sign_in("NV09", "123456") == (SignIn.WRONG_PIN, None)  # unknown: the same answer
    assert book.sign_in("NV01", "000000")[0] is SignIn.WRONG_PIN
    assert book.sign_in("NV01", "000001")[0] is SignIn.WRONG_PIN
    assert book.sign_in("NV01", "000002")[0] is SignIn.LOCKED
    # the right PIN does not open a locked member, even after a restart of the agent
    assert StaffBook(LocalDb(db.path), clock).sign_in("NV01", "123456")[0] is SignIn.LOCKED
    clock.now += 301
    assert book.sign_in("NV01", "123456")[0] is SignIn.OK


@pytest.mark.parametrize(
    ("staff_id", "name", "pin"),
    [("NV 01", "Lan", "1234"), ("NV01", "", "1234"), ("NV01", "Lan", "123"),
     ("NV01", "Lan", "12345678901"), ("NV01", "Lan", "12ab")],
)  # fmt: skip
def test_staff_are_checked_when_added(db: LocalDb, staff_id: str, name: str, pin: str) -> None:
    with pytest.raises(ValueError):
        StaffBook(db, Clock()).add(staff_id, name, pin)


def test_the_staff_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("READER_AGENT_STAFF_PIN", "2468")
    parse = build_parser().parse_args
    base = ["staff", "--data-dir", str(tmp_path)]
    assert staff_command(parse([*base, "add", "NV02", "--name", "Minh"])) == 0
    assert staff_command(parse([*base, "list"])) == 0
    assert "NV02\tMinh" in capsys.readouterr().out
    monkeypatch.setenv("READER_AGENT_STAFF_PIN", "24")
    assert staff_command(parse([*base, "add", "NV03", "--name", "Hà"])) == 2
    assert "a PIN is 4 to 8 digits" in capsys.readouterr().err
    assert staff_command(parse([*base, "remove", "NV09"])) == 1


def _tx(op: str, amount: int, **fields: object) -> object:
    def build(tx_id: str, seq: int) -> TransactionMsg:
        return TransactionMsg(id=tx_id, seq=seq, op=op, instrument="card-04A1",  # type: ignore[arg-type]
                              amount=amount, **fields)  # type: ignore[arg-type]

    return build


def test_receipts_and_the_shift_report(db: LocalDb) -> None:
    clock = Clock()
    outbox, shifts = Outbox(db, 100, clock), Shifts(db, clock)
    shift = shifts.open("Lan")
    sold = outbox.reserve(_tx("issue", 200_000, program="PREPAID"))  # type: ignore[arg-type]
    topped = outbox.reserve(_tx("top_up", 50_000))  # type: ignore[arg-type]
    clock.now += 86_400
    spent = outbox.reserve(_tx("redeem", 30_000))  # type: ignore[arg-type]
    refused = outbox.reserve(_tx("top_up", 9_000_000))  # type: ignore[arg-type]
    outbox.record_results([ResultMsg(id=e.id, seq=e.seq, code="ok") for e in (sold, topped)]
                          + [ResultMsg(id=refused.id, seq=refused.seq, code="limit_exceeded")])
    receipts = Receipts(db, "S1-QUAY1")
    first = receipts.get(sold.id)
    assert first is not None and (first.short, first.number) == ("000001", "S1-QUAY1-000001")
    assert (first.staff, first.shift_id) == ("Lan", shift.id)
    assert [r.tx_id for r in receipts.search(number="2")] == [topped.id]
    assert [r.tx_id for r in receipts.search(number="S1-QUAY1-000003")] == [spent.id]
    assert receipts.search(number="S2-QUAY1-000003") == []  # another till's number
    assert len(receipts.search(instrument="card-04A1")) == 4
    day_two = receipts.search(since=clock.now - 10, until=clock.now + 10)
    assert {r.tx_id for r in day_two} == {spent.id, refused.id}
    report = receipts.shift_report(shift.id)
    assert report is not None
    totals = {(t.op, t.count, t.total) for t in report.totals}
    assert totals == {("issue", 1, 200_000), ("top_up", 1, 50_000), ("redeem", 1, 30_000)}
    assert (report.cash_taken, report.refused) == (250_000, 1)
    assert (report.queued, report.queued_amount) == (1, 30_000)  # the sale waits for the ledger


def test_a_member_refund_receipt_keeps_the_cash_kept_for_spent_points(db: LocalDb) -> None:
    outbox = Outbox(db, 100, Clock())
    refund = outbox.reserve(_tx("refund", 1_000_000, ref="T1-7"))  # type: ignore[arg-type]
    plain = outbox.reserve(_tx("refund", 500_000, ref="T1-8"))  # type: ignore[arg-type]
    kept = LoyaltyMsg(clawed=39, cash_deducted=6_100, tier="member")
    outbox.record_results([ResultMsg(id=refund.id, seq=refund.seq, code="ok", loyalty=kept),
                           ResultMsg(id=plain.id, seq=plain.seq, code="ok")])  # fmt: skip
    receipts = Receipts(db, "S1-QUAY1")
    found, other = receipts.get(refund.id), receipts.get(plain.id)
    assert found is not None and found.cash_deducted == 6_100
    assert other is not None and other.cash_deducted == 0
    assert (found.unit, other.unit) == ("PTS", "VND")  # a loyalty answer: a points card


def test_a_member_purchase_receipt_is_counted_in_points(db: LocalDb) -> None:
    """A purchase's receipt carries what it earned; it is a points receipt even before the
    ledger answers (offline, no loyalty answer yet)."""
    outbox = Outbox(db, 100, Clock())
    bought = outbox.reserve(_tx("purchase", 20, purchase_amount=250_000))  # type: ignore[arg-type]
    waiting = outbox.reserve(_tx("purchase", 0, purchase_amount=90_000))  # type: ignore[arg-type]
    earned = LoyaltyMsg(earned=25, spent=20, tier="silver")
    outbox.record_results([ResultMsg(id=bought.id, seq=bought.seq, code="ok", loyalty=earned,
                                     balance_after=1_205)])  # fmt: skip
    receipts = Receipts(db, "S1-QUAY1")
    found, offline = receipts.get(bought.id), receipts.get(waiting.id)
    assert found is not None and (found.unit, found.points_earned) == ("PTS", 25)
    assert found.balance_after == 1_205
    assert offline is not None and (offline.unit, offline.points_earned) == ("PTS", 0)
