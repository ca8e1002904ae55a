"""The counter speaks reader_agent.contract and nothing else: every call goes to a contract
route with the contract's method, the bodies its screens build are what the agent's request
models accept, its fake agent answers what the real one may, and no front-end module declares
an agent shape or path of its own."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from reader_agent import contract as c
from terminals.counter.agent_client import AgentClient
from terminals.counter.screens.sales import OPERATIONS, Operation, Programs, SaleForm, validate
from terminals.counter.text import has
from tests.reader_agent.contract_check import ContractWatch, check_answer, route_of

from .fake_agent import FakeAgent, answer_of, receipt, tap_result

TERMINALS = Path(__file__).parents[2] / "terminals"
UNATTENDED = {c.ADMIT, c.ADMIT_TAP, c.GATE, c.LOOK, c.LOOK_TAP}


def ask_everything(client: AgentClient) -> None:
    """Every status call of the counter's status bar and shift screen."""
    client.health()
    client.readers()
    client.queue()
    client.shift()
    client.open_shift("NV01", "1234")
    client.staff()
    client.shift_report()
    client.close_shift("NV01", "1234")
    client.programs()
    client.receipts(number="000001")


def test_every_call_of_the_client_is_a_contract_route() -> None:
    fake = FakeAgent()
    for route in c.OPERATIONS.values():
        fake.answer(route.path)
    fake.card = {"kind": "blank", "uid": "04A1B2C3D4E581", "instrument": "card-04A1B2C3D4E581"}
    fake.results["tx-1"] = tap_result()
    client = AgentClient(fake.http(), tap_timeout_s=1, margin_s=1, status_timeout_s=1)
    ask_everything(client)
    client.tap()
    client.result("tx-1")
    for op in c.OPERATIONS:
        client.operate(op, {"amount": 1_000})
    fake.receipts.append(receipt())
    client.receipt("tx-1")
    client.quote("7KQH-M2XC-9RTB-W4NA-P", 200_000)
    client.redeem_code("7KQH-M2XC-9RTB-W4NA-P", 200_000, 50_000, "code-1")
    client.sell_code("7KQH-M2XC-9RTB-W4NA-P", "sell-1")
    client.void("tx-1", "void-1")
    for route, op in ((c.PURCHASE, "purchase"), (c.ADJUST_POINTS, "award"),
                      (c.REWARD, "reward")):  # fmt: skip
        fake.rules[route.path] = lambda body, op=op: httpx.Response(200, json=tap_result(op=op))
    client.purchase({"amount": 100_000, "points": 0})
    client.adjust_points({"op": "award", "points": 10, "reason": "goodwill"})
    client.reward({"item": "coffee", "campaign": "CAFE", "points": 100, "request_id": "rw-1"})
    # the card replacement screen's calls
    uid = "04A1B2C3D4E581"
    record = {"uid": uid, "instrument": f"card-{uid}", "card_type": "desfire", "state": "active",
              "window_until": None, "created_at": 1, "changed_at": 1, "balance": 0,
              "instrument_status": "active", "program": "PREPAID", "pending_updates": 0}
    fake.reply(c.CARD.url(uid=uid), lambda body: httpx.Response(200, json=record))
    replaced = {"id": "rp-1", "instrument": f"card-{uid}", "old_uid": uid,
               "new_uid": "04B7C8D9E0F182", "reason": "lost", "store": "S1", "state": "holding",
               "created_at": 1, "window_until": 2, "held_amount": 0, "moved": None,
               "spent_late": None}
    fake.reply(c.REPLACE.path, lambda body: httpx.Response(200, json=replaced))
    assert client.card(uid).state == "active"
    assert client.replace({"old_uid": uid, "reason": "lost", "request_id": "rp-1"}).id == "rp-1"
    customer = answer_of(c.CustomerAnswer(code="ok", ok=True, customer={"id": "C1"}))
    for route in (c.CUSTOMER_LOOKUP, c.CUSTOMER_SIGN_UP):
        fake.reply(route.path, lambda body: httpx.Response(200, json=customer))
    assert client.find_customer("0909421800").ok
    assert client.sign_up_customer({"phone": "0909421800", "name": "Lan"}).customer == {
        "id": "C1"}
    called = {route_of(method, path) for method, path, _ in fake.calls}
    assert None not in called
    # every route but the agent's own sync button and the gate's and kiosk's (their own test)
    assert called == set(c.ROUTES) - {c.SYNC} - UNATTENDED


