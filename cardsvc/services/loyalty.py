"""Loyalty for the rest of the service: set up a program's rules, award bonus points, read a
member's tier and points, run the daily expiry and tier review.

The interface other modules call (customers: referral rewards, birthday bonuses, feedback):
- `award_points(committer, instrument_id, points, reason, key)` -> ResultMsg: bonus points into
  a new lot, exactly once per `key` (a second call with the same key answers `exists`).
- `member_tier(uow, instrument_id, now)` -> TierView: the tier, its benefits (earning
  multiplier, birthday bonus, tier-only vouchers) and what is missing for the next one.
- `member_view(uow, instrument_id, now)` -> MemberView: the tier view plus points spendable,
  pending, expiring soon, owed, and the tier history.
A member is named by its instrument id (the member card's account).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from cardsvc.core import LoyaltyRules, Member, Tier
from cardsvc.core import lots as lot_rules
from cardsvc.core import tiers as tier_rules
from cardsvc.core.calendar import local_day, yyyymmdd
from cardsvc.core.loyalty_ops import rules_at
from cardsvc.protocol.messages import ResultMsg
from cardsvc.protocol.wire import result_msg
from cardsvc.services.committer import GroupCommitter
from cardsvc.services.errors import Conflict, Invalid, NotFound
from cardsvc.services.ingest import Actor, Submission
from cardsvc.services.instructions import ServiceInstruction
from cardsvc.services.loyalty_rules import RulesIn, compile_rules
from cardsvc.storage.loyalty import TierHistoryRow
from cardsvc.storage.unit_of_work import Database, UnitOfWork

HQ = "hq"  # the store recorded for what people and runs do without one
EXPIRING_SOON_S = 30 * 86_400
KEY_MAX = 56  # an award key becomes the transaction id "award:<key>" (64 at most)
RUN_MAX = 1_000_000  # members one run visits at most (bounded loop)
SUBMIT_CHUNK = 1_000
HISTORY_SHOWN = 20


# --- rules --------------------------------------------------------------------------------------
def define_rules(
    uow: UnitOfWork, program_id: str, rules: RulesIn, now: int, by_user: str | None = None
) -> LoyaltyRules:
    """Add a version of a member program's rules, in force from `rules.effective_from`.
    Versions are never changed and never start in the past (sales already judged stay so)."""
    found = uow.programs.terms(program_id)
    if found is None:
        raise NotFound(f"no program {program_id}")
    if found[0].kind != "member":
        raise Invalid(f"program {program_id} is not a member (points) program")
    if rules.effective_from < now:
        raise Invalid("a rules version takes effect now or later, never in the past")
    if uow.loyalty.version_exists(program_id, rules.effective_from):
        raise Conflict(f"program {program_id} has a version from {rules.effective_from}")
    for reward in rules.rewards:
        campaign = uow.campaigns.get(reward.campaign)
        if campaign is None or campaign.kind != "voucher":
            raise Invalid(f"reward {reward.id}: {reward.campaign} is no voucher campaign")
    version = uow.loyalty.add_version(compile_rules(program_id, 0, rules), now, by_user)
    return compile_rules(program_id, version, rules)


def rule_versions(uow: UnitOfWork, program_id: str) -> tuple[LoyaltyRules, ...]:
    return uow.loyalty.versions(program_id)


# --- bonus points and adjustments ------------------------------------------------------------
def _key(key: str) -> str:
    if not 0 < len(key) <= KEY_MAX or not all(c.isalnum() or c in "_.:-" for c in key):
        raise Invalid(f"an idempotency key is 1-{KEY_MAX} letters, digits or _.:-")
    return key


def adjustment(op: str, instrument_id: str, points: int, reason: str, key: str
               ) -> ServiceInstruction:  # fmt: skip
    """An award (points up, a new lot) or a deduct (down), named by its idempotency key."""
    if op not in ("award", "deduct"):
        raise Invalid("an adjustment is an award or a deduct")
    if not 0 < points <= 10**9:
        raise Invalid("points must be a positive whole number")
    return ServiceInstruction(id=f"{op}:{_key(key)}", op=op, instrument=instrument_id,
                              amount=points, reason=_key(reason))  # fmt: skip


def award_points(
    committer: GroupCommitter, instrument_id: str, points: int, reason: str, key: str, *,
    by_user: str | None = None, store: str = HQ, timeout_s: float = 30.0,
) -> ResultMsg:  # fmt: skip
    """Bonus points for a member, exactly once per `key` (waits for the commit)."""
    msg = adjustment("award", instrument_id, points, reason, key)
    sub = Submission(Actor("loyalty", store, by_user), [msg])
    return result_msg(committer.submit(sub).result(timeout=timeout_s).results[0])


async def submit_adjustment(
    committer: GroupCommitter, msg: ServiceInstruction, actor: Actor
) -> ResultMsg:
    outcome = await asyncio.wrap_future(committer.submit(Submission(actor, [msg])))
    return result_msg(outcome.results[0])


# --- what a member sees ----------------------------------------------------------------------
@dataclass(frozen=True)
class TierView:
    instrument: str
    program: str
    tier: str
    since: int | None
    review_at: int | None
    benefits: Tier
    qualify_by: str  # spend (đồng) or points
    qualifying: int  # over the rolling 12 months
    next_tier: str | None
    missing: int  # spend or points the member still needs for the next tier (0: at the top)


@dataclass(frozen=True)
class MemberView:
    tier: TierView
    balance: int
    available: int
    pending: int
    expiring_soon: int
    expiring_before: int
    debt: int
    point_value: int
    history: list[TierHistoryRow] = field(default_factory=list)


def _member_and_rules(
    uow: UnitOfWork, instrument_id: str, now: int
) -> tuple[dict[str, object], Member | None, LoyaltyRules]:
    view = uow.reports.instrument(instrument_id)
    if view is None:
        raise NotFound(f"no instrument {instrument_id}")
    if view["kind"] != "member":
        raise Invalid(f"{instrument_id} is not a member card")
    program = str(view["program"])
    rules = rules_at(uow.loyalty.versions(program), now)
    if rules is None:
        raise NotFound(f"program {program} has no loyalty rules in force")
    return view, uow.loyalty.member(instrument_id), rules


def _tier_view(instrument_id: str, member: Member | None, rules: LoyaltyRules, now: int
               ) -> TierView:  # fmt: skip
    lowest = rules.tiers[0]
    name = member.tier if member is not None else lowest.name
    held = rules.tier(name) or lowest
    value = tier_rules.qualifying(member, rules, now) if member is not None else 0
    rank = rules.tier_rank(name)
    nxt = rules.tiers[rank + 1] if 0 <= rank < len(rules.tiers) - 1 else None
    return TierView(
        instrument_id, rules.program, name, member.tier_since if member else None,
        member.review_at if member else None, held, rules.qualify_by, value,
        nxt.name if nxt else None, max(nxt.threshold - value, 0) if nxt else 0,
    )  # fmt: skip


def member_tier(uow: UnitOfWork, instrument_id: str, now: int) -> TierView:
    """The member's tier, its benefits and what is missing for the next one."""
    _, member, rules = _member_and_rules(uow, instrument_id, now)
    return _tier_view(instrument_id, member, rules, now)


