"""The pure ledger state machine: no I/O, no clock, no randomness, no framework imports.

`apply(state, batch, now) -> BatchOutcome(results, postings)` is the whole interface; see
ledger.py. Everything a newcomer needs: model.py (the data), codes.py (the outcomes), ops.py and
reversal.py (the rules), accounts.py (double-entry accounts), amounts.py (units and bounds).
"""

from cardsvc.core.amounts import AMOUNT_MAX, BALANCE_MAX, BATCH_MAX, Unit
from cardsvc.core.codes import ResultCode
from cardsvc.core.ledger import BatchOutcome, apply
from cardsvc.core.loyalty_model import (
    Earning,
    LoyaltyRules,
    Member,
    Multiplier,
    Tier,
    TierChange,
)
from cardsvc.core.model import (
    Funding,
    Hold,
    Instrument,
    InstrumentKind,
    InstrumentSpec,
    Op,
    Posting,
    Result,
    Status,
    Transaction,
    TxRecord,
)
from cardsvc.core.state import LedgerState, Policy

__all__ = [
    "AMOUNT_MAX",
    "BALANCE_MAX",
    "BATCH_MAX",
    "BatchOutcome",
    "Earning",
    "Funding",
    "Hold",
    "Instrument",
    "InstrumentKind",
    "InstrumentSpec",
    "LedgerState",
    "LoyaltyRules",
    "Member",
    "Multiplier",
    "Op",
    "Policy",
    "Posting",
    "Result",
    "ResultCode",
    "Status",
    "Tier",
    "TierChange",
    "Transaction",
    "TxRecord",
    "Unit",
    "apply",
]
