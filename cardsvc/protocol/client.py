"""A terminal's client of the ledger: signs every request (RFC 9421) and speaks protocol v1.

Used by the reader agent, the demo, the tests and the benchmarks. Transport errors surface as
httpx exceptions (the agent queues on them); refusals as LedgerRefused with the stable code.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from typing import Any

import httpx

from cardsvc.protocol.messages import BatchRequest, BatchResponse, TransactionMsg
from cardsvc.protocol.signing import Signer, sign_request
from keys.enrolment import make_enrolment


class LedgerRefused(Exception):
    """The ledger answered with an error (4xx/5xx): `status`, stable `code`, `detail`."""

    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(f"{status} {code}: {detail}")
        self.status, self.code, self.detail = status, code, detail


def _raise_for(response: httpx.Response) -> None:
    if response.status_code < 400:
        return
    try:
        body = response.json()
        code, detail = str(body.get("error", "error")), str(body.get("detail", ""))
    except ValueError:
        code, detail = "error", response.text[:200]
    raise LedgerRefused(response.status_code, code, detail)


def enroll(
    http: httpx.Client, terminal_id: str, code: str, signer: Signer, at: int | None = None
) -> dict[str, Any]:
    """Register this terminal's key with its one-time enrollment code. The request carries a
    proof of possession: it is signed by the key being enrolled (keys.enrolment)."""
    when = int(time.time()) if at is None else at
    body = {
        "terminal_id": terminal_id,
        "code": code,
        "enrolment": make_enrolment(signer, terminal_id, when),
    }
    response = http.post("/v1/terminals/enroll", json=body)
    _raise_for(response)
    result: dict[str, Any] = response.json()
    return result


class LedgerClient:
    def __init__(
        self,
        http: httpx.Client,
        terminal_id: str,
        signer: Signer,
        clock: Callable[[], int] = lambda: int(time.time()),
    ) -> None:
        self.http, self.terminal_id, self.signer, self.clock = http, terminal_id, signer, clock

    def _send(self, method: str, path: str, body: bytes = b"") -> httpx.Response:
        url = str(self.http.base_url.join(path))
        headers = sign_request(
            method, url, body, self.signer, self.terminal_id, created=self.clock()
        )
        response = self.http.request(method, path, content=body, headers=headers)
        _raise_for(response)
        return response

    def request(self, method: str, path: str, body: bytes = b"") -> httpx.Response:
        """A signed request to another terminal endpoint (cardsvc.protocol.counter's)."""
        return self._send(method, path, body)

    def submit(self, transactions: Sequence[TransactionMsg]) -> BatchResponse:
        body = BatchRequest(transactions=list(transactions)).model_dump_json(exclude_defaults=True)
        return BatchResponse.model_validate_json(
            self._send("POST", "/v1/batches", body.encode()).content
        )

    def lookup(self, instrument_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self._send(
            "GET", f"/v1/terminal/instruments/{instrument_id}"
        ).json()
        return result

    def reward_voucher(self, tx_id: str) -> dict[str, Any]:
        """The voucher a reward this terminal sent issued: its code and signed QR."""
        result: dict[str, Any] = self._send("POST", f"/v1/terminal/rewards/{tx_id}/voucher").json()
        return result

    def find_customer(self, phone: str) -> dict[str, Any]:
        """The customer with this phone number (phone shown masked); LedgerRefused 404
        `customer_unknown` when there is none."""
        body = json.dumps({"phone": phone}).encode()
        found: dict[str, Any] = self._send("POST", "/v1/terminal/customers/lookup", body).json()
        return found

    def sign_up_customer(self, fields: dict[str, Any]) -> dict[str, Any]:
        """Sign a customer up at this terminal's store; LedgerRefused says why not
        (`phone_taken`, `phone_invalid`, `birthday_invalid` ...)."""
        body = json.dumps(fields, ensure_ascii=False).encode()
        made: dict[str, Any] = self._send("POST", "/v1/terminal/customers", body).json()
        return made

    def summary(self, instrument_id: str, limit: int = 10) -> dict[str, Any]:
        """Balance, conditions and recent history of an instrument (kiosks)."""
        result: dict[str, Any] = self._send(
            "GET", f"/v1/terminal/instruments/{instrument_id}/summary?limit={limit}"
        ).json()
        return result

    def offline_kit(self) -> dict[str, Any]:
        """What an offline QR validator needs: the signed key set, revocations, gates."""
        result: dict[str, Any] = self._send("GET", "/v1/terminal/qr/offline").json()
        return result

    def hotlist(self) -> list[str]:
        return list(self._send("GET", "/v1/terminal/hotlist").json()["blocked"])

    def hotlists(self) -> tuple[list[str], list[str], list[str]]:
        """(blocked instruments and card names; of those, the cards refused as cards; cards
        with value changed at the ledger to write at their next tap)."""
        body = self._send("GET", "/v1/terminal/hotlist").json()
        return (list(body["blocked"]), list(body.get("blocked_media", [])),
                list(body.get("pending_updates", [])))  # fmt: skip

    def card(self, uid: str) -> dict[str, Any]:
        """A card at a tap: state, instrument, ledger-side changes to write to it."""
        result: dict[str, Any] = self._send("GET", f"/v1/terminal/cards/{uid}").json()
        return result

    def card_view(self, uid: str) -> dict[str, Any]:
        """A card by UID: state, instrument, balance (for replacing it)."""
        result: dict[str, Any] = self._send("GET", f"/v1/terminal/cards/{uid}/view").json()
        return result

    def replace_card(self, uid: str, request: dict[str, Any]) -> dict[str, Any]:
        """Replace a lost, stolen or damaged card; the replacement's receipt."""
        body = json.dumps(request).encode()
        result: dict[str, Any] = self._send(
            "POST", f"/v1/terminal/cards/{uid}/replace", body
        ).json()
        return result

    def report_torn(self, transactions: Sequence[TransactionMsg]) -> dict[str, str]:
        """Torn purse operations whose card left: where each stands at the ledger."""
        listed = [t.model_dump(mode="json", exclude_defaults=True) for t in transactions]
        body = json.dumps({"transactions": listed}).encode()
        states: dict[str, str] = self._send("POST", "/v1/terminal/torn", body).json()["states"]
        return states

    def send_shift_report(self, report: dict[str, Any]) -> str:
        """A closed shift's (Z) report: `stored`, or `exists` when the ledger has it already."""
        body = json.dumps(report).encode()
        state: str = self._send("POST", "/v1/terminal/shift-reports", body).json()["state"]
        return state

    def torn_states(self, tx_ids: Sequence[str]) -> dict[str, str]:
        """Where reported torn operations stand (open, committed, sent, cancelled, refused)."""
        found = self._send("GET", "/v1/terminal/torn?ids=" + ",".join(tx_ids)).json()
        states: dict[str, str] = found["states"]
        return states

    def rotate_key(self, new_signer: Signer) -> dict[str, str]:
        """Enrol a successor key: proved by the new key, endorsed by the current one, sent
        signed by the current one, which keeps signing through the overlap window."""
        enrolment = make_enrolment(new_signer, self.terminal_id, self.clock(), self.signer)
        body = json.dumps({"enrolment": enrolment}).encode()
        result: dict[str, str] = self._send("POST", "/v1/terminal/keys", body).json()
        return result
