"""`cardsvc demo` (the README's first command): a month of history loaded through the real API,
the people's demo passwords working, and every URL it prints answering (the ledger's pages, the
counter, the kiosk checking a voucher's QR, the gate admitting a ticket, a tap on the emulated
card through the real pcscd where the test run has one), then Ctrl-C stopping everything it
started."""

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
from terminals.unattended.text import t

ROOT = Path(__file__).resolve().parents[2]
START_S = 180  # a bound on waiting for the demo to load and start, not a timing test
CODE = r"^    ([0-9A-Z]{4}(?:-[0-9A-Z]{1,4})+)\s+(\S+\.png)$"


def printed_codes(out: str, heading: str) -> list[tuple[str, str]]:
    """(code, QR image) listed under the heading that starts with `heading`."""
    section = out.split(heading, 1)[1].split("\n", 1)[1]
    while section.startswith("  ") and not section.startswith("    "):
        section = section.split("\n", 1)[1]  # the heading's second line
    rows = []
    for line in section.splitlines():
        found = re.match(CODE, line)
        if found is None:
            break
        rows.append((found.group(1), found.group(2)))
    return rows


def url_of(out: str, label: str) -> str:
    found = re.search(rf"^  {label} +(http://\S+?)/?(?:\s|$)", out, re.M)
    assert found is not None, (label, out)
    return found.group(1)


