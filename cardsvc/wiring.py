"""The one wiring point of the ledger service: settings -> engine -> caches -> committer."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Engine

from cardsvc.core import Policy
from cardsvc.metrics import Metrics
from cardsvc.services.committer import GroupCommitter
from cardsvc.services.programs import ProgramCache
from cardsvc.services.terminals import KeyDirectory
from cardsvc.settings import Settings
from cardsvc.storage.db import make_engine
from cardsvc.storage.migrate import upgrade


def wall_clock() -> int:
    return int(time.time())


@dataclass
class Ledger:
    """Everything a request handler needs, built once per process."""

    settings: Settings
    engine: Engine
    programs: ProgramCache
    committer: GroupCommitter
    keys: KeyDirectory
    clock: Callable[[], int]
    metrics: Metrics = field(default_factory=Metrics)

    def close(self) -> None:
        self.committer.stop()
        self.engine.dispose()


def build_ledger(settings: Settings, clock: Callable[[], int] = wall_clock) -> Ledger:
    engine = make_engine(settings.database_url, sqlite_cache_mb=settings.sqlite_cache_mb)
    upgrade(engine)
    programs = ProgramCache()
    policy = Policy(void_window_s=settings.void_window_s)
    committer = GroupCommitter(
        engine,
        programs,
        policy,
        clock=clock,
        max_tx=settings.group_max_tx,
        queue_max=settings.group_queue_max,
    )
    committer.start()
    return Ledger(settings, engine, programs, committer, KeyDirectory(engine), clock)
