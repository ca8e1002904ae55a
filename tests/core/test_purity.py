"""The core imports and runs with frameworks, I/O, clocks and randomness made unimportable.

A fresh interpreter (isolated, without site-packages) installs a meta-path finder that refuses
the blocked modules, then imports cardsvc.core and applies a batch. Anything the core pulled in
from that list, directly or through another module, would fail the import.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

BLOCKED = (
    # frameworks and storage
    "fastapi", "starlette", "pydantic", "pydantic_settings", "sqlalchemy", "alembic", "httpx",
    "uvicorn", "psycopg", "sqlite3", "_sqlite3",
    # clocks and randomness: time and ids are inputs
    "time", "datetime", "_datetime", "random", "_random", "secrets", "uuid", "zoneinfo",
    # network, processes, files and concurrency
    "socket", "_socket", "ssl", "select", "selectors", "asyncio", "http", "urllib",
    "subprocess", "multiprocessing", "threading", "shutil", "tempfile", "pathlib", "glob",
    "fcntl", "mmap", "logging", "signal",
)

_CHILD = textwrap.dedent(
    """
    import sys

    BLOCKED = frozenset(sys.argv[2].split(","))
    # The interpreter itself imports a few (time): forget them, so that any later import of
    # them has to go through the finders, and be refused, like the rest.
    for name in [m for m in sys.modules if m.split(".")[0] in BLOCKED]:
        del sys.modules[name]

    class Refuse:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                raise ImportError(f"the core may not import {name}")
            return None

    sys.meta_path.insert(0, Refuse())
    try:
        import random
    except ImportError:
        pass
    else:
        raise SystemExit("the blocking finder does not work")

    sys.path.insert(0, sys.argv[1])
    from cardsvc.core import InstrumentKind, InstrumentSpec, LedgerState, Op, Transaction
    from cardsvc.core import Unit, apply

    spec = InstrumentSpec(InstrumentKind.PREPAID, Unit.VND, "p")
    batch = [
        Transaction("t1", Op.ISSUE, "c", 1000, store="s", spec=spec),
        Transaction("t2", Op.REDEEM, "c", 400, store="s"),
    ]
    out = apply(LedgerState(), batch, 1_700_000_000)
    assert [(r.code, r.balance_after) for r in out.results] == [("ok", 1000), ("ok", 600)]
    leaked = BLOCKED & set(sys.modules)
    assert not leaked, leaked
    print("pure")
    """
)


def _run_child(blocked: tuple[str, ...]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-I", "-S", "-c", _CHILD, str(ROOT), ",".join(blocked)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_core_imports_and_applies_with_io_clock_and_frameworks_blocked() -> None:
    child = _run_child(BLOCKED)
    assert child.returncode == 0, child.stderr
    assert child.stdout.strip() == "pure"


def test_the_blocking_would_catch_an_import() -> None:
    """Blocking a module the core does use (enum) must make the child fail: the check bites."""
    child = _run_child((*BLOCKED, "enum"))
    assert child.returncode != 0
    assert "the core may not import enum" in child.stderr
