"""Offline taps are judged at their device time (`occurred_at`) when it is plausible: not later
than the ledger's clock and no older than the policy's offline window."""

from __future__ import annotations

from cardsvc.core import InstrumentKind, Op, Policy, ResultCode
from tests.core.helpers import DAY, NOW, Harness

MINUTE = 60


def ticket(h: Harness, entries: int = 5, passback_s: int = 10 * MINUTE) -> None:
    h.issue("T", InstrumentKind.ETICKET, 0, uses=entries, passback_s=passback_s)


def test_two_offline_entries_far_apart_synced_together_are_two_entries() -> None:
    h = Harness()
    ticket(h)
    h.now = NOW + 2 * 3600
    codes = [
        r.code
        for r in h.run(
            h.tx(Op.REDEEM, "T", occurred_at=NOW + 30 * MINUTE),
            h.tx(Op.REDEEM, "T", occurred_at=NOW + 45 * MINUTE),
        )
    ]
    assert codes == [ResultCode.OK, ResultCode.OK]


def test_passback_holds_whichever_order_the_entries_sync_in() -> None:
    h = Harness()
    ticket(h)
    h.now = NOW + 3600
    assert h.code(Op.REDEEM, "T", occurred_at=NOW + 40 * MINUTE) is ResultCode.OK
    late = h.code(Op.REDEEM, "T", occurred_at=NOW + 35 * MINUTE)  # 5 minutes earlier
    assert late is ResultCode.PASSBACK
    assert h.state.instruments["T"].last_used_at == NOW + 40 * MINUTE


def test_validity_is_judged_when_the_offline_tap_happened() -> None:
    h = Harness()
    h.issue("V", InstrumentKind.VOUCHER, 50_000, valid_until=NOW + DAY)
    h.now = NOW + DAY + 3600  # expired by the time the kiosk syncs
    assert h.code(Op.REDEEM, "V", 20_000) is ResultCode.EXPIRED
    assert h.code(Op.REDEEM, "V", 20_000, occurred_at=NOW + DAY - 60) is ResultCode.OK


def test_an_implausible_device_time_is_not_believed() -> None:
    h = Harness(Policy(offline_window_s=DAY))
    h.issue("V", InstrumentKind.VOUCHER, 50_000, valid_until=NOW + 2 * DAY)
    h.now = NOW + 5 * DAY
    too_old = h.code(Op.REDEEM, "V", 10_000, occurred_at=NOW + DAY)  # 4 days ago > window
    assert too_old is ResultCode.EXPIRED
    h.now = NOW + DAY
    future = h.code(Op.REDEEM, "V", 10_000, occurred_at=NOW + 3 * DAY)  # ahead of the ledger
    assert future is ResultCode.OK  # judged at the ledger's time, when it is still valid
