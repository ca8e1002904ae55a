"""Hand-made signed requests, for tampering with: sign, then change one thing, then send."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import httpx

from cardsvc.protocol.messages import BatchRequest, TransactionMsg
from cardsvc.protocol.signing import Signer, sign_request
from tests.ledger.world import World


@dataclass(frozen=True)
class SignedRequest:
    method: str
    path: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)

    def with_headers(self, **changes: str) -> SignedRequest:
        """A copy with some headers replaced (names with `_` for `-`, case-insensitively)."""
        wanted = {k.replace("_", "-").lower(): v for k, v in changes.items()}
        kept = {k: v for k, v in self.headers.items() if k.lower() not in wanted}
        return replace(self, headers={**kept, **wanted})


def batch_body(txs: Sequence[TransactionMsg]) -> bytes:
    return BatchRequest(transactions=list(txs)).model_dump_json(exclude_defaults=True).encode()


def content_digest(body: bytes) -> str:
    return "sha-256=:" + base64.b64encode(hashlib.sha256(body).digest()).decode() + ":"


def sign(
    world: World,
    signer: Signer,
    terminal_id: str,
    path: str,
    body: bytes = b"",
    *,
    method: str = "POST",
    created: int | None = None,
    nonce: str | None = None,
) -> SignedRequest:
    url = str(world.http.base_url.join(path))
    when = world.clock() if created is None else created
    headers = sign_request(method, url, body, signer, terminal_id, created=when, nonce=nonce)
    return SignedRequest(method, path, body, headers)


def send(world: World, request: SignedRequest) -> httpx.Response:
    return world.http.request(
        request.method, request.path, content=request.body, headers=request.headers
    )
