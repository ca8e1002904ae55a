"""Checks that what the reader agent answers is what reader_agent.contract describes: every
answer of every route round-trips through its model (no undescribed field, no field left out,
no value coerced), every error is an ErrorAnswer the route declares, with its contract status.

`ContractWatch` is an httpx response hook: give it to any client that talks to the agent (the
agent tests' TestClient, the counter's client in the end-to-end tests) and assert at the end
that it saw no violation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import httpx

from reader_agent.contract import (
    ERROR_STATUS,
    REQUEST_REFUSED_STATUS,
    ROUTES,
    ErrorAnswer,
    Route,
)


def route_of(method: str, path: str) -> Route[Any] | None:
    for route in ROUTES:
        pattern = re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(route.path))
        if route.method == method and re.fullmatch(pattern, path):
            return route
    return None


def check_answer(method: str, path: str, status: int, body: Any) -> None:
    """AssertionError (or pydantic's ValidationError) when the answer is not the contract's."""
    route = route_of(method, path)
    assert route is not None, f"{method} {path} is not a route of the contract"
    if status == 200:
        answer = route.answer.model_validate(body)
        again = answer.model_dump(mode="json", exclude_unset=route.omits_unset)
        assert again == body, f"{method} {path}: {body} is not exactly a {route.answer.__name__}"
        return
    if status == REQUEST_REFUSED_STATUS and isinstance(body, dict) and "error" not in body:
        assert isinstance(body.get("detail"), list), f"{method} {path}: {body}"
        return  # FastAPI's own request validation
    error = ErrorAnswer.model_validate(body)
    assert error.model_dump(mode="json") == body, f"{method} {path}: {body}"
    assert error.error in route.errors, f"{method} {path} does not declare {error.error}"
    assert ERROR_STATUS[error.error] == status, f"{error.error} answered with HTTP {status}"


@dataclass
class ContractWatch:
    """Checks every agent answer a client receives; keeps what went wrong."""

    seen: set[str] = field(default_factory=set)  # "METHOD /path/template" of checked answers
    violations: list[str] = field(default_factory=list)

    def __call__(self, response: httpx.Response) -> None:
        response.read()
        request = response.request
        try:
            check_answer(request.method, request.url.path, response.status_code,
                         response.json())  # fmt: skip
        except Exception as exc:  # a violation is recorded, whatever form it takes
            self.violations.append(f"{request.method} {request.url.path}: {exc}")
        route = route_of(request.method, request.url.path)
        if route is not None:
            self.seen.add(f"{route.method} {route.path}")

    def hooks(self) -> dict[str, list[Any]]:
        return {"response": [self]}

    def assert_clean(self) -> None:
        assert not self.violations, "answers outside the contract:\n" + "\n".join(self.violations)
