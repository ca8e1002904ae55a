"""The counter's customer look-up and sign-up, forwarded to the ledger (which keeps customer
records; there is nothing to do offline). A refusal of the ledger (customer_unknown,
phone_taken ...) is an answer with its code; no answer at all is LedgerUnavailable."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from cardsvc.protocol.client import LedgerClient, LedgerRefused
from reader_agent.agent.sync import LedgerUnavailable


class CustomerDesk:
    def __init__(self, client: LedgerClient) -> None:
        self.client = client

    def lookup(self, phone: str) -> dict[str, Any]:
        return self._ask(lambda: self.client.find_customer(phone))

    def sign_up(self, fields: dict[str, Any]) -> dict[str, Any]:
        return self._ask(lambda: self.client.sign_up_customer(fields))

    @staticmethod
    def _ask(call: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        try:
            customer = call()
        except httpx.HTTPError as exc:
            raise LedgerUnavailable(f"the ledger cannot be reached: {exc}") from exc
        except LedgerRefused as exc:
            if exc.status >= 500 or exc.status in (401, 403):
                raise LedgerUnavailable(f"the ledger refused: {exc}") from exc
            return {"code": exc.code, "customer": None, "detail": exc.detail, "ok": False}
        return {"code": "ok", "customer": customer, "detail": "", "ok": True}
