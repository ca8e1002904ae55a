"""Settings of the counter POS (environment prefix TERMINALS_COUNTER_, or CLI flags)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class CounterSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TERMINALS_COUNTER_", extra="ignore")

    # The reader agent's local API (loopback, on the same till).
    agent_url: str = "http://127.0.0.1:8765"
    # Where staff's browser reaches the counter: loopback by default (the till itself).
    host: str = "127.0.0.1"
    port: int = Field(8780, ge=1, le=65535)
    language: Literal["vi", "en"] = "vi"

    # The top of every receipt: the store's name, address, tax number ... (JSON list of lines;
    # empty: the store id the agent is enrolled under).
    receipt_header: list[Annotated[str, Field(max_length=48)]] = Field(
        default_factory=list, max_length=6
    )

    # How long the agent waits for the customer's tap, and how long the counter waits for the
    # agent beyond that (the agent may still be talking to the card and the ledger).
    tap_timeout_s: float = Field(15.0, gt=0, le=300)
    agent_margin_s: float = Field(15.0, gt=0, le=120)
    # Status calls (health, readers, queue, shift) must not hold a page up for long.
    status_timeout_s: float = Field(2.0, gt=0, le=30)

    # Times shown in the store's local time (Vietnam: UTC+7).
    utc_offset_h: int = Field(7, ge=-12, le=14)
    # Finished sales remembered by sale id, so a resubmitted form is answered without the agent.
    sales_remembered: int = Field(10_000, ge=1, le=1_000_000)
