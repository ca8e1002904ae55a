"""cardsvc: the central stored-value ledger service."""
