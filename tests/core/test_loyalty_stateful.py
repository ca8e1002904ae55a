"""Loyalty over random sequences: purchases (earning, spending points), refunds, voids, awards,
deductions, rewards bought with points, expiry runs and tier reviews, with time moving by hours,
days and to local midnight.

After every step: points are never created without a purchase, award or refund posting; lots
are never negative and sum to the balance; spending took soonest-expiring lots first; a
purchase refunded in full (in parts or by void) has given back exactly what it earned and
returned exactly what it spent; a member always holds at least the tier its rolling 12 months
qualify it for, and never lost a tier except by review or refund; rewards never pass their
limit, stock or tier, and each took its points soonest-expiring first with its voucher.
"""

from __future__ import annotations

from collections import defaultdict

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from cardsvc.core import (
    InstrumentKind,
    InstrumentSpec,
    LedgerState,
    Op,
    Policy,
    Posting,
    Transaction,
    Unit,
    apply,
)
from cardsvc.core import lots as lot_rules
from cardsvc.core import tiers as tier_rules
from cardsvc.core.calendar import DAY_S, day_start, local_day
from cardsvc.core.loyalty_model import Reward
from tests.core.helpers import PROGRAM, check_invariants, spec
from tests.core.loyalty_helpers import OFFSET, local, rules

MEMBERS = ("m1", "m2")
STORE = "s1"
REWARDS = (
    Reward("cafe", "Cà phê", "Coffee", 300, "CAFE", per_member=3, stock=5),
    Reward("gold", "Quà Vàng", "Gold gift", 200, "GOLD-V"),  # GOLD-V: the gold tier's only
)
RULES = rules(expiry_months=2, pending_days=2, spend_max_share_bp=5_000,
              tiers=rules().tiers, rewards=REWARDS)  # fmt: skip
CREDITORS = {f"promo:{PROGRAM}", f"settle:{STORE}"}
CREDITING_OPS = {Op.PURCHASE, Op.AWARD, Op.REFUND, Op.VOID, Op.ISSUE}


