"""`cardsvc demo` (the README's first command): a month of history loaded through the real API,
the people's demo passwords working, and every URL it prints answering, then Ctrl-C stopping
everything it started."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from cardsvc.cli import main
from cardsvc.commands.demo_history import PEOPLE
from cardsvc.services import signin
from cardsvc.services.queries import liability
from cardsvc.storage.unit_of_work import Database

START_S = 180  # a bound on waiting for the demo to load and start, not a timing test


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_demo_loads_a_month_and_prints_where_to_look(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "demo"
    assert main(["demo", "--no-serve", "--dir", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "30 days of history" in out and "admin API token  cs_" in out
    for pid, _name, _role, _store, password in PEOPLE:
        assert f"{pid:<10} {password}" in out
    codes = re.findall(r"^    ([0-9A-Z]{4}(?:-[0-9A-Z]{1,4})+)\s", out, re.M)
    assert len(codes) == 3
    database = Database.open(f"sqlite:///{folder / 'ledger.db'}", migrate=False)
    try:
        with database.read() as uow:
            rows = liability(uow)
            assert all(r["consistent"] for r in rows) and len(rows) >= 3
            assert signin.session(uow, "", 0) is None
            for pid, *_ in PEOPLE:
                assert uow.backoffice.login(pid) is not None
            spread = {t["at"] // 86400 for t in uow.reports.history("CARD-0001", 500)}
            assert len(spread) >= 2  # the first card was used on several days of the month
    finally:
        database.close()
    env = (folder / "env").read_text()
    assert "CARDSVC_DATABASE_URL='sqlite:///" in env and "CARDKEYS_PASSPHRASE" in env
    assert main(["demo", "--no-serve", "--dir", str(folder)]) == 0  # recreated


@pytest.mark.slow
def test_every_printed_url_answers_and_ctrl_c_stops_everything(tmp_path: Path) -> None:
    ports = [free_port() for _ in range(3)]
    cmd = [sys.executable, "-m", "cardsvc.cli", "demo", "--dir", str(tmp_path / "demo"),
           "--port", str(ports[0]), "--agent-port", str(ports[1]),
           "--counter-port", str(ports[2])]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ}, cwd=tmp_path)  # fmt: skip
    lines: list[str] = []
    try:
        assert proc.stdout is not None
        deadline = time.monotonic() + START_S
        while not lines or lines[-1].strip() != "stop with Ctrl-C":
            line = proc.stdout.readline()
            assert line, "the demo ended early:\n" + "".join(lines)
            lines.append(line)
            assert time.monotonic() < deadline, "the demo did not start"
        out = "".join(lines)
        urls = re.findall(r"(http://127\.0\.0\.1:\d+\S*)", out)
        assert len(urls) >= 7
        for url in urls:
            answer = httpx.get(url, timeout=10, follow_redirects=True)
            assert answer.status_code == 200, (url, answer.status_code, answer.text[:300])
        base = f"http://127.0.0.1:{ports[0]}"
        docs = httpx.get(base + "/docs").text
        assert "/docs/assets/swagger-ui-bundle.js" in docs and "cdn" not in docs.lower()
        code = re.findall(r"^    ([0-9A-Z]{4}(?:-[0-9A-Z]{1,4})+)\s", out, re.M)[0]
        page = httpx.post(base + "/check", data={"q": code}).text
        assert "100.000 ₫" in page  # the customer page works: a QR key is configured
        with httpx.Client(base_url=base) as b:
            form = b.get("/admin/signin").text
            csrf = re.search(r'name="csrf" value="([^"]+)"', form)
            assert csrf is not None
            fields = {"csrf": csrf.group(1), "username": "ketoan", "password": "ketoan-demo-2026"}
            signed = b.post("/admin/signin", data=fields)
            assert signed.status_code == 303
            dashboard = b.get("/admin/finance").text
            assert "<polyline" in dashboard and "Thẻ trả trước" in dashboard
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)
    for port in ports:  # everything it started has stopped
        with socket.socket() as s:
            assert s.connect_ex(("127.0.0.1", port)) != 0
