"""Loyalty data as the database keeps it: rule versions, members' lots and days, and the
loyalty part of a journal row, as compact JSON. Pure functions, both ways."""

from __future__ import annotations

import json
from typing import Any

from cardsvc.core import Earning, LoyaltyRules, Member, Multiplier, Tier, Transaction
from cardsvc.core.calendar import from_yyyymmdd, yyyymmdd
from cardsvc.core.loyalty_model import Reward

_SEP = (",", ":")


def _range(days: tuple[int, int] | None) -> list[int] | None:
    return None if days is None else [yyyymmdd(days[0]), yyyymmdd(days[1])]


def rules_to_json(rules: LoyaltyRules) -> str:
    """Dates as yyyymmdd (readable in the database); the version and program are columns."""
    data: dict[str, Any] = {
        "dong_per_point": rules.dong_per_point, "min_spend": rules.min_spend,
        "cap_per_receipt": rules.cap_per_receipt,
        "excluded_tenders": sorted(rules.excluded_tenders),
        "expiry_months": rules.expiry_months, "expiry_quarters": rules.expiry_quarters,
        "pending_days": rules.pending_days, "point_value": rules.point_value,
        "spend_min_points": rules.spend_min_points,
        "spend_max_share_bp": rules.spend_max_share_bp, "qualify_by": rules.qualify_by,
        "utc_offset_s": rules.utc_offset_s,
        "holidays": sorted(yyyymmdd(d) for d in rules.holidays),
        "tiers": [[t.name, t.threshold, t.multiplier_bp, t.birthday_bonus, list(t.vouchers)]
                  for t in rules.tiers],
        "multipliers": [
            {"name": m.name, "factor_bp": m.factor_bp, "tiers": sorted(m.tiers),
             "stores": sorted(m.stores), "weekdays": sorted(m.weekdays),
             "minutes": list(m.minutes) if m.minutes else None, "days": _range(m.days),
             "holidays": m.holidays}
            for m in rules.multipliers
        ],
        "refund_spent": rules.refund_spent,
        "rewards": [[r.id, r.name_vi, r.name_en, r.points, r.campaign, r.min_tier,
                     r.per_member, r.stock] for r in rules.rewards],
    }  # fmt: skip
    return json.dumps(data, separators=_SEP, ensure_ascii=False)


def _multiplier(d: dict[str, Any]) -> Multiplier:
    days = d.get("days")
    minutes = d.get("minutes")
    return Multiplier(
        d["name"], d["factor_bp"], frozenset(d["tiers"]), frozenset(d["stores"]),
        frozenset(d["weekdays"]), (minutes[0], minutes[1]) if minutes else None,
        (from_yyyymmdd(days[0]), from_yyyymmdd(days[1])) if days else None, d["holidays"],
    )  # fmt: skip


def rules_from_json(program: str, version: int, effective_from: int, text: str) -> LoyaltyRules:
    d: dict[str, Any] = json.loads(text)
    return LoyaltyRules(
        program, version, effective_from,
        dong_per_point=d["dong_per_point"], min_spend=d["min_spend"],
        cap_per_receipt=d["cap_per_receipt"],
        excluded_tenders=frozenset(d["excluded_tenders"]),
        multipliers=tuple(_multiplier(m) for m in d["multipliers"]),
        expiry_months=d["expiry_months"], expiry_quarters=d["expiry_quarters"],
        pending_days=d["pending_days"], point_value=d["point_value"],
        spend_min_points=d["spend_min_points"], spend_max_share_bp=d["spend_max_share_bp"],
        tiers=tuple(Tier(n, th, bp, bb, tuple(v)) for n, th, bp, bb, v in d["tiers"]),
        qualify_by=d["qualify_by"], utc_offset_s=d["utc_offset_s"],
        holidays=frozenset(from_yyyymmdd(h) for h in d["holidays"]),
        rewards=tuple(Reward(*r) for r in d.get("rewards", ())),  # versions before the catalog
        refund_spent=d.get("refund_spent", "debt"),  # ... and before the refund option
    )  # fmt: skip