class LoyaltyMachine(RuleBasedStateMachine):
    @initialize()
    def setup(self) -> None:
        self.state = LedgerState()
        self.state.loyalty[PROGRAM] = (RULES,)
        self.now = local(2026, 1, 10)
        self.postings: list[Posting] = []
        self.ids = 0
        self.sales: list[Transaction] = []
        self.reversed: dict[str, list[tuple[int, int, int, int]]] = defaultdict(list)
        self.rewards: dict[tuple[str, str], int] = defaultdict(int)  # (item, member) -> bought
        for m in MEMBERS:
            issue = Transaction(self._id(), Op.ISSUE, m, 0, store=STORE,
                                spec=spec(InstrumentKind.MEMBER, max_balance=10**9))  # fmt: skip
            self._apply(issue)

    def _id(self) -> str:
        self.ids += 1
        return f"t{self.ids}"

    def _apply(self, tx: Transaction) -> str:
        outcome = apply(self.state, [tx], self.now, Policy())
        self.postings.extend(outcome.postings)
        return str(outcome.results[0].code)

    # --- steps ---------------------------------------------------------------------------------
    @rule(m=st.sampled_from(MEMBERS), total=st.integers(1, 30_000_000),
          share=st.sampled_from([0, 0, 0, 10, 40, 50, 60]), excluded=st.integers(0, 100_000))
    def purchase(self, m: str, total: int, share: int, excluded: int) -> None:  # fmt: skip
        member = self.state.members.get(m)
        before = dict(member.copy().lots) if member else {}
        tier_before = member.tier if member else "member"
        have = lot_rules.spendable(member, self.now) if member else 0
        points = min(have, total * share // 100 // RULES.point_value)
        tx = Transaction(self._id(), Op.PURCHASE, m, points, store=STORE,
                         purchase_amount=total, excluded=min(excluded, total))  # fmt: skip
        code = self._apply(tx)
        if code != "ok":
            return
        self.sales.append(tx)
        done = self.state.records[tx.id].loyalty
        assert done is not None
        self._soonest_first(before, done.spent)
        member = self.state.members[m]
        assert RULES.tier_rank(member.tier) >= RULES.tier_rank(tier_before), "no drop on a sale"

    def _soonest_first(self, before: dict[tuple[int, int], int],
                       spent: tuple[tuple[int, int, int], ...]) -> None:  # fmt: skip
        if not spent:
            return
        used = {(e, a) for e, a, _ in spent}
        latest_used = max(e for e, _, _ in spent)
        untouched = [k for k in before if k not in used and k[1] <= self.now < k[0]]
        assert all(k[0] >= latest_used for k in untouched), "soonest-expiring first"

    @rule(data=st.data(), part=st.sampled_from([1, 2, 3, 100]))
    def refund(self, data: st.DataObject, part: int) -> None:
        if not self.sales:
            return
        sale = data.draw(st.sampled_from(self.sales))
        rec = self.state.records[sale.id]
        left = sale.purchase_amount - rec.refunded
        amount = max(left // part, 1) if left else 1
        tx = Transaction(self._id(), Op.REFUND, sale.instrument, amount, store=STORE, ref=sale.id)
        if self._apply(tx) == "ok":
            self._note_reversal(sale, tx)

    @rule(data=st.data())
    def void(self, data: st.DataObject) -> None:
        if not self.sales:
            return
        sale = data.draw(st.sampled_from(self.sales))
        tx = Transaction(self._id(), Op.VOID, sale.instrument, store=STORE, ref=sale.id)
        if self._apply(tx) == "ok":
            self._note_reversal(sale, tx)

    def _note_reversal(self, sale: Transaction, tx: Transaction) -> None:
        done = self.state.records[tx.id].loyalty
        assert done is not None
        self.reversed[sale.id].append((done.clawed, done.debt_added, done.returned, 0))

    @rule(m=st.sampled_from(MEMBERS), points=st.integers(1, 5_000), up=st.booleans())
    def adjust(self, m: str, points: int, up: bool) -> None:
        op = Op.AWARD if up else Op.DEDUCT
        self._apply(Transaction(self._id(), op, m, points, store=STORE, reason="test"))

    @rule(m=st.sampled_from(MEMBERS), item=st.sampled_from(REWARDS))
    def reward(self, m: str, item: Reward) -> None:
        member = self.state.members.get(m)
        before = dict(member.copy().lots) if member else {}
        tier = member.tier if member else "member"
        terms = InstrumentSpec(InstrumentKind.VOUCHER, Unit.VND, item.campaign,
                               valid_until=self.now + 30 * DAY_S, partial=False,
                               max_balance=50_000, uses=1)  # fmt: skip
        tx = Transaction(self._id(), Op.REWARD, m, item.points, store=STORE, ref=item.id,
                         counterparty="v-" + str(self.ids), spec=terms)  # fmt: skip
        code = self._apply(tx)
        event(f"reward {item.id}: {code}")  # the statistics show that every outcome happens
        if code != "ok":
            return
        assert RULES.tier_rank(tier) >= RULES.reward_rank(item), "a tier-only reward"
        done = self.state.records[tx.id].loyalty
        assert done is not None and sum(n for _, _, n in done.spent) == item.points
        self._soonest_first(before, done.spent)
        assert self.state.instruments[done.voucher].balance == 50_000
        self.rewards[(item.id, m)] += 1

    @rule(m=st.sampled_from(MEMBERS))
    def expiry_run(self, m: str) -> None:
        self._apply(Transaction(self._id(), Op.EXPIRE_POINTS, m, store=STORE))

    @rule(m=st.sampled_from(MEMBERS))
    def review(self, m: str) -> None:
        self._apply(Transaction(self._id(), Op.TIER_REVIEW, m, store=STORE))

    @rule(step=st.sampled_from([3600, 6 * 3600, DAY_S, 9 * DAY_S, 40 * DAY_S, 200 * DAY_S]))
    def later(self, step: int) -> None:
        self.now += step

    @rule(before=st.sampled_from([0, 1]))
    def to_midnight(self, before: int) -> None:
        """To local midnight (or one second before it): day boundaries matter for tiers."""
        self.now = day_start(local_day(self.now, OFFSET) + 1, OFFSET) - before

    # --- invariants -------------------------------------------------------------------------
    @invariant()
    def ledger_and_lots(self) -> None:
        check_invariants(self.state, self.postings)
        for kept in self.state.members.values():
            m = kept.copy()  # decode a copy: the member itself stays on its append-only path
            inst = self.state.instruments[m.instrument]
            assert all(v > 0 for v in m.lots.values()) and m.debt >= 0
            assert sum(m.lots.values()) == inst.balance
            assert m.soonest_expiry() == kept.soonest_expiry()
            assert kept.days_spend == sum(s for s, _ in m.days.values())

    @invariant()
    def rewards_within_their_limits(self) -> None:
        for item in REWARDS:
            bought = [self.rewards[(item.id, m)] for m in MEMBERS]
            assert not item.per_member or max(bought) <= item.per_member
            assert not item.stock or sum(bought) <= item.stock

    @invariant()
    def no_points_without_a_posting(self) -> None:
        points = [p for p in self.postings if p.unit is Unit.POINTS]  # vouchers hold đồng
        for p in points:
            if p.account.startswith("i:") and p.amount > 0:
                op = self.state.records[p.tx_id].tx.op
                assert op in CREDITING_OPS, (op, p)
        by_tx: dict[str, set[str]] = defaultdict(set)
        for p in points:
            if p.amount < 0 and not p.account.startswith("i:"):
                by_tx[p.tx_id].add(p.account)
        for p in points:
            if p.account.startswith("i:") and p.amount > 0:
                assert by_tx[p.tx_id] <= CREDITORS, by_tx[p.tx_id]

    @invariant()
    def refunds_return_exactly_what_was_earned(self) -> None:
        for sale in self.sales:
            rec = self.state.records[sale.id]
            if rec.refunded != sale.purchase_amount:
                continue
            done = rec.loyalty
            assert done is not None
            back = self.reversed[sale.id]
            assert sum(c + d for c, d, _, _ in back) == done.earned
            assert sum(r for _, _, r, _ in back) == sum(n for _, _, n in done.spent)

    @invariant()
    def tier_at_least_what_the_year_qualifies(self) -> None:
        """Upgrade at once: qualifying spend only grows at a sale, which upgrades; it shrinks
        with time and refunds, which never raise the tier needed."""
        for kept in self.state.members.values():
            m = kept.copy()
            value = tier_rules.qualifying(m, RULES, self.now)
            qualified = tier_rules.qualified_tier(RULES, value)
            assert RULES.tier_rank(m.tier) >= RULES.tier_rank(qualified), (m, value)

    @invariant()
    def tiers_drop_only_by_review_or_refund(self) -> None:
        for c in self.state.tier_changes:
            up = RULES.tier_rank(c.to_tier) > RULES.tier_rank(c.from_tier)
            assert up if c.reason == "upgrade" else c.reason in ("review", "refund"), c


TestLoyalty = LoyaltyMachine.TestCase
TestLoyalty.settings = settings(
    max_examples=60, stateful_step_count=40, deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)  # fmt: skip
