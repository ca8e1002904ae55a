"""Result codes the protocol adds to the core's (cardsvc.core.codes): outcomes decided before a
transaction reaches the ledger core."""

from __future__ import annotations

from enum import StrEnum


class ProtocolCode(StrEnum):
    SEQUENCE_REUSED = "sequence_reused"  # the terminal used this sequence number for another id
    UNKNOWN_PROGRAM = "unknown_program"  # issue under a program the ledger does not have
    PROGRAM_REQUIRED = "program_required"  # issue without a program
    CARD_REPLAY = "card_replay"  # a purse card's counter went back: restored or cloned card
    # card media (cardsvc.core.media): the card a terminal read is not usable as it named it
    CARD_MEDIUM_BLOCKED = "card_medium_blocked"  # reported lost, stolen, damaged; or replaced
    CARD_MEDIUM_MISMATCH = "card_medium_mismatch"  # the card belongs to another instrument
    # ledger-to-card updates (cardsvc.services.card_updates)
    CARD_UPDATE_UNKNOWN = "card_update_unknown"  # no such pending update for this card
    CARD_UPDATE_APPLIED = "card_update_applied"  # already written to the card by another tap
    CARD_UPDATE_MISMATCH = "card_update_mismatch"  # the card did not change by the update
