"""Card media: the physical cards that carry an instrument over time, as pure rules.

An instrument (the account that carries value, points and tier) is separate from its media.
A medium is one card, named by its UID: it belongs to one instrument for ever, and an
instrument gets a new medium when its card is lost, stolen or damaged. Terminals name a card's
instrument by the card itself (`card-<UID>`, reader_agent.agent.instruments); the ledger routes
each terminal transaction through the medium table to the instrument it belongs to.

Replacing a card with purse value (DESFire value file) cannot simply move the value: offline
tills that have not yet fetched the hotlist may still accept the old card, and their taps reach
the ledger later. So the value the ledger believes is on the old card (its mirror) is moved at
once into a *holding instrument* of its own; during the holding window late taps of the old
card are applied against it (and never against the new card's value), and when the window
closes whatever is left moves back to the instrument and is written to the new card.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

DEFAULT_PREFIX = "card-"  # the instrument a card is named by at terminals
HOLDING_PREFIX = "held-"  # the holding instrument of a replaced card's purse value


class MediumState(StrEnum):
    ACTIVE = "active"
    LOST = "lost"
    STOLEN = "stolen"
    DAMAGED = "damaged"
    REPLACED = "replaced"  # its holding window closed: the medium is retired for good


REPLACE_REASONS = frozenset({MediumState.LOST, MediumState.STOLEN, MediumState.DAMAGED})


class MediaCode(StrEnum):
    """Why a terminal transaction on a card is refused before the ledger core sees it."""

    CARD_MEDIUM_BLOCKED = "card_medium_blocked"  # reported lost/stolen/damaged, or replaced
    CARD_MEDIUM_MISMATCH = "card_medium_mismatch"  # the card belongs to another instrument


# Operations a till may still report for a replaced card inside its holding window: spending
# the purse, and the void a till sends to set a refused tap back (the card goes first).
LATE_OPS = frozenset({"redeem", "void"})


@dataclass(frozen=True, slots=True)
class Medium:
    uid: str  # upper-case hex, as card evidence spells it
    instrument: str
    card_type: str  # desfire, ntag, uid
    state: MediumState
    held: str | None = None  # the holding instrument while a window is open
    window_until: int | None = None  # late taps are accepted until then (exclusive)


def default_instrument(uid: str) -> str:
    return DEFAULT_PREFIX + uid


def holding_instrument(uid: str) -> str:
    return HOLDING_PREFIX + uid


def uid_named(instrument: str) -> str | None:
    """The UID a terminal's default instrument name carries, else None."""
    if not instrument.startswith(DEFAULT_PREFIX):
        return None
    uid = instrument[len(DEFAULT_PREFIX) :]
    if not 8 <= len(uid) <= 20 or any(c not in "0123456789ABCDEF" for c in uid):
        return None
    return uid


def holding_open(medium: Medium, now: int) -> bool:
    return (
        medium.held is not None and medium.window_until is not None and now < medium.window_until
    )


def route(medium: Medium | None, named: str, uid: str, op: str, now: int) -> str | MediaCode:
    """The instrument a terminal transaction on card `uid` applies to, or why it is refused.

    `named` is the instrument the terminal put in the message: the card's default name, or the
    instrument itself. Unknown cards (no medium yet: a card being issued) keep their name.
    """
    if medium is None:
        return named
    if named != default_instrument(uid) and named != medium.instrument:
        return MediaCode.CARD_MEDIUM_MISMATCH
    if medium.state is MediumState.ACTIVE:
        return medium.instrument
    if medium.state is not MediumState.REPLACED and op in LATE_OPS and holding_open(medium, now):
        assert medium.held is not None
        return medium.held
    return MediaCode.CARD_MEDIUM_BLOCKED


def held_value(mirror_value: int | None, mirror_instrument: str | None, instrument: str,
               balance: int) -> int:  # fmt: skip
    """What to hold for the old card: the value the ledger's mirror says is on it, never more
    than the instrument has (the rest of the balance is ledger-side value not yet on a card)."""
    if mirror_value is None or mirror_instrument != instrument:
        return 0
    return max(0, min(mirror_value, balance))


@dataclass(frozen=True, slots=True)
class CardReading:
    """A damaged card that still answers: its purse read at the counter."""

    value: int
    counter: int


def window_s(reason: MediumState, reading: CardReading | None, mirror_counter: int | None,
             mirror_value: int | None, configured_s: int) -> int:  # fmt: skip
    """How long late taps of the old card are waited for.

    A damaged card read at the counter whose counter and value are the mirror's has no tap the
    ledger has not seen: nothing can arrive late, so the window closes at once. Any other
    reading (a counter ahead: offline taps still to sync) keeps the configured window.
    """
    assert reason in REPLACE_REASONS
    if (
        reason is MediumState.DAMAGED
        and reading is not None
        and reading.counter == mirror_counter
        and reading.value == mirror_value
    ):
        return 0
    return configured_s


@dataclass(frozen=True, slots=True)
class Closing:
    """A holding window closing: what moves to the new card, what late taps spent."""

    moved: int
    spent_late: int


def closing(held_amount: int, held_balance: int) -> Closing:
    """The holding instrument started with `held_amount`; late taps left `held_balance`."""
    assert 0 <= held_balance <= held_amount, "late taps only spend what was held"
    return Closing(held_balance, held_amount - held_balance)


# --- torn taps settled from the card's next appearance -----------------------------------------
@dataclass(frozen=True, slots=True)
class Torn:
    """A till's purse operation torn mid-way, whose card left: what the card would show had
    it committed (`counter`, value `before` -> `after`)."""

    tx_id: str
    uid: str
    counter: int
    before: int
    after: int


@dataclass(frozen=True, slots=True)
class Seen:
    """A report of the same card from any till: its counter after, value before."""

    tx_id: str
    counter: int
    before: int


class TornOutcome(StrEnum):
    OPEN = "open"  # nothing tells yet
    COMMITTED = "committed"  # it happened on the card: the ledger applies it now
    SENT = "sent"  # its own till sent it (the card came back there)
    CANCELLED = "cancelled"  # its counter went to another operation: it never happened


def torn_outcome(torn: Torn, seen: list[Seen], counter_journalled: bool) -> TornOutcome:
    """What the card's next appearance says about a torn operation. A card's counter takes
    each value once: if another operation holds the torn one's counter, the torn one did not
    happen; if the card's next operation starts from the torn one's value after, at the
    counter after it, it did (nothing else could have taken that counter)."""
    if any(s.tx_id == torn.tx_id for s in seen):
        return TornOutcome.SENT
    if counter_journalled or any(s.counter == torn.counter for s in seen):
        return TornOutcome.CANCELLED
    if any(s.counter == torn.counter + 1 and s.before == torn.after for s in seen):
        return TornOutcome.COMMITTED
    return TornOutcome.OPEN
