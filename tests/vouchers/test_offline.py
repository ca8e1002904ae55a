"""Offline validation at gates and kiosks, and double use across offline devices caught at sync:
one use counted, the other flagged for finance."""

from __future__ import annotations

from cardsvc.protocol.qr import QrReason
from terminals.gate.gate import Gate
from terminals.kiosk.kiosk import Kiosk, voucher_amount
from tests.vouchers.conftest import DAY, T0, Env


def _kiosk(env: Env, terminal_id: str, store: str) -> tuple[Kiosk, object]:
    client = env.till(terminal_id, store)
    return Kiosk(terminal_id, env.vouchers.keyring, env.clock), client


def test_double_use_on_two_offline_kiosks_is_counted_once_and_flagged(env: Env) -> None:
    cid = env.campaign(id="OFF50", kind="voucher", face_value=50_000, min_spend=100_000,
                       valid_until=T0 + DAY)
    code = env.codes(cid, 1)[0]
    k1, c1 = _kiosk(env, "K1", "S1")
    k2, c2 = _kiosk(env, "K2", "S2")
    assert k1.redeem(code["qr"], 80_000).reason == "min_spend_not_met"
    first = k1.redeem(code["qr"], 150_000)
    env.clock.advance(30)
    second = k2.redeem(code["qr"], 120_000)  # K2 cannot know K1 took it: both accept offline
    assert first.ok and second.ok and first.amount == second.amount == 50_000
    assert k1.redeem(code["qr"], 150_000).reason == "already_redeemed"  # K1 remembers its own
    env.clock.advance(3600)
    r1, r2 = k1.sync(c1), k2.sync(c2)  # type: ignore[arg-type]
    assert [r.code for r in r1 + r2] == ["ok", "already_redeemed"]
    assert env.get(f"/v1/instruments/{code['instrument']}")["balance"] == 0
    report = env.get("/v1/reports/offline-conflicts")
    assert report["count"] == 1
    flagged = report["conflicts"][0]
    assert (flagged["terminal_id"], flagged["code"]) == ("K2", "already_redeemed")
    assert flagged["occurred_at"] == T0 + 30
    assert flagged["accepted"]["terminal_id"] == "K1"
    assert flagged["accepted"]["occurred_at"] == T0
    assert k1.sync(c1) == []  # type: ignore[arg-type]


def test_gates_admit_offline_with_entries_passback_window_and_revocations(env: Env) -> None:
    cid = env.campaign(id="FEST", kind="eticket", uses=2, passback_s=900,
                       valid_from=T0 + 60, valid_until=T0 + DAY)
    t1, t2 = (c["qr"] for c in env.codes(cid, 2))
    gate, client = Gate("G1", env.vouchers.keyring, env.clock), env.till("G1", "VENUE")
    assert gate.admit(t1).reason == QrReason.NOT_YET_VALID
    env.clock.advance(60)
    assert gate.admit(t1).ok
    assert gate.admit(t1).reason == "passback"
    assert [r.code for r in gate.sync(client)] == ["ok"]
    env.clock.advance(900)
    assert gate.admit(t1).ok
    assert [r.code for r in gate.sync(client)] == ["ok"]
    env.clock.advance(900)
    assert gate.admit(t1).reason == "already_redeemed"
    voucher = env.codes(env.campaign(id="V", kind="voucher", face_value=1,
                                     valid_until=T0 + DAY), 1)[0]["qr"]
    assert gate.admit(voucher).reason == "wrong_kind"
    revoked = env.codes(cid, 1)[0]
    env.post(f"/v1/instruments/{revoked['instrument']}/block", {}, 200)
    fetched = client._send("GET", "/v1/terminal/qr/revocations").json()["revoked"]
    assert revoked["instrument"] in fetched
    gate.refresh(env.vouchers.keyring, fetched)
    assert gate.admit(revoked["qr"]).reason == QrReason.REVOKED
    assert gate.admit(t2).ok
    env.clock.now = T0 + DAY
    assert gate.admit(t2).reason == QrReason.EXPIRED
    assert gate.admit(t2[:-2] + ("00" if not t2.endswith("00") else "11")).reason in (
        QrReason.MALFORMED, QrReason.BAD_SIGNATURE)


def test_two_offline_entries_far_apart_sync_as_two_entries(env: Env) -> None:
    """Two entries 15 minutes apart on one offline gate, synced together, are both valid:
    the ledger judges passback at each tap's device time (occurred_at), not at sync time."""
    cid = env.campaign(id="FEST2", kind="eticket", uses=2, passback_s=900,
                       valid_until=T0 + DAY)
    ticket = env.codes(cid, 1)[0]["qr"]
    gate, client = Gate("G9", env.vouchers.keyring, env.clock), env.till("G9", "VENUE")
    assert gate.admit(ticket).ok
    env.clock.advance(901)
    assert gate.admit(ticket).ok
    assert [r.code for r in gate.sync(client)] == ["ok", "ok"]


def test_kiosk_applies_percentage_caps() -> None:
    from cardsvc.protocol.qr import QrClaims, QrKind

    c = QrClaims(QrKind.VOUCHER, "V-1", "P", T0, discount_bp=1500, discount_cap=40_000)
    assert voucher_amount(c, 100_000) == 15_000
    assert voucher_amount(c, 1_000_000) == 40_000
    fixed = QrClaims(QrKind.VOUCHER, "V-2", "F", T0, value=50_000)
    assert voucher_amount(fixed, 30_000) == 30_000