def member_view(uow: UnitOfWork, instrument_id: str, now: int) -> MemberView:
    view, member, rules = _member_and_rules(uow, instrument_id, now)
    balance = int(view["balance"])  # type: ignore[call-overload]
    tier = _tier_view(instrument_id, member, rules, now)
    until = now + EXPIRING_SOON_S
    if member is None:  # a card with points from before the rules: spendable at once
        return MemberView(tier, balance, balance, 0, 0, until, 0, rules.point_value)
    history = uow.loyalty.tier_history(instrument_id, HISTORY_SHOWN)
    return MemberView(
        tier, balance, lot_rules.spendable(member, now), lot_rules.pending(member, now),
        lot_rules.expiring(member, now, until), until, member.debt, rules.point_value, history,
    )  # fmt: skip


def loyalty_of(uow: UnitOfWork, view: dict[str, object], now: int) -> MemberView | None:
    """A looked-up instrument's loyalty view: None unless a member card with rules in force."""
    if view.get("kind") != "member":
        return None
    if rules_at(uow.loyalty.versions(str(view["program"])), now) is None:
        return None
    return member_view(uow, str(view["id"]), now)


# --- the daily runs ------------------------------------------------------------------------------
@dataclass(frozen=True)
class RunReport:
    kind: str
    day: int  # yyyymmdd, local
    members: int = 0  # visited
    done: int = 0  # applied now
    before: int = 0  # already done by an earlier run the same day (exists)
    other: dict[str, int] = field(default_factory=dict)


