"""The one wiring point of the ledger service: settings -> database -> committer -> key
directory -> vouchers. The API, the CLI commands and the tests all build a process with
`build_ledger`, once."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from cardsvc.core import Policy
from cardsvc.customers.service import Customers
from cardsvc.customers.settings import CustomerSettings
from cardsvc.metrics import Metrics
from cardsvc.services.committer import GroupCommitter
from cardsvc.services.terminals import KeyDirectory
from cardsvc.settings import Settings, get_settings
from cardsvc.storage.unit_of_work import Database
from cardsvc.vouchers.service import (
    Vouchers,
    VouchersNotConfigured,
    keystore_from_environment,
    vouchers_from_keystore,
)
from cardsvc.vouchers.settings import VoucherSettings
from keys.keystore import BaseKeystore

log = logging.getLogger(__name__)


def wall_clock() -> int:
    return int(time.time())


@dataclass
class Ledger:
    """Everything a request handler or a command needs, built once per process."""

    settings: Settings
    db: Database
    committer: GroupCommitter
    keys: KeyDirectory
    clock: Callable[[], int]
    customers: Customers
    metrics: Metrics = field(default_factory=Metrics)
    vouchers: Vouchers | None = None
    vouchers_missing: str = ""  # why there are no vouchers (shown to whoever needs them)
    _keystore: BaseKeystore | None = None  # opened here, so closed here

    def require_vouchers(self) -> Vouchers:
        if self.vouchers is None:
            raise VouchersNotConfigured(self.vouchers_missing or "vouchers are not configured")
        return self.vouchers

    def close(self) -> None:
        self.committer.stop()
        self.db.close()
        if self._keystore is not None:
            self._keystore.close()


def build_ledger(
    settings: Settings,
    clock: Callable[[], int] = wall_clock,
    *,
    keystore: BaseKeystore | None = None,
    voucher_settings: VoucherSettings | None = None,
    customer_settings: CustomerSettings | None = None,
) -> Ledger:
    """Build a ledger process. Vouchers take their QR key from `keystore` (the caller keeps
    it and closes it), else from the keystore the environment configures, else there are none."""
    db = Database.open(settings.database_url, sqlite_cache_mb=settings.sqlite_cache_mb)
    policy = Policy(void_window_s=settings.void_window_s)
    committer = GroupCommitter(
        db, policy, clock=clock, max_tx=settings.group_max_tx, queue_max=settings.group_queue_max
    )
    committer.start()
    customers = Customers(db, committer, clock, customer_settings or CustomerSettings())
    ledger = Ledger(settings, db, committer, KeyDirectory(db), clock, customers)
    vs = voucher_settings or VoucherSettings()
    try:
        if keystore is None:
            keystore = ledger._keystore = keystore_from_environment(clock)
        ledger.vouchers = vouchers_from_keystore(db, committer, clock, vs, keystore)
    except VouchersNotConfigured as exc:
        ledger.vouchers_missing = str(exc)
        log.warning("vouchers are not available: %s", exc)
    except BaseException:
        ledger.close()
        raise
    return ledger


@contextmanager
def running_ledger(settings: Settings | None = None) -> Iterator[Ledger]:
    """A ledger for one command-line run, closed when the command ends."""
    ledger = build_ledger(settings or get_settings())
    try:
        yield ledger
    finally:
        ledger.close()


def open_database(settings: Settings | None = None) -> Database:
    """Only the database, at the newest schema (`cardsvc migrate`)."""
    cfg = settings or get_settings()
    return Database.open(cfg.database_url, sqlite_cache_mb=cfg.sqlite_cache_mb)
