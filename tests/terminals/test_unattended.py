"""The gate's and the kiosk's parts without a browser: their command line (help, settings from
the environment, a bad setting named without a traceback), every agent call is a contract
route, camera frames decoded with the project's QR library, the venue's day for counters."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import qrcode
from fastapi.testclient import TestClient

from reader_agent import contract as c
from terminals.cli import app_settings, build_parser, main
from terminals.gate.app import create_app as gate_app
from terminals.unattended.agent import UnattendedAgent
from terminals.unattended.app_parts import local_midnight
from terminals.unattended.settings import GateSettings, KioskSettings
from tests.reader_agent.contract_check import route_of

ROOT = Path(__file__).parents[2]


def test_help_names_every_app() -> None:
    done = subprocess.run([sys.executable, "-m", "terminals.cli", "--help"], cwd=ROOT,
                          capture_output=True, text=True, check=True)  # fmt: skip
    for app in ("counter", "kiosk", "gate"):
        assert app in done.stdout
    for app in ("kiosk", "gate"):
        sub = subprocess.run([sys.executable, "-m", "terminals.cli", app, "--help"], cwd=ROOT,
                             capture_output=True, text=True, check=True)  # fmt: skip
        assert "--port" in sub.stdout and "--agent" in sub.stdout


@pytest.mark.parametrize(("argv", "env", "says"), [
    (["gate", "--port", "70000"], {}, "port (TERMINALS_GATE_PORT)"),
    (["kiosk"], {"TERMINALS_KIOSK_PORT": "abc"}, "port (TERMINALS_KIOSK_PORT)"),
    (["kiosk", "--idle", "0"], {}, "idle_s (TERMINALS_KIOSK_IDLE_S)"),
    (["gate"], {"TERMINALS_GATE_LANGUAGE": "fr"}, "language (TERMINALS_GATE_LANGUAGE)"),
])  # fmt: skip
def test_a_bad_setting_is_named_without_a_traceback(
    argv: list[str], env: dict[str, str], says: str, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert says in err and "Traceback" not in err


def test_a_port_in_use_is_said_in_words() -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "terminals.cli", "gate", "--port", str(port)], cwd=ROOT,
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
    assert done.returncode != 0
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr
    assert "Traceback" not in done.stderr


def test_flags_override_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TERMINALS_KIOSK_IDLE_S", "90")
    monkeypatch.setenv("TERMINALS_KIOSK_PORT", "8790")
    args = build_parser().parse_args(["kiosk", "--port", "8791"])
    settings = app_settings(args)
    assert isinstance(settings, KioskSettings)
    assert (settings.port, settings.idle_s, settings.language) == (8791, 90.0, "vi")
    gate = app_settings(build_parser().parse_args(["gate", "--name", "Cổng A"]))
    assert isinstance(gate, GateSettings) and gate.name == "Cổng A" and gate.port == 8781


def test_every_call_of_the_gate_and_kiosk_is_a_contract_route() -> None:
    calls: list[tuple[str, str]] = []
    answers = {
        c.ADMIT: {"ok": True, "code": "ok", "mode": "online", "source": "qr", "at": 1},
        c.ADMIT_TAP: {"ok": False, "code": "passback", "mode": "online", "source": "card",
                      "at": 1},
        c.GATE: {}, c.LOOK: {"source": "qr", "code": "malformed"},
        c.LOOK_TAP: {"source": "card", "code": "ok"}, c.HEALTH: {},
    }  # fmt: skip

    def handle(request: httpx.Request) -> httpx.Response:
        calls.append((request.method, request.url.path))
        route = route_of(request.method, request.url.path)
        assert route is not None, request.url
        if route.request is not None:
            route.request.model_validate(json.loads(request.content))
        return httpx.Response(200, json=answers[route])

    http = httpx.Client(base_url="http://agent", transport=httpx.MockTransport(handle))
    agent = UnattendedAgent(http, tap_timeout_s=1, margin_s=1, status_timeout_s=1)
    agent.admit("CS1:X"), agent.admit_tap(), agent.gate(10), agent.look("CS1:X")
    agent.look_tap(), agent.health()
    reached = {route_of(m, p) for m, p in calls}
    assert reached == {c.ADMIT, c.ADMIT_TAP, c.GATE, c.LOOK, c.LOOK_TAP, c.HEALTH}


def _png_of(text: str) -> bytes:
    out = io.BytesIO()
    qrcode.make(text).save(out, format="PNG")
    return out.getvalue()


def test_a_camera_frame_is_decoded_by_the_app() -> None:
    app = gate_app(GateSettings(agent_url="http://127.0.0.1:9", frame_max_bytes=200_000))
    with TestClient(app) as client:
        found = client.post("/frame", content=_png_of("CS1:HELLO GATE"))
        assert found.json() == {"text": "CS1:HELLO GATE"}
        blank = io.BytesIO()
        from PIL import Image

        Image.new("L", (64, 64), 255).save(blank, format="PNG")
        assert client.post("/frame", content=blank.getvalue()).json() == {"text": None}
        assert client.post("/frame", content=b"not an image").status_code == 422
        assert client.post("/frame", content=b"x" * 300_000).status_code == 413


def test_counters_count_from_the_venues_midnight() -> None:
    # 2026-12-02 00:30 in Vietnam (UTC+7) is 2026-12-01 17:30 UTC
    now = 1_764_610_200
    assert local_midnight(now, 7) == now - 30 * 60
    assert local_midnight(now, 0) == 1_764_547_200  # 2026-12-01 00:00 UTC
