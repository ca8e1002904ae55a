"""What the agent answers gates and kiosks: entry decisions (admissions) with every refusal
reason, the gate's counters, and what a kiosk shows about a QR code or a card."""

from __future__ import annotations

from typing import Any, Literal

from reader_agent.contract.answers import Answer

AdmissionCode = str  # ok, or why not: see ADMISSION_REFUSALS
ADMISSION_REFUSALS = (
    # the QR payload itself (cardsvc.protocol.qr.QrReason)
    "malformed", "unsupported_version", "unknown_key", "wrong_purpose", "key_revoked",
    "key_not_valid", "bad_signature", "issued_in_future", "not_yet_valid", "expired", "revoked",
    # the gate's own checks
    "no_keyset", "wrong_kind", "wrong_gate", "already_redeemed", "passback", "queue_full",
    "card_needs_ledger", "ledger_no_answer",
    # the ledger's (passed through)
    "not_found", "instrument_blocked",
)  # fmt: skip


class Admission(Answer):
    """An entry decision at a gate (or a kiosk's self check-in)."""

    ok: bool
    code: AdmissionCode
    mode: Literal["online", "offline", "local"]  # offline: decided here, queued for the ledger
    source: Literal["qr", "card"]
    at: int
    instrument: str | None = None
    program: str | None = None
    entries_left: int | None = None  # None: unlimited or unknown
    tx_id: str | None = None
    detail: str = ""


class GateStatus(Answer):
    """A gate's counters and what its offline decisions rest on."""

    terminal: str = ""
    since: int = 0
    admitted: int = 0
    refused: int = 0
    queued: int = 0  # entries waiting for the ledger (the whole outbox)
    ledger_reachable: bool = False
    keyset_at: int | None = None  # when the key set and revocation list were last fetched
    keyset_signed_by: str | None = None
    revoked: int = 0
    trusted_signers: int = 0


class QrClaimsView(Answer):
    """What a QR payload says about its instrument, as its issuer signed it."""

    kind: Literal["gift", "voucher", "eticket"]
    instrument: str
    program: str
    issued_at: int
    valid_from: int | None = None
    valid_until: int | None = None
    value: int = 0
    discount_bp: int = 0
    discount_cap: int = 0
    min_spend: int = 0
    entries: int | None = None
    passback_s: int = 0


class Look(Answer):
    """A customer's QR or card, for a kiosk: what it is, what the ledger says, what it can do."""

    source: Literal["qr", "card"]
    code: str  # ok, or why the QR is refused (a QrReason, no_keyset)
    instrument: str | None = None
    claims: QrClaimsView | None = None
    card_kind: Literal["purse", "blank", "online"] | None = None
    card_value: int | None = None
    # The ledger's summary {instrument, terms, history} as it sent it, its refusal
    # {"error", "detail"}, or None when the ledger was not reached.
    ledger: dict[str, Any] | None = None
    checkin: bool = False  # an e-ticket whose event lists this terminal: self check-in here
