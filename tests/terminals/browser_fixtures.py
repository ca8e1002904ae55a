"""The fixtures the terminals' browser tests share: headless Chromium (optionally with a fake
camera playing a video), and the venue of the gate and kiosk tests. A test module takes a
fixture with `from tests.terminals.browser_fixtures import browser as browser`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.support import chromium as headless_chromium
from tests.terminals.venue import Venue, venue

# a kiosk plays its sounds without a click first, as kiosk browsers are set up to
AUTOPLAY = "--autoplay-policy=no-user-gesture-required"


@contextmanager
def chromium(camera: Path | None = None) -> Iterator[Any]:
    """Headless Chromium; with `camera`, its fake camera plays that Y4M video."""
    args = [AUTOPLAY]
    if camera is not None:
        args += ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
                 f"--use-file-for-fake-video-capture={camera}"]  # fmt: skip
    with headless_chromium(*args) as launched:
        yield launched


@pytest.fixture
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def place(tmp_path: Path) -> Iterator[Venue]:
    """The venue: the real ledger with an e-ticket event whose gates are G1 and KIOSK1."""
    with venue(tmp_path) as v:
        yield v
