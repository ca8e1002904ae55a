"""Settings of the gate (TERMINALS_GATE_*) and the kiosk (TERMINALS_KIOSK_*), or CLI flags."""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class UnattendedSettings(BaseSettings):
    # The reader agent's local API (loopback, on the same device).
    agent_url: str = "http://127.0.0.1:8765"
    # Where the device's browser reaches the app: loopback by default (the device itself).
    host: str = "127.0.0.1"
    port: int = Field(8781, ge=1, le=65535)
    language: Literal["vi", "en"] = "vi"
    # How long the agent waits for a tap, and how long the app waits for the agent beyond it.
    tap_timeout_s: float = Field(15.0, gt=0, le=300)
    agent_margin_s: float = Field(15.0, gt=0, le=120)
    status_timeout_s: float = Field(2.0, gt=0, le=30)
    # Times shown (and the gate's day for its counters) in the venue's local time (UTC+7).
    utc_offset_h: int = Field(7, ge=-12, le=14)
    # Camera frames sent to the app for decoding: the largest accepted, in bytes.
    frame_max_bytes: int = Field(2_000_000, ge=10_000, le=20_000_000)


class GateSettings(UnattendedSettings):
    model_config = SettingsConfigDict(env_prefix="TERMINALS_GATE_", extra="ignore")

    port: int = Field(8781, ge=1, le=65535)
    # How long the green or red answer stays before the gate is ready for the next ticket.
    answer_s: float = Field(3.0, gt=0, le=60)
    # Name shown on the gate's screen (e.g. "Cổng A"); the terminal id when empty.
    name: str = Field("", max_length=60)


class KioskSettings(UnattendedSettings):
    model_config = SettingsConfigDict(env_prefix="TERMINALS_KIOSK_", extra="ignore")

    port: int = Field(8782, ge=1, le=65535)
    # Back to the start screen after this long without a touch or a key.
    idle_s: float = Field(60.0, ge=1, le=3600)
