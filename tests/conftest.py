"""Shared fixtures: access to the real servers scripts/test.sh starts.

When CARDSVC_REQUIRE_SERVERS=1 (the test command sets it) a missing server is a failure;
otherwise (a developer running one file by hand) the tests that need it are skipped.
"""

from __future__ import annotations

import fcntl
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

PCSCD_LOCK_WAIT_S = 200  # below the per-test timeout, so a long wait fails with its reason


def need_server(what: str, available: bool) -> None:
    """Skip, or fail under the test command, when a real server the test needs is absent."""
    if available:
        return
    message = f"{what} is not available; scripts/test.sh starts it"
    if os.environ.get("CARDSVC_REQUIRE_SERVERS") == "1":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def pg_url() -> str:
    """URL of the PostgreSQL server started for this test run."""
    url = os.environ.get("CARDSVC_TEST_PG_URL", "")
    need_server("PostgreSQL (CARDSVC_TEST_PG_URL)", bool(url))
    return url


@pytest.fixture
def pcscd_available() -> Iterator[None]:
    """The real pcscd with the vpcd virtual reader driver, held by this test alone.

    A machine has one pcscd and one vpcd slot: two test runs side by side (two checkouts) would
    insert cards into each other's reader, so each test that uses it holds a machine-wide lock.
    """
    need_server("pcscd", os.environ.get("CARDSVC_PCSCD") == "1")
    lock_path = Path(tempfile.gettempdir()) / "cardsvc-pcscd.lock"
    with lock_path.open("a") as lock:
        deadline = time.monotonic() + PCSCD_LOCK_WAIT_S
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    pytest.fail(f"another test run held pcscd for {PCSCD_LOCK_WAIT_S} s")
                time.sleep(0.1)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def pkcs11_module() -> str:
    """Path of the SoftHSM2 PKCS#11 module, with SOFTHSM2_CONF pointing at a fresh token dir."""
    path = os.environ.get("CARDSVC_PKCS11_MODULE", "")
    ready = bool(path) and bool(os.environ.get("SOFTHSM2_CONF"))
    need_server("SoftHSM2 (CARDSVC_PKCS11_MODULE)", ready)
    return path
