"""The bounds the wire protocol shares with the ledger core, for terminals to import from the
protocol rather than from the ledger's internals."""

from cardsvc.core.amounts import AMOUNT_MAX as AMOUNT_MAX
from cardsvc.core.amounts import BATCH_MAX as BATCH_MAX