def member_from_row(row: tuple[Any, ...]) -> Member:
    """(instrument_id, program_id, tier, floor_tier, tier_since, review_at, debt, lots, days,
    days_spend, days_points, next_expiry): the texts stay as they are until a rule needs them."""
    return Member(*row)


# --- the journal's loyalty column -----------------------------------------------------------
def journal_json(tx: Transaction, done: Earning | None) -> str | None:
    """What a loyalty transaction's journal row keeps beyond the common columns. A purchase
    that spent no points (most of them) is written by hand: json.dumps costs several times
    more, on every sale."""
    if (done is not None and not tx.excluded and tx.reason is None and not done.spent
            and not done.cash_deducted and not done.voucher):  # fmt: skip
        return _purchase_json(tx, done)
    data: dict[str, Any] = {}
    if tx.excluded:
        data["x"] = tx.excluded
    if tx.tenders:
        data["t"] = [list(t) for t in tx.tenders]
    if tx.reason is not None:
        data["r"] = tx.reason
    if done is not None:
        lot = list(done.lot) if done.lot else None
        data["o"] = [done.earned, lot, done.debt_paid, list(done.rules), done.spend, done.day,
                     [list(s) for s in done.spent], done.tier, done.version, done.clawed,
                     done.returned, done.debt_added]  # fmt: skip
        if done.voucher:
            data["v"] = done.voucher
        if done.cash_deducted:
            data["c"] = done.cash_deducted
    return json.dumps(data, separators=_SEP, ensure_ascii=False) if data else None


def inputs_from_json(text: str | None) -> dict[str, Any]:
    """The Transaction fields a journal row's loyalty column holds."""
    if text is None:
        return {}
    data = json.loads(text)
    out: dict[str, Any] = {}
    if "x" in data:
        out["excluded"] = data["x"]
    if "t" in data:
        out["tenders"] = tuple((k, v) for k, v in data["t"])
    if "r" in data:
        out["reason"] = data["r"]
    return out


def earning_from_json(text: str | None) -> Earning | None:
    if text is None:
        return None
    data = json.loads(text)
    o = data.get("o")
    if o is None:
        return None
    earned, lot, paid, rules, spend, day, spent, tier, version, clawed, returned, debt = o
    return Earning(earned, (lot[0], lot[1]) if lot else None, paid, tuple(rules), spend, day,
                   tuple((e, a, n) for e, a, n in spent), tier, version, clawed, returned,
                   debt, data.get("v", ""), data.get("c", 0))  # fmt: skip


_TEXTS: dict[object, str] = {}  # the JSON of rule-name lists and tier names seen (a few)
_TEXTS_MAX = 1024


def _json_once(value: tuple[str, ...] | str) -> str:
    """JSON of a rule-name list or a tier name: a program has a handful of each, so the
    purchase path looks them up instead of calling json.dumps twice per sale."""
    found = _TEXTS.get(value)
    if found is None:
        if len(_TEXTS) >= _TEXTS_MAX:
            _TEXTS.clear()
        data = list(value) if isinstance(value, tuple) else value
        found = _TEXTS[value] = json.dumps(data, ensure_ascii=False, separators=_SEP)
    return found


def _purchase_json(tx: Transaction, done: Earning) -> str:
    lot = f"[{done.lot[0]},{done.lot[1]}]" if done.lot else "null"
    names = _json_once(done.rules)
    tier = _json_once(done.tier)
    # The core applied it, so its tenders are known names (plain identifiers) and ints.
    tenders = ",".join(f'["{k}",{v}]' for k, v in tx.tenders)
    head = f'{{"t":[{tenders}],' if tx.tenders else "{"
    return (
        f'{head}"o":[{done.earned},{lot},{done.debt_paid},{names},{done.spend},{done.day},'
        f"[],{tier},{done.version},{done.clawed},{done.returned},{done.debt_added}]}}"
    )
