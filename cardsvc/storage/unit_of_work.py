"""The one way into the database: a `Database` per process hands out units of work; a unit of
work is one database transaction and the repositories over it.

    with db.write() as uow:          # BEGIN (IMMEDIATE on SQLite) ... COMMIT, or ROLLBACK
        uow.people.add(...)
    with db.read() as uow:           # a read-only connection, never a write lock
        uow.reports.liability()

Services take a unit of work and never see a connection, a table or SQL. Repositories are built
on first use, so a unit of work that touches one concept pays for one.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property

from sqlalchemy import Connection, Engine, text

from cardsvc.storage.backoffice import BackofficeRepository
from cardsvc.storage.campaigns import CampaignRepository
from cardsvc.storage.card_mirror import CardMirrorRepository
from cardsvc.storage.customer_rewards import CustomerRewardRepository
from cardsvc.storage.customers import CustomerRepository
from cardsvc.storage.db import READ_ONLY, make_engine
from cardsvc.storage.evidence import EvidenceRepository
from cardsvc.storage.faults import DatabaseUnavailable, Fault, classify
from cardsvc.storage.feedback import FeedbackRepository
from cardsvc.storage.finance import FinanceRepository
from cardsvc.storage.ledger import LedgerRepository
from cardsvc.storage.loyalty import LoyaltyRepository, LoyaltyRulesCache
from cardsvc.storage.media import MediaRepository
from cardsvc.storage.messages import MessageRepository
from cardsvc.storage.migrate import upgrade
from cardsvc.storage.people import PeopleRepository
from cardsvc.storage.programs import ProgramCache, ProgramRepository
from cardsvc.storage.rate_limits import RateLimitRepository
from cardsvc.storage.reports import ReportRepository
from cardsvc.storage.shift_reports import ShiftReportRepository
from cardsvc.storage.terminals import TerminalRepository


class UnitOfWork:
    """One database transaction and its repositories (one per concept)."""

    def __init__(
        self, conn: Connection, programs: ProgramCache, loyalty: LoyaltyRulesCache | None = None
    ) -> None:
        self._conn, self._program_cache = conn, programs
        self._loyalty_cache = loyalty or LoyaltyRulesCache()

    @cached_property
    def ledger(self) -> LedgerRepository:
        return LedgerRepository(self._conn, self.programs, self.loyalty)

    @cached_property
    def loyalty(self) -> LoyaltyRepository:
        return LoyaltyRepository(self._conn, self._loyalty_cache)

    @cached_property
    def evidence(self) -> EvidenceRepository:
        return EvidenceRepository(self._conn)

    @cached_property
    def card_mirror(self) -> CardMirrorRepository:
        return CardMirrorRepository(self._conn)

    @cached_property
    def media(self) -> MediaRepository:
        return MediaRepository(self._conn)

    @cached_property
    def programs(self) -> ProgramRepository:
        return ProgramRepository(self._conn, self._program_cache)

    @cached_property
    def terminals(self) -> TerminalRepository:
        return TerminalRepository(self._conn)

    @cached_property
    def people(self) -> PeopleRepository:
        return PeopleRepository(self._conn)

    @cached_property
    def campaigns(self) -> CampaignRepository:
        return CampaignRepository(self._conn)

    @cached_property
    def reports(self) -> ReportRepository:
        return ReportRepository(self._conn)

    @cached_property
    def rate_limits(self) -> RateLimitRepository:
        return RateLimitRepository(self._conn)

    @cached_property
    def customers(self) -> CustomerRepository:
        return CustomerRepository(self._conn)

    @cached_property
    def customer_rewards(self) -> CustomerRewardRepository:
        return CustomerRewardRepository(self._conn)

    @cached_property
    def feedback(self) -> FeedbackRepository:
        return FeedbackRepository(self._conn)

    @cached_property
    def messages(self) -> MessageRepository:
        return MessageRepository(self._conn)

    @cached_property
    def backoffice(self) -> BackofficeRepository:
        return BackofficeRepository(self._conn)

    @cached_property
    def finance(self) -> FinanceRepository:
        return FinanceRepository(self._conn)

    @cached_property
    def shift_reports(self) -> ShiftReportRepository:
        return ShiftReportRepository(self._conn)


class Database:
    """The engine and the process-wide caches; built once per process by `cardsvc.wiring`."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.programs = ProgramCache()
        self.loyalty_rules = LoyaltyRulesCache()

    @staticmethod
    def classify(exc: BaseException) -> Fault:
        """Unreachable, a conflict worth retrying, or the work's own fault (storage.faults)."""
        return classify(exc)

    @classmethod
    def open(cls, url: str, *, sqlite_cache_mb: int = 64, migrate: bool = True) -> Database:
        """Connect to `url`; bring its schema to the newest version unless told not to."""
        engine = make_engine(url, sqlite_cache_mb=sqlite_cache_mb)
        if migrate:
            try:
                with _reachable():
                    upgrade(engine)
            except BaseException:
                engine.dispose()
                raise
        return cls(engine)

    @property
    def url(self) -> str:
        """The database URL without its password, for messages."""
        return self.engine.url.render_as_string(hide_password=True)

    @contextmanager
    def write(self) -> Iterator[UnitOfWork]:
        """A unit of work in one transaction: committed when the block ends, rolled back when
        it raises."""
        with _reachable(), self.engine.begin() as conn:
            yield UnitOfWork(conn, self.programs, self.loyalty_rules)

    @contextmanager
    def read(self) -> Iterator[UnitOfWork]:
        """A unit of work for reading only (never takes SQLite's write lock)."""
        with _reachable(), self.engine.connect() as conn:
            conn.execution_options(**{READ_ONLY: True})
            yield UnitOfWork(conn, self.programs, self.loyalty_rules)

    def ping(self) -> str:
        """Ask the database a trivial question; answer its engine's name (sqlite, postgresql)."""
        with _reachable(), self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return self.engine.dialect.name

    def migrate(self) -> None:
        upgrade(self.engine)

    def close(self) -> None:
        self.engine.dispose()


@contextmanager
def _reachable() -> Iterator[None]:
    """Turn "the database cannot be reached" into DatabaseUnavailable (503 with Retry-After
    at the API) whatever driver said it; every other error passes unchanged."""
    try:
        yield
    except DatabaseUnavailable:
        raise
    except Exception as exc:
        if classify(exc) is Fault.UNAVAILABLE:
            raise DatabaseUnavailable() from exc
        raise
