"""Terminals under load: many workers redeeming from one card through the real HTTP service.

Runs in threads of the test process and in separate processes (so it takes only plain,
picklable arguments and rebuilds its key from raw bytes)."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from cardsvc.protocol.client import LedgerClient, LedgerRefused
from cardsvc.protocol.messages import ResultMsg, TransactionMsg
from cardsvc.protocol.signing import InMemorySigner

OVERLOAD_RETRIES = 20  # a 503 (committer queue full) is retried, boundedly
HTTP_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class LoadPlan:
    """What one group of workers does: `workers` threads, `attempts` redemptions each."""

    base_urls: tuple[str, ...]  # workers are spread over these servers
    terminal_id: str
    private_key: bytes  # raw Ed25519 private key of the terminal
    instrument: str
    amount: int
    workers: int
    attempts: int
    first_seq: int  # the terminal's sequence numbers used: first_seq .. + workers * attempts
    id_prefix: str
    start_at: float  # wall-clock time every worker starts at, across processes


def submit_with_retry(client: LedgerClient, tx: TransactionMsg) -> ResultMsg:
    for attempt in range(OVERLOAD_RETRIES):
        try:
            return client.submit([tx]).results[0]
        except LedgerRefused as exc:
            if exc.status != 503 or attempt == OVERLOAD_RETRIES - 1:
                raise
            time.sleep(0.05)
    raise AssertionError("unreachable")


def _worker(plan: LoadPlan, index: int, signer: InMemorySigner) -> list[tuple[str, str]]:
    base = plan.base_urls[index % len(plan.base_urls)]
    out = []
    with httpx.Client(base_url=base, timeout=HTTP_TIMEOUT_S) as http:
        client = LedgerClient(http, plan.terminal_id, signer)
        for k in range(plan.attempts):
            seq = plan.first_seq + index * plan.attempts + k
            tx = TransactionMsg(
                id=f"{plan.id_prefix}-{index}-{k}",
                seq=seq,
                op="redeem",
                instrument=plan.instrument,
                amount=plan.amount,
            )
            out.append((tx.id, submit_with_retry(client, tx).code))
    return out


def run_load(plan: LoadPlan) -> list[tuple[str, str]]:
    """Run the plan's workers at once; every (transaction id, result code)."""
    signer = InMemorySigner(Ed25519PrivateKey.from_private_bytes(plan.private_key))

    def work(index: int) -> list[tuple[str, str]]:
        time.sleep(max(0.0, min(plan.start_at - time.time(), HTTP_TIMEOUT_S)))
        return _worker(plan, index, signer)

    with ThreadPoolExecutor(max_workers=plan.workers) as pool:
        parts = list(pool.map(work, range(plan.workers)))
    return [item for part in parts for item in part]


def warm_up() -> int:
    """Run in a fresh worker process before the load, so start-up is not part of the race."""
    return len(InMemorySigner().key_id)