def test_the_fake_agent_answers_what_the_contract_describes() -> None:
    fake = FakeAgent()
    fake.answer(c.REDEEM.path)
    watch = ContractWatch()
    http = fake.http()
    http.event_hooks = watch.hooks()
    client = AgentClient(http, tap_timeout_s=1, margin_s=1, status_timeout_s=1)
    ask_everything(client)
    client.operate("redeem", {"amount": 1_000})
    client.quote("7KQH-M2XC-9RTB-W4NA-P", 200_000)
    fake.receipts.append(receipt())
    client.receipts()
    client.receipt("tx-1")
    watch.assert_clean()
    check_answer("GET", c.RESULT.url(tx_id="tx-1"), 200, tap_result())


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda o: o.slug)
def test_the_bodies_the_screens_send_are_what_the_agent_accepts(operation: Operation) -> None:
    form = SaleForm(amount="200.000", program="PREPAID", ref="tx-1")
    fields = validate("vi", operation, form, Programs([c.CardProgram(id="PREPAID")]))
    assert form.errors == []
    route = c.OPERATIONS[operation.op]
    assert route.request is not None
    route.request.model_validate({"timeout_s": 15.0, **fields})


def test_the_loyalty_bodies_are_what_the_agent_accepts() -> None:
    from terminals.counter.screens.loyalty import LoyaltyForm, adjust_fields, purchase_fields

    sale = LoyaltyForm(amount="1.200.000", points="50", excluded="200.000", paid_by="bank_card")
    fields = purchase_fields("vi", sale)
    assert sale.errors == [] and fields["tenders"] == {"bank_card": 1_200_000}
    c.PurchaseRequest.model_validate({"timeout_s": 15.0, **fields})
    adjust = LoyaltyForm(points="200", op="deduct", reason="correction")
    c.AdjustPointsRequest.model_validate({"timeout_s": 15.0, **adjust_fields("vi", adjust)})
    assert adjust.errors == []
    reward = {"item": "coffee", "campaign": "CAFE", "points": 100, "request_id": "reward-1"}
    c.RewardRequest.model_validate({"timeout_s": 15.0, **reward})  # what /loyalty/reward sends


def _modules() -> list[Path]:
    return sorted(TERMINALS.rglob("*.py"))


def test_no_front_end_declares_an_agent_path_or_answer_model() -> None:
    """Shapes and paths of the agent live in reader_agent.contract only."""
    for module in _modules():
        tree = ast.parse(module.read_text(encoding="utf-8"))
        paths = [n.value for n in ast.walk(tree)
                 if isinstance(n, ast.Constant) and isinstance(n.value, str)
                 and n.value.startswith("/v1/")]  # fmt: skip
        assert paths == [], f"{module}: agent paths {paths}"
        models = [n.name for n in ast.walk(tree) if isinstance(n, ast.ClassDef)
                  and any(ast.unparse(b).endswith("BaseModel") for b in n.bases)]  # fmt: skip
        assert models == [], f"{module}: its own pydantic models {models}"


def test_every_error_of_the_agent_has_a_message_for_staff() -> None:
    # not_found only answers the results screen, which says result_not_found
    shown = set(c.ErrorCode) - {c.ErrorCode.NOT_FOUND}
    assert [code.value for code in shown if not has(code.value)] == []
    assert has("result_not_found")


# The contract's own modules (reader_agent.contract is a package of them).
CONTRACT_MODULES = {f"reader_agent.contract.{m.stem}" for m in
                    (Path(c.__file__).parent).glob("*.py") if m.stem != "__init__"}  # fmt: skip
# Heavy stacks a front-end must not pull in by talking to the agent.
NOT_FOR_FRONT_ENDS = ("fastapi", "starlette", "uvicorn", "smartcard", "nfc", "sqlalchemy", "keys")
_IMPORT_CONTRACT = """
import sys

class Refuse:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in sys.argv[1].split(","):
            raise ImportError("refused: " + name)
        return None

sys.meta_path.insert(0, Refuse())
import reader_agent.contract
loaded = sorted(m for m in sys.modules if m.startswith(("reader_agent", "cardsvc")))
print(",".join(loaded))
"""


def test_the_contract_imports_pydantic_and_cardsvc_protocol_only() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _IMPORT_CONTRACT, ",".join(NOT_FOR_FRONT_ENDS)],
        capture_output=True, text=True, check=False, cwd=TERMINALS.parent,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    loaded = set(done.stdout.strip().split(","))
    agent = {m for m in loaded if m.startswith("reader_agent")}
    assert agent - CONTRACT_MODULES == {"reader_agent", "reader_agent.contract"}
    project = {m for m in loaded if m.startswith("cardsvc")}
    assert all(m.startswith(("cardsvc.protocol", "cardsvc.core")) or m == "cardsvc"
               for m in project), project  # fmt: skip


def test_front_ends_reach_the_agent_through_the_contract_only() -> None:
    for module in _modules():
        tree = ast.parse(module.read_text(encoding="utf-8"))
        reached = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        reached |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        agent = {m for m in reached if m.split(".")[0] == "reader_agent"}
        assert agent - CONTRACT_MODULES <= {"reader_agent", "reader_agent.contract"}, (
            f"{module}: {agent}"
        )
