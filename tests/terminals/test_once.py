"""A sale id runs once at a time; a success is answered from memory; the memory is bounded."""

from __future__ import annotations

import threading

import pytest

from reader_agent.contract import OperationResult
from terminals.counter.once import Once, SaleIdReused, SaleMemory

from .fake_agent import tap_result


def answer(code: str = "ok") -> OperationResult:
    return OperationResult.model_validate(tap_result(code))


def test_a_racing_duplicate_waits_and_gets_the_first_result() -> None:
    memory, calls = SaleMemory(100), []
    entered, release = threading.Event(), threading.Event()

    def charge() -> OperationResult:
        calls.append(1)
        entered.set()
        assert release.wait(10)
        return answer()

    results: list[Once] = []
    first = threading.Thread(target=lambda: results.append(memory.run("s1", "c", charge)))
    first.start()
    assert entered.wait(10)  # the first submission is at the card
    others = [threading.Thread(target=lambda: results.append(memory.run("s1", "c", charge)))
              for _ in range(7)]  # fmt: skip
    for thread in others:
        thread.start()
    release.set()
    for thread in [first, *others]:
        thread.join(10)
    assert len(calls) == 1 and len(results) == 8
    assert sorted(r.repeated for r in results) == [False] + [True] * 7
    assert {r.answer.tx_id for r in results} == {"tx-1"}


def test_only_successes_are_remembered() -> None:
    memory, calls = SaleMemory(100), []

    def attempt(code: str) -> OperationResult:
        calls.append(code)
        return answer(code)

    assert not memory.run("s1", "c", lambda: attempt("card_removed")).repeated
    assert memory.run("s1", "c", lambda: attempt("ok")).answer.code == "ok"
    again = memory.run("s1", "c", lambda: attempt("ok"))
    assert again.repeated and calls == ["card_removed", "ok"]


def test_an_error_leaves_the_sale_open() -> None:
    memory = SaleMemory(100)

    def broken() -> OperationResult:
        raise RuntimeError("agent gone")

    with pytest.raises(RuntimeError):
        memory.run("s1", "c", broken)
    assert not memory.run("s1", "c", answer).repeated


def test_a_sale_id_with_other_content_is_refused() -> None:
    memory = SaleMemory(100)
    memory.run("s1", ("redeem", 50_000), answer)
    with pytest.raises(SaleIdReused):
        memory.run("s1", ("redeem", 60_000), answer)


def test_memory_is_bounded_and_forgets_the_oldest() -> None:
    memory = SaleMemory(3)
    for n in range(10):
        memory.run(f"s{n}", "c", answer)
    assert len(memory) == 3
    assert memory.run("s9", "c", answer).repeated
    assert not memory.run("s0", "c", answer).repeated
