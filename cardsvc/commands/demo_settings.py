"""Settings of `cardsvc demo` (environment prefix CARDSVC_DEMO_, or its flags): where it keeps
its folder, where each part of the product listens (0: a free port, the default, so a demo
never collides with what already runs), and which card reader its emulated card goes into."""

from __future__ import annotations

import socket
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

FREE = 0  # a port of 0: the demo takes a free one
VPCD_FIRST_PORT = 35963  # vpcd's first slot, "Virtual PCD 00 00"; the next slot is one port up
PortSetting = Field(FREE, ge=0, le=65_535)


class DemoSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CARDSVC_DEMO_", extra="ignore")

    dir: Path = Path("var/demo")  # recreated on every run
    host: str = Field("127.0.0.1", min_length=1, max_length=253)
    port: int = PortSetting  # the ledger: API, back office, customer page, /docs
    agent_port: int = PortSetting  # the reader agent's local API
    counter_port: int = PortSetting
    kiosk_port: int = PortSetting
    gate_port: int = PortSetting
    # The emulated DESFire card goes into this vpcd slot of the machine's pcscd when pcscd
    # runs with vpcd and the slot is empty; otherwise into an in-process emulated reader.
    vpcd_port: int = Field(VPCD_FIRST_PORT, ge=1, le=65_535)
    pcscd: bool = True  # false: always the in-process emulated reader

    @property
    def vpcd_reader(self) -> str:
        """The name pcscd gives the vpcd slot at `vpcd_port`."""
        return f"Virtual PCD 00 {self.vpcd_port - VPCD_FIRST_PORT:02d}"


def port_or_free(host: str, port: int) -> int:
    """`port`, or a port free on `host` now when it is 0 (the servers bind it right after)."""
    if port != FREE:
        return port
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])
