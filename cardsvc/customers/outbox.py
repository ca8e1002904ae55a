"""The outbox run: send what is due, each message once, with retries and backoff.

1. claim: due messages are leased to this run in one unit of work (another run skips them);
2. send: outside any database transaction (a slow SMTP server holds no lock);
3. record: sent, or retried after base * 2**attempts seconds (capped), or failed for good after
   the last attempt or a permanent refusal.
A message whose customer withdrew consent or was erased after it was queued is skipped, not
sent. A run that dies after sending and before recording leaves the lease to lapse: the next
run sends again with the same Message-ID (the outbox key), which receivers use to drop the
duplicate: as close to exactly once as a mail system allows, and never silently lost.
"""

from __future__ import annotations

from dataclasses import dataclass

from cardsvc.customers.senders import Outgoing, Sender
from cardsvc.customers.service import Customers
from cardsvc.storage.messages import MessageRow

ERROR_MAX = 500


@dataclass
class OutboxReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    skipped: int = 0


def backoff(attempts: int, base_s: int, max_s: int) -> int:
    """Seconds before the next attempt after `attempts` failed ones (1, 2, 4 ... times base)."""
    return int(min(max_s, base_s * 2 ** min(attempts, 30)))


def run(c: Customers, sender: Sender | None = None, rounds: int = 100) -> OutboxReport:
    """Send due messages; stops when none is due (or after `rounds` batches)."""
    sender = sender or c.sender
    report = OutboxReport()
    if sender is None:
        return report  # no sender configured: messages wait in the outbox
    s = c.settings
    for _ in range(rounds):
        now = c.clock()
        with c.db.write() as uow:
            batch = uow.messages.claim_due(now, s.outbox_lease_s, s.outbox_batch)
        for message in batch:
            _one(c, sender, message, report)
        if len(batch) < s.outbox_batch:
            break
    return report


def _still_wanted(c: Customers, m: MessageRow) -> bool:
    with c.db.read() as uow:
        row = uow.customers.get(m.customer_id)
    return row is not None and row.status == "active" and row.consent


def _one(c: Customers, sender: Sender, m: MessageRow, report: OutboxReport) -> None:
    s = c.settings
    if not _still_wanted(c, m) or m.channel not in sender.channels:
        why = "no consent" if m.channel in sender.channels else f"no sender for {m.channel}"
        with c.db.write() as uow:
            uow.messages.mark_skipped(m.key, why)
        report.skipped += 1
        return
    outcome = sender.send(Outgoing(m.key, m.channel, m.address, m.lang, m.subject, m.body))
    now = c.clock()
    with c.db.write() as uow:
        if outcome.status == "sent":
            uow.messages.mark_sent(m.key, now)
            report.sent += 1
            return
        final = outcome.status == "refused" or m.attempts + 1 >= s.outbox_max_attempts
        wait = backoff(m.attempts, s.outbox_backoff_s, s.outbox_backoff_max_s)
        uow.messages.mark_retry(m.key, now + wait, outcome.detail[:ERROR_MAX], final=final)
    if final:
        report.failed += 1
    else:
        report.retried += 1
