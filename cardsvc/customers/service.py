"""Customers as a process holds them: settings, the ledger parts rewards use (units of work,
the group committer, the clock), the public pages' rate limits and the outbox's sender.
Built once per process by `cardsvc.wiring.build_ledger`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from cardsvc.customers.senders import Sender, sender_from_settings
from cardsvc.customers.settings import CustomerSettings
from cardsvc.services.committer import GroupCommitter
from cardsvc.storage.unit_of_work import Database
from cardsvc.vouchers.ratelimit import TokenBuckets


@dataclass
class Customers:
    db: Database
    committer: GroupCommitter
    clock: Callable[[], int]
    settings: CustomerSettings
    sender: Sender | None = None
    limiter: TokenBuckets = field(init=False)

    def __post_init__(self) -> None:
        s = self.settings
        self.limiter = TokenBuckets(s.public_burst, s.public_per_minute / 60.0,
                                    s.public_clients_max)  # fmt: skip
        if self.sender is None:
            self.sender = sender_from_settings(s)

    def sees_phones(self, role: str) -> bool:
        return role in self.settings.phone_visible_roles