def test_demo_loads_a_month_and_prints_where_to_look(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "demo"
    assert main(["demo", "--no-serve", "--dir", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "30 days of history" in out and "admin API token  cs_" in out
    expired = re.search(r"(\d+) gift cards expired into breakage", out)
    assert expired is not None and int(expired.group(1)) > 0  # the breakage report has rows
    for pid, _name, _role, _store, password in PEOPLE:
        assert f"{pid:<10} {password}" in out
    vouchers = printed_codes(out, "  voucher codes")
    tickets = printed_codes(out, "  e-tickets of the event DEMO-FEST")
    assert len(vouchers) == 3 and len(tickets) == 2
    for _code, image in vouchers + tickets:  # each QR as an image and as the text it holds
        assert Path(image).read_bytes()[:4] == b"\x89PNG"
        assert Path(image).with_suffix(".txt").read_text().strip()
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


def test_a_bad_demo_setting_is_named_before_anything_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CARDSVC_DEMO_KIOSK_PORT", "70000")
    assert main(["demo", "--dir", str(tmp_path / "demo")]) == 2
    err = capsys.readouterr().err
    assert "kiosk_port (CARDSVC_DEMO_KIOSK_PORT)" in err and "70000" in err
    assert not (tmp_path / "demo").exists()
    monkeypatch.delenv("CARDSVC_DEMO_KIOSK_PORT")
    assert main(["demo", "--dir", str(tmp_path / "demo"), "--gate-port", "-1"]) == 2
    assert "gate_port" in capsys.readouterr().err


@pytest.fixture
def card_slot(request: pytest.FixtureRequest) -> list[str]:
    """The demo's card reader: the agent tests' vpcd slot of the real pcscd, held by this test,
    when the test run has pcscd; else the in-process reader (pcscd may be another run's)."""
    if os.environ.get("CARDSVC_PCSCD") != "1":
        return ["--no-pcscd"]
    from tests.reader_agent.agent.test_e2e_pcscd import VPCD_PORT, wait_reader_empty

    request.getfixturevalue("pcscd_available")
    wait_reader_empty()
    return ["--vpcd-port", str(VPCD_PORT)]


@pytest.mark.slow
def test_every_printed_url_answers_and_ctrl_c_stops_everything(
    tmp_path: Path, card_slot: list[str]
) -> None:
    cmd = [sys.executable, "-m", "cardsvc.cli", "demo", "--dir", str(tmp_path / "demo"),
           *card_slot]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARDSVC_DEMO_")}
    env["PYTHONPATH"] = str(ROOT)  # this checkout's code, whatever the venv was installed from
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=env, cwd=tmp_path)  # fmt: skip
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
        assert len(urls) >= 9
        for url in urls:
            answer = httpx.get(url, timeout=10, follow_redirects=True)
            assert answer.status_code == 200, (url, answer.status_code, answer.text[:300])
        if card_slot[0] == "--no-pcscd":
            assert "on an in-process emulated reader (the demo was told not to" in out
        else:
            assert "in the real pcscd through vpcd, reader 'Virtual PCD 00 01'" in out
        base = url_of(out, "customer page")
        _the_ledger_pages_work(base, out)
        _the_store_side_works(out)
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)
    ports = {int(p) for p in re.findall(r"http://127\.0\.0\.1:(\d+)", out)}
    assert len(ports) == 5  # ledger, agent, counter, kiosk, gate: each on a port of its own
    for port in ports:  # everything it started has stopped
        with socket.socket() as s:
            assert s.connect_ex(("127.0.0.1", port)) != 0
    if card_slot[0] != "--no-pcscd":
        from tests.reader_agent.agent.test_e2e_pcscd import wait_reader_empty

        wait_reader_empty()  # the card left pcscd with the demo


def _the_ledger_pages_work(base: str, out: str) -> None:
    docs = httpx.get(base + "/docs", timeout=10).text
    assert "/docs/assets/swagger-ui-bundle.js" in docs and "cdn" not in docs.lower()
    code = printed_codes(out, "  voucher codes")[0][0]
    page = httpx.post(base + "/check", data={"q": code}, timeout=10).text
    assert "100.000 ₫" in page  # the customer page works: a QR key is configured
    with httpx.Client(base_url=base, timeout=10) as b:
        form = b.get("/admin/signin").text
        csrf = re.search(r'name="csrf" value="([^"]+)"', form)
        assert csrf is not None
        fields = {"csrf": csrf.group(1), "username": "ketoan", "password": "ketoan-demo-2026"}
        signed = b.post("/admin/signin", data=fields)
        assert signed.status_code == 303
        dashboard = b.get("/admin/finance").text
        assert "<polyline" in dashboard and "Thẻ trả trước" in dashboard


def _the_store_side_works(out: str) -> None:
    """The kiosk checks a voucher's QR and reads the emulated card; the gate admits a ticket."""
    kiosk, gate = url_of(out, "kiosk"), url_of(out, "gate")
    voucher = Path(printed_codes(out, "  voucher codes")[0][1]).with_suffix(".txt")
    ticket = Path(printed_codes(out, "  e-tickets")[0][1]).with_suffix(".txt")
    look = httpx.post(kiosk + "/look", data={"payload": voucher.read_text().strip()}, timeout=30)
    assert "Phiếu mua hàng" in look.text and "100.000 ₫" in look.text
    tap = httpx.post(kiosk + "/tap", timeout=30)
    assert t("vi", "blank_card") in tap.text  # the demo card, not issued yet
    entry = httpx.post(gate + "/scan", data={"payload": ticket.read_text().strip()}, timeout=30)
    assert f'id="headline">{t("vi", "verdict_ok")}' in entry.text
    assert t("vi", "entries_left", n=1) in entry.text
    _a_shift_opens_at_the_counter(out)


def _a_shift_opens_at_the_counter(out: str) -> None:
    """The counter's staff and PIN are printed, and open a shift (nothing sells without one)."""
    found = re.search(r"^  open a shift at the counter.*\n    (\S+) +(\d{4,8}) ", out, re.M)
    assert found is not None, out
    staff, pin = found.groups()
    counter = url_of(out, "counter POS")
    shift = httpx.get(counter + "/shift", timeout=30).text
    assert f'<option value="{staff}">' in shift
    opened = httpx.post(counter + "/shift", data={"staff": staff, "pin": pin}, timeout=30)
    assert opened.status_code == 200 and 'class="notice ok"' in opened.text, opened.text
