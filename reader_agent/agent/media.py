"""Replacing a customer's lost, stolen or damaged card at the counter.

The counter looks the old card up by its number (UID) through the agent; for a damaged card
that still answers, it taps it first (POST /v1/tap: its purse value and counter go with the
request, and a card the ledger already knows entirely is settled at once). Then the new card
is tapped: a blank DESFire card is personalised as a purse (empty), any other card is an
online-only medium; the ledger replaces the medium and answers the receipt. The replacement
id is the counter's: a retry after a lost answer gets the same receipt, never a second card.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from cardsvc.protocol.client import LedgerClient, LedgerRefused
from reader_agent.agent.instruments import uid_hex
from reader_agent.agent.purse_flows import CARD_FAILURES, PurseFlows
from reader_agent.agent.station import Station
from reader_agent.cards.desfire import DesfireClient
from reader_agent.cards.desfire_protocol import DesfireProtocolError
from reader_agent.cards.member import read_uid
from reader_agent.cards.purse import PurseCardError, personalise


class MediaRefused(Exception):
    """The ledger (or the card) refused: `code` is a contract error code."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code, self.detail = code, detail


_LEDGER_CODES = {"card_medium_blocked", "card_medium_mismatch", "not_found"}


def refused(exc: LedgerRefused | httpx.HTTPError) -> MediaRefused:
    if isinstance(exc, httpx.HTTPError):
        return MediaRefused("ledger_unavailable", f"the ledger cannot be reached: {exc}")
    if exc.code in _LEDGER_CODES:
        return MediaRefused(exc.code, exc.detail)
    if exc.status == 422:
        return MediaRefused("invalid", exc.detail)
    return MediaRefused("ledger_unavailable", f"{exc.status} {exc.code}: {exc.detail}")


@dataclass(frozen=True)
class Replacement:
    id: str
    old_uid: str
    reason: str  # lost, stolen, damaged
    staff: str
    reading: dict[str, int] | None = None  # a damaged card read at this counter


class Media:
    def __init__(self, station: Station, flows: PurseFlows, client: LedgerClient) -> None:
        self.station, self.flows, self.client = station, flows, client

    def card(self, uid: str) -> dict[str, Any]:
        """The ledger's record of a card, by its number (UID hex)."""
        try:
            return self.client.card_view(uid.upper())
        except (LedgerRefused, httpx.HTTPError) as exc:
            raise refused(exc) from exc

    def replace(self, req: Replacement, timeout: float) -> dict[str, Any]:
        """Wait for the new card, make it ready, replace the old card with it at the ledger."""
        with self.station.card(timeout) as (reader, info):
            uid = info.uid if info.uid else read_uid(reader.transmit)
            new_uid = uid_hex(uid)
            if new_uid == req.old_uid.upper():
                raise MediaRefused("invalid", "this is the old card: tap the new card")
            kind = self._prepare(reader, new_uid)
            body = {"id": req.id, "new_uid": new_uid, "reason": req.reason,
                    "new_card_type": kind, "staff": req.staff, "reading": req.reading}  # fmt: skip
            try:
                return self.client.replace_card(req.old_uid.upper(), body)
            except (LedgerRefused, httpx.HTTPError) as exc:
                raise refused(exc) from exc

    def _prepare(self, reader: Any, new_uid: str) -> str:
        """`desfire` for a purse card (personalised now if blank; it must be empty), else
        `uid`: a card that only names its instrument."""
        try:
            DesfireClient(reader.transmit).select_application(0)
        except DesfireProtocolError:
            return "uid"
        try:
            seen = self.flows.purse(reader).balance()
        except PurseCardError:
            try:
                personalise(DesfireClient(reader.transmit), self.flows.keys, self.flows.layout)
            except CARD_FAILURES as exc:
                raise MediaRefused("card_error", f"personalisation failed: {exc}") from exc
            return "desfire"
        if seen.value_after != 0:
            raise MediaRefused("card_medium_mismatch",
                               f"card {new_uid} already carries value: use a new card")  # fmt: skip
        return "desfire"
