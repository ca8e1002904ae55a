"""The ledger service as it runs in production: uvicorn (uvloop + httptools) in a subprocess on a
free loopback port, with the group committer, over a database URL."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

START_TIMEOUT_S = 60.0  # imports and start-up on a busy 2-core machine
STOP_TIMEOUT_S = 15.0
START_ATTEMPTS = 3  # a free port can be taken by someone else before uvicorn binds it


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _command(port: int) -> list[str]:
    return [
        sys.executable, "-m", "uvicorn", "cardsvc.api.app:create_app", "--factory",
        "--host", "127.0.0.1", "--port", str(port), "--loop", "uvloop", "--http", "httptools",
        "--log-level", "warning", "--no-access-log",
    ]  # fmt: skip


def _ready(process: subprocess.Popen[bytes], base_url: str) -> bool:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(base_url + "/v1/health", timeout=2.0).status_code == 200:
                return True
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    return False


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=STOP_TIMEOUT_S)


@contextmanager
def serve(database_url: str, workdir: Path, name: str) -> Iterator[str]:
    """Run one ledger server on `database_url` (already migrated); yield its base URL."""
    env = {**os.environ, "CARDSVC_DATABASE_URL": database_url}
    log_path = workdir / f"{name}.log"
    for _ in range(START_ATTEMPTS):
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        with log_path.open("ab") as log:
            process = subprocess.Popen(
                _command(port), env=env, cwd=workdir, stdout=log, stderr=subprocess.STDOUT
            )
        if _ready(process, base_url):
            break
        _stop(process)
    else:
        raise RuntimeError(f"the ledger server did not start: {log_path.read_text()[-2000:]}")
    try:
        yield base_url
    finally:
        _stop(process)
