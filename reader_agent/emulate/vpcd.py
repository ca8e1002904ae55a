"""Present an emulated card to the real pcscd through its virtual reader driver (vpcd).

The emulator is a TCP client of vpcd: connecting inserts the card, closing removes it. Every
message both ways is a 2-byte big-endian length and a payload; a 1-byte payload from vpcd is a
control code (00 power off, 01 power on, 02 reset, 04 send ATR), anything else an APDU.
vpcd writes length and payload in two send() calls, so with Nagle + delayed ACK every exchange
would stall ~40 ms: TCP_QUICKACK is set before every recv (Linux does not keep it).
"""

from __future__ import annotations

import contextlib
import logging
import select
import socket
import threading
from dataclasses import dataclass

from reader_agent.emulate.card import CardTorn, EmulatedCard

log = logging.getLogger(__name__)

VPCD_DEFAULT_PORT = 35963  # reader "Virtual PCD 00 00"; 35964 is "Virtual PCD 00 01"
CONTROL_POWER_OFF, CONTROL_POWER_ON, CONTROL_RESET, CONTROL_ATR = 0, 1, 2, 4
POLL_INTERVAL = 0.1  # how often a blocked loop looks at its stop flag
MAX_MESSAGE = 0xFFFF


@dataclass(frozen=True)
class VpcdAddress:
    host: str = "127.0.0.1"
    port: int = VPCD_DEFAULT_PORT

    @classmethod
    def parse(cls, text: str) -> VpcdAddress:
        host, sep, port = text.rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"expected HOST:PORT for vpcd, got {text!r}")
        return cls(host, int(port))


def _quickack(sock: socket.socket) -> None:
    quickack = getattr(socket, "TCP_QUICKACK", None)
    if quickack is not None:
        sock.setsockopt(socket.IPPROTO_TCP, quickack, 1)


class _Closed(Exception):
    pass


class VpcdCardLink:
    """Keeps `card` inserted in a vpcd slot until stopped; re-inserts it after a tear."""

    def __init__(
        self, card: EmulatedCard, address: VpcdAddress, reinsert_delay: float = 0.3
    ) -> None:
        self.card = card
        self.address = address
        self.reinsert_delay = reinsert_delay
        self._stop = threading.Event()
        self._present = threading.Event()
        self._present.set()
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self.connected = threading.Event()

    # --- control (thread-safe) -----------------------------------------------------------------
    def start(self) -> VpcdCardLink:
        self._thread = threading.Thread(target=self.run, name="vpcd-card", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._present.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def remove(self) -> None:
        """Take the card away (until insert())."""
        self._present.clear()
        self._close()

    def insert(self) -> None:
        self._present.set()

    # --- the link ------------------------------------------------------------------------------
    def run(self) -> None:
        while not self._stop.is_set():
            self._present.wait()
            if self._stop.is_set():
                break
            try:
                self._serve_one_insertion()
            except OSError as exc:
                log.info("vpcd %s:%d: %s", self.address.host, self.address.port, exc)
            self._close()
            self._stop.wait(self.reinsert_delay)

    def _serve_one_insertion(self) -> None:
        sock = socket.create_connection((self.address.host, self.address.port), timeout=2.0)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._sock = sock
        self.card.power_off()
        self.connected.set()
        try:
            while not self._stop.is_set() and self._present.is_set():
                if not select.select([sock], [], [], POLL_INTERVAL)[0]:
                    continue
                reply = self._handle(self._receive(sock))
                if reply is not None:
                    sock.sendall(len(reply).to_bytes(2, "big") + reply)
        except (_Closed, CardTorn) as why:
            log.info("vpcd card left the reader: %s", why or "closed by vpcd")
        finally:
            self.connected.clear()
            self.card.power_off()

    def _receive(self, sock: socket.socket) -> bytes:
        length = int.from_bytes(self._exactly(sock, 2), "big")
        return self._exactly(sock, length)

    def _exactly(self, sock: socket.socket, count: int) -> bytes:
        chunks, missing = [], count
        while missing:
            _quickack(sock)
            chunk = sock.recv(missing)
            if not chunk:
                raise _Closed()
            chunks.append(chunk)
            missing -= len(chunk)
        return b"".join(chunks)

    def _handle(self, message: bytes) -> bytes | None:
        if len(message) == 1 and message[0] in (CONTROL_POWER_OFF, CONTROL_POWER_ON, CONTROL_RESET):
            self.card.power_off()
            return None
        if len(message) == 1 and message[0] == CONTROL_ATR:
            return self.card.atr
        # everything else is an APDU, a 1-byte native DESFire frame included
        response = self.card.process(message)
        if len(response) > MAX_MESSAGE:
            raise ValueError("response too long for a vpcd message")
        return response

    def _close(self) -> None:
        sock, self._sock = self._sock, None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
