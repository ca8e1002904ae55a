"""Result codes the protocol adds to the core's (cardsvc.core.codes): outcomes decided before a
transaction reaches the ledger core."""

from __future__ import annotations

from enum import StrEnum


class ProtocolCode(StrEnum):
    SEQUENCE_REUSED = "sequence_reused"  # the terminal used this sequence number for another id
    UNKNOWN_PROGRAM = "unknown_program"  # issue under a program the ledger does not have
    PROGRAM_REQUIRED = "program_required"  # issue without a program
    CARD_REPLAY = "card_replay"  # a purse card's counter went back: restored or cloned card
