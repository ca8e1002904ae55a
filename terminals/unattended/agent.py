"""The reader agent's local API as the gate and the kiosk use it: the counter's client (same
transport, same error codes) plus admissions, the gate's counters and customer look-ups."""

from __future__ import annotations

from reader_agent import contract as c
from terminals.counter.agent_client import AgentClient, AgentError

__all__ = ["AgentError", "UnattendedAgent"]


class UnattendedAgent(AgentClient):
    def admit(self, payload: str) -> c.Admission:
        return self._ask(c.ADMIT, {"payload": payload}, self._op_timeout)

    def admit_tap(self) -> c.Admission:
        return self._ask(c.ADMIT_TAP, {"timeout_s": self.tap_timeout_s}, self._op_timeout)

    def gate(self, since: int) -> c.GateStatus:
        # GATE's one parameter travels in the query string (a GET has no body)
        path = f"{c.GATE.url()}?since={max(0, int(since))}"
        return self._parse(c.GateStatus, self._call("GET", path, None, self._status_timeout))

    def look(self, payload: str) -> c.Look:
        return self._ask(c.LOOK, {"payload": payload}, self._op_timeout)

    def look_tap(self) -> c.Look:
        return self._ask(c.LOOK_TAP, {"timeout_s": self.tap_timeout_s}, self._op_timeout)