_RUN_OPS = {"expiry": ("expire_points", "xp"), "review": ("tier_review", "rv")}


def run_daily(db: Database, committer: GroupCommitter, kind: str, now: int,
              offset_s: int = 7 * 3600) -> RunReport:  # fmt: skip
    """The expiry or tier-review run for every member due at `now`. Each member's transaction
    id names the local day, so a second run the same day changes nothing (exactly once)."""
    op, prefix = _RUN_OPS[kind]
    day = yyyymmdd(local_day(now, offset_s))
    counts: dict[str, int] = {}
    visited, after = 0, ""
    while visited < RUN_MAX:
        with db.read() as uow:
            if kind == "expiry":
                due = uow.loyalty.due_expiry(now, after, SUBMIT_CHUNK)
            else:
                due = uow.loyalty.due_review(now, after, SUBMIT_CHUNK)
        if not due:
            break
        msgs = [ServiceInstruction(id=f"{prefix}:{day}:{i}", op=op, instrument=i) for i in due]
        outcome = committer.submit(Submission(Actor("loyalty", HQ, f"{kind}-run"), msgs))
        for r in outcome.result(timeout=120).results:
            counts[r.code] = counts.get(r.code, 0) + 1
        visited += len(due)
        after = due[-1]
    done, before = counts.pop("ok", 0), counts.pop("exists", 0)
    return RunReport(kind, day, visited, done, before, counts)


# --- points as a liability (finance) ---------------------------------------------------------
@dataclass(frozen=True)
class PointsLiability:
    program: str
    point_value: int  # đồng per point, the spending rate in force
    outstanding: int  # points held by members
    value: int  # outstanding x point_value, đồng
    issued: int  # points earned and awarded, less what was clawed back (net, to date)
    broken: int  # points expired to breakage (to date)
    expected_breakage: int  # of the outstanding points, by the program's breakage rate so far
    expiring: dict[int, int]  # days ahead -> points whose lots expire within them
    debt: int  # points owed by members after refunds
    by_store: list[tuple[str | None, int, int]]  # issuing store, member cards, points


EXPIRING_HORIZONS = (30, 90, 365)


def _expiring(uow: UnitOfWork, program: str, now: int) -> dict[int, int]:
    """Points in lots expiring within each horizon (members visited in bounded pages)."""
    found = dict.fromkeys(EXPIRING_HORIZONS, 0)
    last = now + max(EXPIRING_HORIZONS) * 86_400
    after, visited = "", 0
    while visited < RUN_MAX:
        page = uow.loyalty.members_expiring(program, last, after)
        if not page:
            break
        for member in page:
            for days in EXPIRING_HORIZONS:
                found[days] += lot_rules.expiring(member, now, now + days * 86_400)
        visited += len(page)
        after = page[-1].instrument
    return found


def points_liability(uow: UnitOfWork, now: int) -> list[PointsLiability]:
    """Per loyalty program: outstanding points and their value at the spending rate, expected
    breakage (the breakage rate so far: broken / (broken + spent)), what expires soon."""
    out = []
    for program in sorted(uow.loyalty.all_programs()):
        rules = rules_at(uow.loyalty.versions(program), now)
        if rules is None:
            continue
        by_store = uow.loyalty.outstanding_by_store(program)
        outstanding = sum(points for _, _, points in by_store)
        issued = -uow.loyalty.account_total(f"promo:{program}", "PTS")
        broken = uow.loyalty.account_total(f"breakage:{program}", "PTS")
        spent = max(issued - outstanding - broken, 0)
        expected = outstanding * broken // (broken + spent) if broken + spent else 0
        out.append(PointsLiability(
            program, rules.point_value, outstanding, outstanding * rules.point_value, issued,
            broken, expected, _expiring(uow, program, now), uow.loyalty.total_debt(program),
            by_store,
        ))  # fmt: skip
    return out
