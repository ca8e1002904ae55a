"""Rigs for the gate and kiosk browser tests: an agent of the venue (in-process over a virtual or
pcscd reader, or as a real `reader-agent run` process), the gate or kiosk app over it, and a
headless Chromium page. Every agent answer the apps receive is checked against the contract."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

from reader_agent.drivers.base import Reader
from terminals.gate.app import create_app as gate_app
from terminals.kiosk.app import create_app as kiosk_app
from terminals.unattended.settings import GateSettings, KioskSettings
from tests.reader_agent.agent.conftest import PASSPHRASE, free_port
from tests.reader_agent.contract_check import ContractWatch
from tests.support import serving
from tests.terminals.venue import Readers, Terminal, Venue, agent_api, terminal

WIDE: Any = {"width": 1280, "height": 800}
PHONE: Any = {"width": 390, "height": 844}


@dataclass
class Rig:
    terminal: Terminal
    agent_url: str
    app_url: str
    watch: ContractWatch


def _app_http(agent_url: str, watch: ContractWatch) -> httpx.Client:
    return httpx.Client(base_url=agent_url, event_hooks=watch.hooks())


AppOf = Callable[[str, httpx.Client], FastAPI]  # (agent URL, client for it) -> the app


@contextmanager
def _rig(place: Venue, terminal_id: str, reader: Reader | Readers, app_of: AppOf,
         agent: dict[str, Any] | None = None) -> Iterator[Rig]:  # fmt: skip
    """An enrolled agent over `reader` serving its API, and the app `app_of` makes over it."""
    t = terminal(place, terminal_id, reader, **(agent or {}))
    try:
        with agent_api(t) as (agent_url, watch):
            app = app_of(agent_url, _app_http(agent_url, watch))
            with serving(app) as url:
                yield Rig(t, agent_url, url, watch)
    finally:
        t.runtime.stop()


def gate_rig(
    place: Venue,
    terminal_id: str,
    reader: Reader | Readers,
    agent: dict[str, Any] | None = None,
    **changes: Any,
) -> AbstractContextManager[Rig]:
    """`agent`: settings of the gate's agent; `changes`: the gate app's."""

    def app_of(agent_url: str, http: httpx.Client) -> FastAPI:
        return gate_app(GateSettings(agent_url=agent_url, tap_timeout_s=5, **changes), http)

    return _rig(place, terminal_id, reader, app_of, agent)


def kiosk_rig(
    place: Venue, terminal_id: str, reader: Reader | Readers, **changes: Any
) -> AbstractContextManager[Rig]:
    def app_of(agent_url: str, http: httpx.Client) -> FastAPI:
        return kiosk_app(KioskSettings(agent_url=agent_url, tap_timeout_s=5, **changes), http)

    return _rig(place, terminal_id, reader, app_of)


@contextmanager
def card_in_pcscd(card: Any) -> Iterator[Readers]:
    """`card` in the vpcd slot of the real pcscd (the agent tests' second slot); the agent's
    reader opener and lister for it. Hold `pcscd_available` first (one test at a time)."""
    from reader_agent.agent.wiring import pcsc_reader_opener
    from reader_agent.emulate.vpcd import VpcdAddress, VpcdCardLink
    from tests.reader_agent.agent.test_e2e_pcscd import VPCD_PORT, VPCD_READER, wait_reader_empty

    wait_reader_empty()
    link = VpcdCardLink(card, VpcdAddress("127.0.0.1", VPCD_PORT), 0.3).start()
    try:
        yield pcsc_reader_opener(VPCD_READER)
    finally:
        link.stop()
        wait_reader_empty()


def qr_video(text: str, path: Path, frames: int = 5) -> Path:
    """A Y4M video (what Chromium's fake camera plays) of the QR code of `text`: 640x480,
    the code in the middle of a white frame, 4:2:0 with neutral colour planes."""
    import qrcode
    from PIL import Image

    width, height = 640, 480
    code = qrcode.make(text, border=4).get_image().convert("L")
    side = min(height - 40, code.width * max(1, (height - 40) // code.width))
    frame = Image.new("L", (width, height), 255)
    frame.paste(code.resize((side, side), Image.Resampling.NEAREST),
                ((width - side) // 2, (height - side) // 2))  # fmt: skip
    chroma = bytes([128]) * (width // 2 * height // 2)
    body = b"".join(b"FRAME\n" + frame.tobytes() + chroma + chroma for _ in range(frames))
    path.write_bytes(f"YUV4MPEG2 W{width} H{height} F5:1 Ip A1:1 C420jpeg\n".encode() + body)
    return path


def new_page(browser: Any, url: str, viewport: Any = WIDE, lang: str = "vi") -> Any:
    page = browser.new_page(viewport=viewport)
    page.set_default_timeout(20_000)
    page.goto(f"{url}/?lang={lang}")
    return page


def wedge(page: Any, text: str) -> None:
    """A keyboard-wedge scanner: fast keystrokes wherever the focus is, then Enter."""
    page.locator("body").click(position={"x": 5, "y": 300})  # focus away from the field
    page.keyboard.type(text)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def fits(page: Any) -> bool:
    """Nothing wider than the screen (no sideways scrolling)."""
    return bool(page.evaluate(
        "document.scrollingElement.scrollWidth <= window.innerWidth"
    ))  # fmt: skip


class AgentProcess:
    """`reader-agent run` over a terminal's data directory: a real process to kill -9."""

    def __init__(self, t: Terminal) -> None:
        self.t = t
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        s = self.t.settings
        env = {**os.environ, "READER_AGENT_DATA_DIR": str(s.data_dir),
               "READER_AGENT_SYNC_BATCH": "1", "READER_AGENT_SYNC_INTERVAL_S": "0.05",
               "READER_AGENT_SYNC_BACKOFF_MAX_S": "0.2",
               "READER_AGENT_API_PORT": str(self.port), "READER_AGENT_READER": "no such reader",
               "CARDKEYS_FILE": str(self.t.keystore.path),
               "CARDKEYS_PASSPHRASE": PASSPHRASE}  # fmt: skip
        command = [sys.executable, "-m", "reader_agent.cli", "run"]
        self.proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE)  # fmt: skip
        deadline = time.monotonic() + 30
        while True:
            assert self.proc.poll() is None, self.proc.stderr.read() if self.proc.stderr else ""
            try:
                if httpx.get(self.url + "/v1/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "the agent process did not start"
            time.sleep(0.1)

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)
        self.proc = None

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(10)
            self.proc = None
