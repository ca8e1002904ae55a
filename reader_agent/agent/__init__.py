"""The reader agent: enrollment, signing, the durable outbox and its exactly-once sync, offline
risk limits, tear-safe purse flows and the local HTTP API for the terminal front-ends.

Start at wiring.py (how the pieces fit), purse_flows.py (the card/ledger design) and outbox.py
(exactly once). instruments.py documents how a card maps to its instrument.
"""
