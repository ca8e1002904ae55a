"""`cardsvc demo` (the README's first command, without serving): a demo chain is loaded through
the real API and the summary says where to look."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from cardsvc.cli import main
from cardsvc.services.queries import liability
from cardsvc.storage.unit_of_work import Database


def test_demo_loads_a_chain_and_prints_where_to_look(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "demo.db"
    assert main(["demo", "--no-serve", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "admin token     cs_" in out
    assert "CARD-0001" in out and "375.000 ₫" in out and "1.200 điểm" in out
    database = Database.open(f"sqlite:///{db}", migrate=False)
    with database.read() as uow:
        rows = liability(uow)
    database.close()
    assert {r["program"]: r["balance"] for r in rows} == {
        "PREPAID": 375_000, "GIFT-TET": 1_000_000, "VOUCHER-50K": 50_000, "MEMBER": 1_200,
    }  # fmt: skip
    assert all(r["consistent"] for r in rows)
    assert main(["demo", "--no-serve", "--db", str(db)]) == 0  # idempotent: recreated


def test_demo_serves_the_loaded_ledger(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cmd = [sys.executable, "-m", "cardsvc.cli", "demo", "--db", str(tmp_path / "d.db"),
           "--port", str(port)]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            env={**os.environ}, cwd=tmp_path)  # fmt: skip
    try:
        deadline = time.monotonic() + 60  # a bound on waiting for start-up, not a timing test
        while True:
            assert proc.poll() is None, proc.stdout.read().decode() if proc.stdout else ""
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/v1/health", timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the demo server did not start"
                time.sleep(0.2)
        assert health.json()["status"] == "ok"
        assert httpx.get(f"http://127.0.0.1:{port}/").status_code == 200  # the customer page
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
