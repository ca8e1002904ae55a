"""Purchases earn through the signed ingest path; refunds claw back; bonus points arrive exactly
once; the member's tier and points read back; the daily runs are idempotent."""

from __future__ import annotations

from sqlalchemy import func, select

from cardsvc.services import loyalty
from cardsvc.storage.schema import instruments
from tests.ledger.books import assert_double_entry, posting_sums
from tests.ledger.world import DAY, Till, World

M = "card-04A1B2C3"


def _member(till: Till) -> None:
    assert till.do("issue", M, 0, program="LOYAL").code == "ok"


def test_a_purchase_earns_and_names_its_rules(loyal: World, till: Till) -> None:
    _member(till)
    r = till.do("purchase", M, 0, purchase_amount=259_000, excluded=9_000,
                tenders={"cash": 100_000, "bank_card": 159_000})  # fmt: skip
    assert (r.code, r.balance_after) == ("ok", 25)
    assert r.loyalty is not None and r.loyalty.earned == 25
    assert r.loyalty.rules == ["v1:base"] and r.loyalty.tier == "member"
    resent = till.client.submit([till.sent[-1]]).results[0]
    assert resent.code == "exists" and resent.loyalty == r.loyalty  # the receipt, again
    assert posting_sums(loyal.ledger.db.engine)["promo:LOYAL"] == -25
    assert_double_entry(loyal.ledger.db.engine)


def test_spend_points_refund_and_clawback(loyal: World, till: Till) -> None:
    _member(till)
    sale = till.tx("purchase", M, 0, purchase_amount=1_000_000)
    assert till.send(sale)[0].balance_after == 100
    spent = till.do("purchase", M, 60, purchase_amount=100_000)
    assert (spent.code, spent.balance_after) == ("ok", 49)  # 100 - 60 + 9 (94.000 ₫ earn)
    assert spent.loyalty is not None and spent.loyalty.spent == 60
    assert till.do("purchase", M, 49, purchase_amount=9_000).code == "limit_exceeded"  # > 50 %
    back = till.do("refund", M, 1_000_000, ref=sale.id)
    assert back.code == "ok" and back.loyalty is not None
    assert (back.loyalty.clawed, back.loyalty.debt_added) == (49, 51)
    with loyal.ledger.db.read() as uow:
        view = loyalty.member_view(uow, M, loyal.clock())
    assert (view.balance, view.debt) == (0, 51)
    assert_double_entry(loyal.ledger.db.engine)


def test_bonus_points_exactly_once_and_the_tier_with_its_benefits(loyal: World, till: Till
                                                                  ) -> None:  # fmt: skip
    _member(till)
    committer = loyal.ledger.committer
    first = loyalty.award_points(committer, M, 500, "birthday", "bday-2026-" + M)
    again = loyalty.award_points(committer, M, 500, "birthday", "bday-2026-" + M)
    assert (first.code, first.balance_after, again.code) == ("ok", 500, "exists")
    till.do("purchase", M, 0, purchase_amount=19_000_000)
    with loyal.ledger.db.read() as uow:
        tier = loyalty.member_tier(uow, M, loyal.clock())
    assert (tier.tier, tier.next_tier, tier.missing) == ("silver", "gold", 1_000_000)
    assert tier.benefits.multiplier_bp == 12_500
    till.do("purchase", M, 0, purchase_amount=1_000_000)
    with loyal.ledger.db.read() as uow:
        view = loyalty.member_view(uow, M, loyal.clock())
    assert view.tier.tier == "gold" and view.tier.benefits.birthday_bonus == 500
    assert [h.to_tier for h in view.history] == ["gold", "silver"]


def test_expiry_and_review_runs_are_idempotent_per_day(loyal: World, till: Till) -> None:
    _member(till)
    till.do("purchase", M, 0, purchase_amount=6_000_000)  # silver, 600 points
    db, committer = loyal.ledger.db, loyal.ledger.committer
    loyal.clock.advance(366 * DAY)
    first = loyalty.run_daily(db, committer, "expiry", loyal.clock())
    second = loyalty.run_daily(db, committer, "expiry", loyal.clock())
    assert (first.done, second.members) == (1, 0)
    assert loyal.balance(M) == 0
    assert posting_sums(db.engine)["breakage:LOYAL"] == 600
    review = loyalty.run_daily(db, committer, "review", loyal.clock())
    assert review.done == 1
    with db.read() as uow:
        assert loyalty.member_tier(uow, M, loyal.clock()).tier == "member"
        members = select(func.count()).where(instruments.c.tier.is_not(None))
        count = uow._conn.execute(members).scalar()
    assert count == 1
    assert loyalty.run_daily(db, committer, "review", loyal.clock()).members == 0
