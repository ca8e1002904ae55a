"""The agent's reader: opened lazily, reopened after pcscd or the reader comes back, one user
at a time (a tap is a sequence of APDUs that must not interleave with another request's)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from reader_agent.drivers.base import CardInfo, Reader, ReaderInfo
from reader_agent.drivers.errors import ReaderUnavailableError

log = logging.getLogger(__name__)
ReaderOpener = Callable[[], Reader]
ReaderLister = Callable[[], list[ReaderInfo]]


class StationBusy(Exception):
    """Another request is using the reader."""


class Station:
    def __init__(self, open_reader: ReaderOpener, list_readers: ReaderLister) -> None:
        self._open_reader = open_reader
        self.list_readers = list_readers
        self._reader: Reader | None = None
        self.lock = threading.Lock()
        self.last_error = ""

    def _get(self) -> Reader:
        if self._reader is None:
            try:
                self._reader = self._open_reader()
            except ReaderUnavailableError as exc:
                self.last_error = str(exc)
                raise
            self.last_error = ""
        return self._reader

    def _drop(self) -> None:
        reader, self._reader = self._reader, None
        if reader is not None:
            try:
                reader.close()
            except Exception:  # closing a reader whose daemon died may fail: it is gone anyway
                log.debug("closing a dead reader failed", exc_info=True)

    @contextmanager
    def card(
        self, timeout: float, wait_lock: float | None = None
    ) -> Iterator[tuple[Reader, CardInfo]]:
        """Hold the reader while a card is presented (ReaderTimeoutError after `timeout`)."""
        if not self.lock.acquire(timeout=-1 if wait_lock is None else wait_lock):
            raise StationBusy("the reader is busy with another request")
        try:
            reader = self._get()
            try:
                info = reader.wait_for_card(timeout)
            except ReaderUnavailableError as exc:
                self.last_error = str(exc)
                self._drop()
                raise
            yield reader, info
        finally:
            self.lock.release()

    def reader_name(self) -> str | None:
        return self._reader.name if self._reader is not None else None

    def close(self) -> None:
        with self.lock:
            self._drop()
