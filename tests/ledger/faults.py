"""Tools of the fault campaigns: a ledger server that can be killed with SIGKILL (every worker
at once) and started again on the same port, terminals that behave like the reader agent's
outbox (a transaction is sent again, same id and sequence, until the ledger answers it), and a
dedicated PostgreSQL server a campaign may stop and start.

Every loop here is bounded in count and time, and every process is stopped by its owner."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from cardsvc.protocol.client import LedgerClient, LedgerRefused, enroll
from cardsvc.protocol.messages import TransactionMsg
from cardsvc.protocol.signing import InMemorySigner
from tests.support import free_port

START_TIMEOUT_S = 60.0
RESEND_PAUSE_S = 0.1


class KillableServer:
    """`cardsvc` under uvicorn (uvloop, httptools) with `workers` processes on a fixed port,
    in its own process group, so SIGKILL takes the master and every worker at once."""

    def __init__(self, database_url: str, workdir: Path, workers: int = 1) -> None:
        self.database_url, self.workdir, self.workers = database_url, workdir, workers
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        assert self.process is None
        env = {**os.environ, "CARDSVC_DATABASE_URL": self.database_url}
        command = [sys.executable, "-m", "uvicorn", "cardsvc.api.app:create_app", "--factory",
                   "--host", "127.0.0.1", "--port", str(self.port), "--workers",
                   str(self.workers), "--loop", "uvloop", "--http", "httptools",
                   "--log-level", "warning", "--no-access-log"]  # fmt: skip
        with (self.workdir / "server.log").open("ab") as log:
            self.process = subprocess.Popen(
                command,
                env=env,
                cwd=self.workdir,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own group: one SIGKILL takes every worker
            )
        self.starts += 1
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                if httpx.get(self.url + "/v1/health", timeout=2.0).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        log_text = (self.workdir / "server.log").read_text(errors="replace")[-3000:]
        self.kill()
        raise RuntimeError(f"the ledger server did not start: {log_text}")

    def kill(self) -> None:
        """SIGKILL to the whole process group: no shutdown, no flush, no goodbye."""
        if self.process is None:
            return
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        self.process = None

    def log(self) -> str:
        return (self.workdir / "server.log").read_text(errors="replace")


@contextmanager
def running(server: KillableServer) -> Iterator[KillableServer]:
    server.start()
    try:
        yield server
    finally:
        server.kill()


def new_terminal(http: httpx.Client, admin: dict[str, str], terminal_id: str,
                 store: str = "S1") -> InMemorySigner:  # fmt: skip
    body = {"id": terminal_id, "store_id": store, "name": terminal_id}
    created = http.post("/v1/terminals", json=body, headers=admin)
    assert created.status_code == 201, created.text
    signer = InMemorySigner(Ed25519PrivateKey.generate())
    enroll(http, terminal_id, created.json()["enrollment_code"], signer)
    return signer


@dataclass
class OutboxTerminal:
    """A terminal that keeps each transaction until the ledger answers it: the reader agent's
    outbox. `told` is what the ledger answered, per transaction id (the acknowledgement)."""

    terminal_id: str
    signer: InMemorySigner
    base_url: str
    told: dict[str, tuple[str, TransactionMsg]] = field(default_factory=dict)
    statuses: list[int] = field(default_factory=list)  # every non-2xx status met on the way
    transport_errors: int = 0
    seq: int = 0

    def next_tx(self, op: str, instrument: str, amount: int, **fields: object) -> TransactionMsg:
        self.seq += 1
        return TransactionMsg(id=f"{self.terminal_id}-{self.seq}", seq=self.seq, op=op,
                              instrument=instrument, amount=amount, **fields)  # type: ignore[arg-type]  # fmt: skip

    def deliver(self, tx: TransactionMsg, give_up_at: float) -> bool:
        """Send `tx` until answered (True) or `give_up_at` passes (False)."""
        while time.monotonic() < give_up_at:
            try:
                with httpx.Client(base_url=self.base_url, timeout=10.0) as http:
                    result = LedgerClient(http, self.terminal_id, self.signer).submit([tx])
                self.told[tx.id] = (result.results[0].code, tx)
                return True
            except LedgerRefused as exc:
                self.statuses.append(exc.status)
                if exc.status < 500:
                    raise  # a refusal is an answer the campaign does not expect
            except httpx.TransportError:
                self.transport_errors += 1
            time.sleep(RESEND_PAUSE_S)
        return False


class Repeater:
    """Run `action` on a thread every `every_s` seconds until stopped (bounded by `until`)."""

    def __init__(self, action: object, every_s: float, until: float) -> None:
        self._action, self._every, self._until = action, every_s, until
        self._stop = threading.Event()
        self.errors: list[BaseException] = []
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set() and time.monotonic() < self._until:
            try:
                self._action()  # type: ignore[operator]
            except BaseException as exc:
                self.errors.append(exc)
                return
            self._stop.wait(self._every)

    def __enter__(self) -> Repeater:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=120)


class DedicatedPostgres:
    """A PostgreSQL server of the campaign's own (initdb in a temporary folder): the shared
    test server is never stopped. Needs the Debian packages scripts/test.sh uses."""

    def __init__(self) -> None:
        found = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
        self.bin = found[-1] if found else Path(shutil.which("initdb") or "initdb").parent
        self.dir = Path(tempfile.mkdtemp(prefix="cardsvc-faultpg-"))
        self.port = free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _as_postgres(self, *args: str) -> None:
        command = [str(a) for a in args]
        if os.getuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def init(self) -> None:
        if os.getuid() == 0:
            shutil.chown(self.dir, "postgres")
        self._as_postgres(self.bin / "initdb", "-D", str(self.dir / "data"), "-U", "postgres",
                          "-A", "trust", "-E", "UTF8", "--no-sync")  # fmt: skip

    def start(self) -> None:
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.dir} -c fsync=on"
        self._as_postgres(self.bin / "pg_ctl", "-D", str(self.dir / "data"), "-l",
                          str(self.dir / "server.log"), "-w", "-o", options, "start")  # fmt: skip

    def stop(self, mode: str = "immediate") -> None:
        self._as_postgres(self.bin / "pg_ctl", "-D", str(self.dir / "data"), "-m", mode, "-w",
                          "stop")  # fmt: skip

    def remove(self) -> None:
        with suppress(subprocess.CalledProcessError):
            self.stop("fast")
        shutil.rmtree(self.dir, ignore_errors=True)

    @staticmethod
    def available() -> bool:
        return bool(sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb")) or
                    shutil.which("initdb"))  # fmt: skip
