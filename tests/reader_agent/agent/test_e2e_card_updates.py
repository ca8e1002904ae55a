"""End to end through the real pcscd with the emulated DESFire card: a staff adjustment made
at the ledger is written to the purse at the card's next tap at another terminal (its own
agent, key and queue), exactly once; the first terminal then sees card and ledger agree."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from keys.file_keystore import FileKeystore
from reader_agent.agent.api import create_api
from reader_agent.agent.settings import AgentSettings
from reader_agent.agent.wiring import AgentRuntime
from tests.reader_agent.contract_check import ContractWatch

from .conftest import INSTRUMENT, Chain, another_terminal
from .test_e2e_pcscd import VPCD_READER, CardInVpcd, call

# The e2e module's fixtures, used here by name: its card in vpcd, its agent and API.
from .test_e2e_pcscd import api as api
from .test_e2e_pcscd import card as card
from .test_e2e_pcscd import pcsc_runtime as pcsc_runtime

pytestmark = pytest.mark.pcscd


@pytest.fixture
def other_api(
    chain: Chain, keystore: FileKeystore, agent_settings: AgentSettings, card: CardInVpcd
) -> Iterator[tuple[AgentRuntime, TestClient]]:
    rt = another_terminal(chain, keystore, agent_settings, None, "S1-POS2",
                          pcsc_reader=VPCD_READER)  # fmt: skip
    watch = ContractWatch()
    client = TestClient(create_api(rt))
    client.event_hooks = watch.hooks()
    yield rt, client
    rt.stop()
    watch.assert_clean()


def test_an_adjustment_is_written_at_the_next_tap_at_another_terminal(
    api: TestClient, other_api: tuple[AgentRuntime, TestClient], chain: Chain,
    pcsc_runtime: AgentRuntime,
) -> None:
    issued = call(api, "/v1/issue", {"program": "PREPAID", "amount": 200_000})
    assert (issued["code"], issued["card_value"]) == ("ok", 200_000)
    got = chain.post("/v1/card-updates", {"id": "adj-e2e", "instrument": INSTRUMENT,
                                          "kind": "adjustment", "amount": 30_000})  # fmt: skip
    assert got["update"] == "cu-adj-e2e" and chain.balance() == 230_000
    other, other_client = other_api
    other.syncer.refresh_hotlist()
    view = call(other_client, "/v1/tap", {})
    assert [(u["amount"], u["code"]) for u in view["updates"]] == [(30_000, "ok")]  # type: ignore[index,union-attr]
    assert (view["card_value"], view["agree"]) == (230_000, True)
    again = call(other_client, "/v1/tap", {})  # written once: nothing more at the next tap
    assert (again["updates"], again["card_value"]) == ([], 230_000)
    pcsc_runtime.syncer.refresh_hotlist()
    sale = call(api, "/v1/redeem", {"amount": 30_000})  # back at the first terminal
    assert (sale["code"], sale["card_value"], sale["ledger_balance"]) == ("ok", 200_000,
                                                                         200_000)
    assert chain.alerts() == []
    updates = chain.get(f"/v1/instruments/{INSTRUMENT}/card-updates")["updates"]
    assert [(u["id"], u["state"]) for u in updates] == [("cu-adj-e2e", "written")]
