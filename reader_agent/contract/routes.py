"""Every path of the agent's local API: its method, request, answer and the errors it may give."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel

from reader_agent.contract.answers import (
    Answer,
    CardAnswer,
    CardPrograms,
    CardRecord,
    CodeQuote,
    CurrentShift,
    CustomerAnswer,
    Health,
    OperationResult,
    QueueStatus,
    Readers,
    Receipt,
    ReceiptList,
    ReplaceAnswer,
    Shift,
    ShiftReport,
    StaffList,
    SyncAnswer,
)
from reader_agent.contract.errors import ErrorCode
from reader_agent.contract.requests import (
    AdjustPointsRequest,
    CloseShiftRequest,
    CodeQuoteRequest,
    CodeRedeemRequest,
    CodeSellRequest,
    CustomerLookupRequest,
    CustomerSignUpRequest,
    IssueRequest,
    Op,
    PurchaseRequest,
    QrRequest,
    RedeemRequest,
    RefundRequest,
    ReplaceRequest,
    RewardRequest,
    ShiftRequest,
    TapRequest,
    TopUpRequest,
    VoidRequest,
)
from reader_agent.contract.venue import Admission, GateStatus, Look

AnswerT = TypeVar("AnswerT", bound=Answer)


@dataclass(frozen=True)
class Route(Generic[AnswerT]):
    """One endpoint: a caller gets `answer` back (its type follows the route: Route[Health])."""

    method: Literal["GET", "POST"]
    path: str
    answer: type[AnswerT]
    request: type[BaseModel] | None = None
    errors: tuple[ErrorCode, ...] = ()  # the ErrorAnswers it may give besides 422
    omits_unset: bool = False  # the answer leaves out optional fields it has no value for

    def url(self, **params: str) -> str:
        """The path with its parameters filled in (`/v1/results/{tx_id}`)."""
        return self.path.format(**params)


# A tap-driven operation may meet any reader or card problem.
_TAP_ERRORS = (ErrorCode.NO_CARD, ErrorCode.READER_BUSY, ErrorCode.CARD_ERROR,
               ErrorCode.READER_UNAVAILABLE, ErrorCode.UNKNOWN_CARD, ErrorCode.INVALID,
               ErrorCode.CARD_KEY_MISSING)  # fmt: skip

HEALTH = Route("GET", "/v1/health", Health)
READERS = Route("GET", "/v1/readers", Readers)
QUEUE = Route("GET", "/v1/queue", QueueStatus)
SYNC = Route("POST", "/v1/sync", SyncAnswer, omits_unset=True)
_PIN_ERRORS = (ErrorCode.INVALID, ErrorCode.WRONG_PIN, ErrorCode.STAFF_LOCKED)
OPEN_SHIFT = Route("POST", "/v1/shift", Shift, ShiftRequest, _PIN_ERRORS)
SHIFT = Route("GET", "/v1/shift", CurrentShift)
TAP = Route("POST", "/v1/tap", CardAnswer, TapRequest, _TAP_ERRORS)
ISSUE = Route("POST", "/v1/issue", OperationResult, IssueRequest, _TAP_ERRORS)
TOP_UP = Route("POST", "/v1/top-up", OperationResult, TopUpRequest, _TAP_ERRORS)
REDEEM = Route("POST", "/v1/redeem", OperationResult, RedeemRequest, _TAP_ERRORS)
REFUND = Route("POST", "/v1/refund", OperationResult, RefundRequest, _TAP_ERRORS)
RESULT = Route("GET", "/v1/results/{tx_id}", OperationResult, None, (ErrorCode.NOT_FOUND,))
CARD = Route("GET", "/v1/cards/{uid}", CardRecord, None,
             (ErrorCode.NOT_FOUND, ErrorCode.INVALID, ErrorCode.LEDGER_UNAVAILABLE))  # fmt: skip
REPLACE = Route("POST", "/v1/cards/replace", ReplaceAnswer, ReplaceRequest,
                (*_TAP_ERRORS, ErrorCode.NOT_FOUND, ErrorCode.CARD_MEDIUM_BLOCKED,
                 ErrorCode.CARD_MEDIUM_MISMATCH, ErrorCode.LEDGER_UNAVAILABLE))  # fmt: skip
PURCHASE = Route("POST", "/v1/purchase", OperationResult, PurchaseRequest, _TAP_ERRORS)
ADJUST_POINTS = Route("POST", "/v1/points/adjust", OperationResult, AdjustPointsRequest,
                      _TAP_ERRORS)  # fmt: skip
REWARD = Route("POST", "/v1/points/reward", OperationResult, RewardRequest, _TAP_ERRORS)
# The counter's: programs, codes, receipts, staff and shift reports.
_LEDGER = (ErrorCode.LEDGER_UNAVAILABLE,)
PROGRAMS = Route("GET", "/v1/programs", CardPrograms, None, _LEDGER)
QUOTE_CODE = Route("POST", "/v1/codes/quote", CodeQuote, CodeQuoteRequest, _LEDGER)
REDEEM_CODE = Route("POST", "/v1/codes/redeem", OperationResult, CodeRedeemRequest, _LEDGER)
SELL_CODE = Route("POST", "/v1/codes/sell", OperationResult, CodeSellRequest, _LEDGER)
VOID = Route("POST", "/v1/void", OperationResult, VoidRequest, _LEDGER)
RECEIPTS = Route("GET", "/v1/receipts", ReceiptList)  # ?number=&instrument=&since=&until=
RECEIPT = Route("GET", "/v1/receipts/{tx_id}", Receipt, None, (ErrorCode.NOT_FOUND,))
STAFF = Route("GET", "/v1/staff", StaffList)
SHIFT_REPORT = Route("GET", "/v1/shift/report", ShiftReport)
CLOSE_SHIFT = Route(
    "POST", "/v1/shift/close", ShiftReport, CloseShiftRequest, (*_PIN_ERRORS, ErrorCode.NOT_FOUND)
)

# Gates and kiosks. GATE takes `?since=<epoch>`: the counters count from then.
ADMIT = Route("POST", "/v1/admit", Admission, QrRequest)
ADMIT_TAP = Route("POST", "/v1/admit/tap", Admission, TapRequest, _TAP_ERRORS)
GATE = Route("GET", "/v1/gate", GateStatus)
LOOK = Route("POST", "/v1/look", Look, QrRequest)
LOOK_TAP = Route("POST", "/v1/look/tap", Look, TapRequest, _TAP_ERRORS)

# Customers at the counter: online only (the ledger keeps the records); 503 ledger_unavailable
# when it cannot be reached.
_LEDGER_ONLY = (ErrorCode.LEDGER_UNAVAILABLE,)
CUSTOMER_LOOKUP = Route("POST", "/v1/customers/lookup", CustomerAnswer, CustomerLookupRequest,
                        _LEDGER_ONLY)  # fmt: skip
CUSTOMER_SIGN_UP = Route("POST", "/v1/customers", CustomerAnswer, CustomerSignUpRequest,
                         _LEDGER_ONLY)  # fmt: skip

ROUTES: tuple[Route[Any], ...] = (HEALTH, READERS, QUEUE, SYNC, OPEN_SHIFT, SHIFT, TAP, ISSUE,
                             TOP_UP, REDEEM, REFUND, RESULT, ADMIT, ADMIT_TAP, GATE, LOOK,
                             LOOK_TAP, PROGRAMS, QUOTE_CODE, REDEEM_CODE, SELL_CODE, VOID,
                             RECEIPTS, RECEIPT, STAFF, SHIFT_REPORT, CLOSE_SHIFT, PURCHASE,
                             ADJUST_POINTS, REWARD, CARD, REPLACE, CUSTOMER_LOOKUP,
                             CUSTOMER_SIGN_UP)  # fmt: skip
OPERATIONS: dict[Op, Route[OperationResult]] = {"issue": ISSUE, "top_up": TOP_UP, "redeem": REDEEM,
                               "refund": REFUND}  # fmt: skip
