"""Points lots: where an earning goes, what may be spent, soonest-expiring first.

A lot is (expires_at, available_at) -> points remaining; empty lots are dropped. A lot is
spendable at `at` when available_at <= at < expires_at; a lot past its expiry waits for the
expiry run, which moves it to breakage.
"""

from __future__ import annotations

from cardsvc.core.calendar import add_months, day_start, local_day, quarter_end_after
from cardsvc.core.loyalty_model import LotKey, LoyaltyRules, Member

_LOT_KEYS: dict[tuple[int, int, int, int, int], LotKey] = {}
_LOT_KEYS_MAX = 4096  # a few days of every program's rules: cleared when full


def lot_for(rules: LoyaltyRules, at: int, pending: bool = True) -> LotKey:
    """The lot an earning at `at` goes to: it expires at local midnight after its validity and
    becomes spendable at local midnight after the pending days (lots of one day merge)."""
    off = rules.utc_offset_s
    day = local_day(at, off)
    days = rules.pending_days if pending else 0
    memo = (day, off, rules.expiry_months, rules.expiry_quarters, days)
    found = _LOT_KEYS.get(memo)
    if found is None:
        if len(_LOT_KEYS) >= _LOT_KEYS_MAX:
            _LOT_KEYS.clear()
        found = _LOT_KEYS[memo] = _lot_key(rules, day, days)
    return found


def _lot_key(rules: LoyaltyRules, day: int, days: int) -> LotKey:
    off = rules.utc_offset_s
    if rules.expiry_quarters > 0:
        expires_day = quarter_end_after(day, rules.expiry_quarters)
    else:
        expires_day = add_months(day, rules.expiry_months) + 1
    # Pending: spendable from local midnight `days` days after the earning day. Otherwise at
    # once: available_at 0, so every such lot of one day shares one key.
    available = day_start(day + days, off) if days > 0 else 0
    return day_start(expires_day, off), available


def add(member: Member, key: LotKey, points: int) -> None:
    member.add_lot(key, points)


def take(member: Member, key: LotKey, points: int) -> int:
    """Take up to `points` from one lot; how many it had."""
    have = member.lots.get(key, 0)
    took = min(have, points)
    if took:
        if took == have:
            del member.lots[key]
        else:
            member.lots[key] = have - took
    return took


def spendable_lots(member: Member, at: int) -> list[LotKey]:
    """Lots that may be spent at `at`, soonest-expiring first (then the oldest available)."""
    return sorted(k for k in member.lots if k[1] <= at < k[0])


def spendable(member: Member, at: int) -> int:
    return sum(n for (e, a), n in member.lots.items() if a <= at < e)


def pending(member: Member, at: int) -> int:
    return sum(n for (e, a), n in member.lots.items() if at < a and at < e)


def expiring(member: Member, at: int, until: int) -> int:
    """Spendable or pending points whose lots expire before `until`."""
    return sum(v for k, v in member.lots.items() if at < k[0] <= until)


def expired(member: Member, at: int) -> int:
    return sum(v for k, v in member.lots.items() if k[0] <= at)


def spend(member: Member, at: int, points: int) -> tuple[tuple[int, int, int], ...]:
    """Take `points` soonest-expiring first (the caller checked there are enough)."""
    taken = []
    left = points
    for key in spendable_lots(member, at):
        if left == 0:
            break
        n = take(member, key, left)
        taken.append((key[0], key[1], n))
        left -= n
    assert left == 0, "spend only what is spendable"
    return tuple(taken)


def take_any(member: Member, at: int, points: int) -> int:
    """Adjustments down: unexpired lots soonest-expiring first, pending ones too."""
    left = points
    for key in sorted(k for k in member.lots if at < k[0]):
        if left == 0:
            break
        left -= take(member, key, left)
    return points - left


def drop_expired(member: Member, at: int) -> int:
    gone = 0
    for key in [k for k in member.lots if k[0] <= at]:
        gone += member.lots.pop(key)
    return gone


def allocate(spent: tuple[tuple[int, int, int], ...], cumulative: int) -> list[int]:
    """How many of each spent lot's points `cumulative` returned points cover, filling the
    latest-expiring first (the reverse of spending). Deltas between two cumulative figures are
    exact, so partial refunds add up to the whole."""
    out = [0] * len(spent)
    left = cumulative
    for i in range(len(spent) - 1, -1, -1):
        n = min(spent[i][2], left)
        out[i] = n
        left -= n
    return out
