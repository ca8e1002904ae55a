"""What the kiosk shows a customer about a QR code or a card, built from the agent's answer
(reader_agent.contract.Look): what it is, its balance or uses, validity, conditions in words,
recent history, and whether self check-in is offered. Pure: no I/O, the language passed in."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cardsvc.core.ops import voucher_discount
from cardsvc.protocol.qr import QrClaims
from reader_agent import contract as c
from terminals.unattended.text import dong, points, reason, t, when

__all__ = ["Shown", "shown", "voucher_amount"]


def voucher_amount(claims: QrClaims, purchase_amount: int) -> int:
    """What a voucher takes off a purchase: a discount voucher by the ledger's own rule; a fixed
    voucher its value, at most the purchase (the ledger forfeits what is left)."""
    if claims.discount_bp:
        return voucher_discount(purchase_amount, claims.discount_bp, claims.discount_cap)
    return min(claims.value, purchase_amount)


@dataclass
class Shown:
    """One screen of the kiosk's answer."""

    ok: bool
    title: str = ""
    headline: str = ""  # the balance, the uses left, or why the code cannot be used
    facts: list[tuple[str, str]] = field(default_factory=list)
    conditions: list[str] = field(default_factory=list)
    history: list[tuple[str, str, str]] = field(default_factory=list)
    note: str = ""
    checkin: bool = False


def _money(lang: str, unit: str, amount: int) -> str:
    return points(lang, amount) if unit == "PTS" else dong(amount)


def _unbroken(amount: int) -> str:
    """An amount inside a sentence: a no-break space, so '₫' never wraps to a line alone."""
    return dong(amount).replace(" ", "\u00a0")


def _conditions(lang: str, terms: dict[str, Any], claims: c.QrClaimsView | None) -> list[str]:
    """The terms in words: the ledger's when it answered, else what the code itself says."""
    src = dict(terms) if terms else {}
    if claims is not None and not terms:
        src = {"discount_bp": claims.discount_bp, "discount_cap": claims.discount_cap,
               "min_spend": claims.min_spend, "uses": claims.entries,
               "passback_s": claims.passback_s, "kind": claims.kind}  # fmt: skip
    out = []
    if src.get("discount_bp"):
        out.append(t(lang, "cond_discount", pct=f"{src['discount_bp'] / 100:g}"))
    if src.get("discount_cap"):
        out.append(t(lang, "cond_cap", amount=_unbroken(int(src["discount_cap"]))))
    if src.get("min_spend"):
        out.append(t(lang, "cond_min_spend", amount=_unbroken(int(src["min_spend"]))))
    if src.get("uses") is not None and src.get("kind") in ("eticket", "voucher"):
        key = "cond_entries" if src.get("kind") == "eticket" else "cond_uses"
        out.append(t(lang, key, n=src["uses"]))
    if src.get("passback_s"):
        out.append(t(lang, "cond_passback", min=max(1, int(src["passback_s"]) // 60)))
    if src.get("accepted_stores"):
        out.append(t(lang, "cond_stores", stores=", ".join(src["accepted_stores"])))
    if src.get("accepted_terminals"):
        out.append(t(lang, "cond_gates", gates=", ".join(src["accepted_terminals"])))
    if src.get("reloadable"):
        out.append(t(lang, "cond_reloadable"))
    return out or [t(lang, "cond_none")]


def _history(lang: str, kind: str, unit: str, rows: list[dict[str, Any]],
             offset_h: int) -> list[tuple[str, str, str]]:  # fmt: skip
    out = []
    for row in rows:
        op = str(row.get("op", ""))
        if op == "redeem" and kind == "eticket":
            op = "entry"
        name = t(lang, f"op_{op}") if op in _OPS else t(lang, "op_other")
        amount = int(row.get("amount") or 0)
        out.append(
            (
                when(int(row.get("at") or 0), offset_h),
                name,
                _money(lang, unit, amount) if amount else "",
            )
        )
    return out


_OPS = {"issue", "top_up", "redeem", "entry", "refund", "void", "transfer", "expire", "block",
        "unblock"}  # fmt: skip


def shown(lang: str, look: c.Look, offset_h: int) -> Shown:
    """The screen for an agent's answer about a customer's QR code or card."""
    if look.code != "ok":
        return Shown(False, t(lang, "look_refused"), reason(lang, look.code))
    if look.card_kind == "blank":
        return Shown(False, t(lang, "blank_card"), t(lang, "blank_card"))
    ledger = look.ledger or {}
    view = ledger.get("instrument") if isinstance(ledger.get("instrument"), dict) else None
    if view is None:
        return _offline(lang, look, ledger, offset_h)
    kind, unit = str(view.get("kind", "")), str(view.get("unit", "VND"))
    s = Shown(True, t(lang, f"kind_{kind}") if kind else "", checkin=look.checkin)
    if kind == "eticket" or (kind == "voucher" and view.get("balance", 0) == 0):
        left = view.get("uses_left")
        s.headline = t(lang, "uses_left", n=left) if left is not None else ""
    else:
        s.headline = _money(lang, unit, int(view.get("balance", 0)))
    status = str(view.get("status", "active"))
    s.facts.append((t(lang, "status"), t(lang, f"status_{status}")))
    _validity(lang, s, view.get("valid_from"), view.get("valid_until"), offset_h)
    if look.card_value is not None:
        s.facts.append((t(lang, "on_card"), dong(look.card_value)))
    s.conditions = _conditions(lang, ledger.get("terms") or {}, look.claims)
    s.history = _history(lang, kind, unit, list(ledger.get("history") or []), offset_h)
    return s


def _validity(lang: str, s: Shown, start: Any, end: Any, offset_h: int) -> None:
    if start is not None:
        s.facts.append((t(lang, "valid_from"), when(int(start), offset_h)))
    s.facts.append(
        (
            t(lang, "valid_until"),
            when(int(end), offset_h) if end is not None else t(lang, "no_expiry"),
        )
    )


def _offline(lang: str, look: c.Look, ledger: dict[str, Any], offset_h: int) -> Shown:
    """The ledger did not answer (or does not know the code): what the code or card holds."""
    if ledger.get("error") == "not_found":
        return Shown(False, t(lang, "look_refused"), t(lang, "not_activated"))
    claims = look.claims
    s = Shown(True, note=t(lang, "ledger_unreached"), checkin=look.checkin)
    if claims is not None:
        s.title = t(lang, f"kind_{claims.kind}")
        if claims.kind == "eticket" and claims.entries is not None:
            s.headline = t(lang, "uses_left", n=claims.entries)
        elif claims.value:
            s.headline = t(lang, "cond_value", amount=dong(claims.value))
        _validity(lang, s, claims.valid_from, claims.valid_until, offset_h)
        s.conditions = _conditions(lang, {}, claims)
    elif look.card_value is not None:
        s.title, s.headline = t(lang, "kind_prepaid"), dong(look.card_value)
        s.facts.append((t(lang, "on_card"), dong(look.card_value)))
    return s
