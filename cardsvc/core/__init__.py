"""The pure ledger state machine: no I/O, no clock, no randomness, no framework imports."""
