"""Why the agent gave no answer: every error code with its HTTP status."""

from __future__ import annotations

from enum import StrEnum

from reader_agent.contract.answers import Answer


class ErrorCode(StrEnum):
    """Why the agent answered no answer at all (a business refusal is an OperationResult)."""

    NO_CARD = "no_card"
    READER_BUSY = "reader_busy"
    CARD_ERROR = "card_error"
    READER_UNAVAILABLE = "reader_unavailable"
    UNKNOWN_CARD = "unknown_card"
    INVALID = "invalid"
    NOT_FOUND = "not_found"
    CARD_MEDIUM_BLOCKED = "card_medium_blocked"  # the old card is already reported or replaced
    CARD_MEDIUM_MISMATCH = "card_medium_mismatch"  # the new card already belongs to someone
    WRONG_PIN = "wrong_pin"  # an unknown staff id or a wrong PIN (not told apart)
    STAFF_LOCKED = "staff_locked"  # too many wrong PINs: wait
    LEDGER_UNAVAILABLE = "ledger_unavailable"  # this needs the ledger, which is not reachable
    CARD_KEY_MISSING = "card_key_missing"  # the keystore lacks a card key: `detail` names it


ERROR_STATUS: dict[ErrorCode, int] = {
    ErrorCode.NO_CARD: 408,  # no card was presented in time
    ErrorCode.READER_BUSY: 409,  # another request holds the reader
    ErrorCode.CARD_ERROR: 409,  # the card answered wrongly
    ErrorCode.READER_UNAVAILABLE: 503,  # pcscd down, no reader attached
    ErrorCode.UNKNOWN_CARD: 422,
    ErrorCode.INVALID: 422,  # a value the agent refuses (also FastAPI's own request check)
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.CARD_MEDIUM_BLOCKED: 409,
    ErrorCode.CARD_MEDIUM_MISMATCH: 409,
    ErrorCode.WRONG_PIN: 403,
    ErrorCode.STAFF_LOCKED: 429,
    ErrorCode.LEDGER_UNAVAILABLE: 503,
    ErrorCode.CARD_KEY_MISSING: 503,
}
# A request the agent's models refuse is answered by FastAPI itself: 422 with
# {"detail": [{"loc": [...], "msg": ..., "type": ...}, ...]}, not an ErrorAnswer.
REQUEST_REFUSED_STATUS = 422


class ErrorAnswer(Answer):
    error: ErrorCode
    detail: str = ""
