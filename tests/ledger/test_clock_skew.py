"""The settings' clock-skew window is the one enforced, against the ledger's real clock: a
terminal 30 s ahead is served (the signature library's own 5-second limit no longer runs
first), and every signed answer tells the terminal its skew (Clock-Skew header)."""

from __future__ import annotations

import time

import pytest

from tests.ledger.signed import batch_body, send, sign
from tests.ledger.world import Clock, Till, World, expect


@pytest.fixture
def clock() -> Clock:
    """The wall clock: the library under test reads it too."""
    return Clock(int(time.time()))


def _spend(till: Till) -> bytes:
    return batch_body([till.tx("top_up", "C1", 1_000)])


def test_a_terminal_ahead_within_the_window_is_served_and_told_its_skew(
    world: World, till: Till
) -> None:
    till.do("issue", "C1", 10_000, program="PREPAID")
    window = world.settings.signature_window_s
    for ahead in (30, window - 5, -(window - 5)):
        created = int(time.time()) + ahead
        world.clock.now = created - ahead
        answer = send(world, sign(world, till.signer, "T1", "/v1/batches", _spend(till),
                                  created=created))  # fmt: skip
        assert expect(answer)["results"][0]["code"] == "ok"
        assert abs(int(answer.headers["Clock-Skew"]) - ahead) <= 1


def test_a_terminal_past_the_window_is_refused_and_told_by_how_much(
    world: World, till: Till
) -> None:
    till.do("issue", "C1", 10_000, program="PREPAID")
    window = world.settings.signature_window_s
    for ahead, code in ((window + 60, "future_request"), (-(window + 60), "stale_request")):
        world.clock.now = int(time.time())
        request = sign(world, till.signer, "T1", "/v1/batches", _spend(till),
                       created=world.clock.now + ahead)  # fmt: skip
        answer = send(world, request)
        body = expect(answer, 401)
        assert body["error"] == code and f"at most {window} s" in body["detail"]
        assert answer.headers["Clock-Skew"] == str(ahead)
    assert world.balance("C1") == 10_000
