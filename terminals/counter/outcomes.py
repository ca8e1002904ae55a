"""What staff read after an operation: the agent's answer (or the error that stopped it) in
their language, with the figures that matter, and whether retrying the same sale makes sense.

The agent's codes are its contract: its own (card_removed, offline limits ...), the ledger's
(insufficient_funds, instrument_blocked ...) passed through, and its HTTP errors (no_card ...).
Each has a message in text's catalogue; an unknown code is still shown, as a refusal naming it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from urllib.parse import urlencode

from reader_agent.contract import OperationResult
from terminals.counter.agent_client import AgentError
from terminals.counter.text import dong, grouped, has, quantity, t


class Tone(StrEnum):
    OK = "ok"  # done, nothing more to do
    WARN = "warn"  # done offline / queued, or needs another look
    ERROR = "error"  # not done


# Worth trying again under the same sale id: the agent settles what really happened first.
RETRYABLE = frozenset({
    "no_card", "reader_busy", "reader_unavailable", "agent_unreachable", "agent_timeout",
    "agent_error", "card_removed", "card_error", "cancelled", "pending", "ledger_unavailable",
    "queue_full", "hotlist_stale", "offline_tx_limit", "offline_card_limit",
    "offline_terminal_limit", "offline_shift_limit", "offline_not_allowed", "card_key_missing",
})  # fmt: skip
_OK_BY_MODE = {"online": "ok_online", "offline": "ok_offline", "queued": "ok_queued"}


@dataclass
class Outcome:
    tone: Tone
    message: str
    notes: list[str] = field(default_factory=list)
    rows: list[tuple[str, str]] = field(default_factory=list)
    code: str = ""
    tx_id: str | None = None
    detail: str = ""
    retry: bool = False  # offer "retry, same sale"
    refund_href: str = ""  # a successful sale: offer "refund this sale"
    receipt_href: str = ""  # every operation that made a transaction: its receipt
    checkable: bool = False  # queued without an answer yet: offer "check the result"


def message_key(code: str, mode: str) -> str:
    if code == "ok":
        return _OK_BY_MODE.get(mode, "ok_online")
    return code if has(code) else ""


def describe(lang: str, code: str, mode: str = "local") -> str:
    key = message_key(code, mode)
    return t(lang, key) if key else t(lang, "r_refused", code=code)


def _tone(answer: OperationResult) -> Tone:
    if answer.ok:
        return Tone.OK if answer.mode in ("online", "local") else Tone.WARN
    return Tone.WARN if answer.code == "pending" else Tone.ERROR


def from_answer(lang: str, answer: OperationResult, *, repeated: bool = False) -> Outcome:
    outcome = Outcome(
        _tone(answer), describe(lang, answer.code, answer.mode), code=answer.code,
        tx_id=answer.tx_id, detail=answer.detail, retry=answer.code in RETRYABLE,
        checkable=answer.code == "pending" and answer.tx_id is not None,
    )  # fmt: skip
    if answer.ok and answer.op == "redeem" and answer.tx_id:
        query = {"ref": answer.tx_id, "amount": grouped(answer.amount)}
        outcome.refund_href = "/refund?" + urlencode(query)
    if answer.tx_id and answer.code not in ("cancelled", "card_removed"):
        outcome.receipt_href = f"/receipts/{answer.tx_id}"
    if repeated:
        outcome.notes.append(t(lang, "r_repeated"))
    if answer.compensated:
        outcome.notes.append(t(lang, "r_compensated"))
    points = answer.unit == "PTS"
    if answer.amount:
        label = "r_points" if points else "r_amount"
        outcome.rows.append((t(lang, label), quantity(lang, answer.amount, answer.unit)))
    if answer.card_value is not None:
        outcome.rows.append((t(lang, "r_card_value"), quantity(lang, answer.card_value, "VND")))
    if answer.ledger_balance is not None:
        label = "r_points_balance" if points else "r_ledger_balance"
        outcome.rows.append((t(lang, label), quantity(lang, answer.ledger_balance, answer.unit)))
    kept = int((answer.loyalty or {}).get("cash_deducted") or 0)
    if kept:  # a member's refund under deduct_cash: less cash goes back
        outcome.rows.append((t(lang, "r_points_cash_kept"), dong(kept)))
    if answer.tx_id:
        outcome.rows.append((t(lang, "r_tx_id"), answer.tx_id))
    return outcome


def from_error(lang: str, error: AgentError) -> Outcome:
    key = error.code if has(error.code) else "agent_error"
    detail = error.detail if key == error.code else f"{error.code}: {error.detail}"
    # a message may name what the agent named (the missing card key)
    message = t(lang, key, detail=error.detail[:80]) if key == "card_key_missing" else t(lang, key)
    return Outcome(Tone.ERROR, message, code=error.code, detail=detail,
                   retry=error.code in RETRYABLE or key == "agent_error")  # fmt: skip
