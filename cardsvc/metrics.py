"""Prometheus metrics of one ledger process (its own registry, so tests can build many apps)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.results = Counter(
            "cardsvc_transaction_results",
            "Transaction results by code",
            ["code"],
            registry=self.registry,
        )
        self.rejected = Counter(
            "cardsvc_rejected_requests",
            "Signed requests refused, by reason",
            ["reason"],
            registry=self.registry,
        )
        self.batch_latency = Histogram(
            "cardsvc_batch_seconds",
            "Time from receipt to durable result of a signed batch",
            registry=self.registry,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
        )

    def render(self) -> bytes:
        return bytes(generate_latest(self.registry))
