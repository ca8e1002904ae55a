"""Sell a card, top up, redeem (a sale), refund: one form each, then the outcome.

Every form carries a sale id (request_id) chosen when the form is drawn. Submitting it twice
(double click, refresh, the Retry button after a lost tap) asks for the same sale, which the
counter (once.py) and the agent resolve to one charge. A new form is a new sale id.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query
from fastapi.responses import HTMLResponse, JSONResponse

from reader_agent.contract import CardProgram, Op, Receipt
from terminals.counter.agent_client import AgentError
from terminals.counter.once import SaleIdReused
from terminals.counter.outcomes import Outcome, from_answer, from_error
from terminals.counter.pages import Counter, CounterDep, LangDep, render, same_origin
from terminals.counter.text import (
    QUICK_AMOUNTS,
    AmountError,
    amount_problem,
    parse_amount,
    quantity,
    t,
)

router = APIRouter()
NAV = [("/sell", "sell"), ("/top-up", "top_up"), ("/redeem", "redeem"), ("/refund", "refund")]
ID = re.compile(r"[A-Za-z0-9_.:\-]{1,64}")  # the agent's id syntax (sale ids, refs, tx ids)
FieldText = Annotated[str, Form(max_length=200)]


@dataclass(frozen=True)
class Operation:
    slug: str  # the screen's path
    op: Op  # the agent's operation
    key: str  # message keys: op_<key>, op_<key>_help, nav_<key>
    allow_zero: bool = False
    program: bool = False  # asks for the card program
    ref: bool = False  # asks for the sale being refunded


OPERATIONS = (
    Operation("sell", "issue", "sell", allow_zero=True, program=True),
    Operation("top-up", "top_up", "top_up"),
    Operation("redeem", "redeem", "redeem"),
    Operation("refund", "refund", "refund", ref=True),
)
BY_AGENT_OP: dict[str, Operation] = {o.op: o for o in OPERATIONS}
REDEEM = BY_AGENT_OP["redeem"]  # where an answer of unknown kind is shown


@dataclass
class Programs:
    """The ledger's card programs as the sell screen offers them, or why there are none."""

    found: list[CardProgram] = field(default_factory=list)
    error: Outcome | None = None

    def get(self, program_id: str) -> CardProgram | None:
        return next((p for p in self.found if p.id == program_id), None)


# The order the sell screen lists programs in: the card most sales are (a reloadable prepaid
# card) first, so it is the one chosen when staff do not choose; gift cards, then member cards.
_KIND_ORDER = {"prepaid": 0, "gift": 1, "member": 2}


def load_programs(counter: Counter, lang: str) -> Programs:
    try:
        found = counter.client.programs().programs
    except AgentError as exc:
        return Programs(error=from_error(lang, exc))
    return Programs(sorted(found, key=lambda p: _KIND_ORDER.get(p.kind, len(_KIND_ORDER))))


@dataclass
class SaleForm:
    """The form as typed (re-shown with its errors) and its sale id."""

    amount: str = ""
    program: str = ""
    ref: str = ""
    request_id: str = field(default_factory=lambda: "sale-" + uuid.uuid4().hex)
    errors: list[str] = field(default_factory=list)


def validate(
    lang: str, operation: Operation, form: SaleForm, programs: Programs | None = None
) -> dict[str, Any]:
    """The agent call's fields, or `form.errors` filled in staff's language."""
    fields: dict[str, Any] = {"request_id": form.request_id}
    try:
        fields["amount"] = parse_amount(form.amount, allow_zero=operation.allow_zero)
    except AmountError as exc:
        form.errors.append(amount_problem(lang, exc))
    if operation.program:
        program = programs.get(form.program) if programs is not None else None
        if not form.program:
            form.errors.append(t(lang, "program_missing"))
        elif program is None:
            form.errors.append(t(lang, "program_unknown", program=form.program[:64]))
        elif program.unit != "VND":
            fields["funding"] = "promotion"  # points are given, never bought for cash
        fields["program"] = form.program
    if operation.ref:
        if not form.ref:
            form.errors.append(t(lang, "ref_missing"))
        fields["ref"] = form.ref
    if any(not ID.fullmatch(str(fields[k])) for k in ("program", "ref") if fields.get(k)):
        form.errors.append(t(lang, "id_bad"))
    return fields


def _sale_of(counter: Counter, ref: str) -> Receipt | None:
    """The receipt a refund names, when it is one of this till's (shown above the form)."""
    if not ref or not ID.fullmatch(ref):
        return None
    try:
        return counter.client.receipt(ref)
    except AgentError:
        return None


def _form_page(
    counter: Counter, lang: str, operation: Operation, form: SaleForm, status_code: int = 200,
    programs: Programs | None = None, sale: Receipt | None = None,
) -> HTMLResponse:  # fmt: skip
    if operation.program and programs is None:
        programs = load_programs(counter, lang)
    return render(counter, lang, "/" + operation.slug, "sale_form.html", status_code,
                  operation=operation, form=form, programs=programs, sale=sale,
                  quick=QUICK_AMOUNTS)  # fmt: skip


def _outcome_page(counter: Counter, lang: str, operation: Operation, form: SaleForm,
                  outcome: Outcome) -> HTMLResponse:  # fmt: skip
    return render(counter, lang, "/" + operation.slug, "outcome.html", operation=operation,
                  form=form, outcome=outcome)  # fmt: skip


def _run(counter: Counter, lang: str, operation: Operation, form: SaleForm) -> HTMLResponse:
    programs = load_programs(counter, lang) if operation.program else None
    fields = validate(lang, operation, form, programs)
    if not ID.fullmatch(form.request_id):
        form.errors.append(t(lang, "id_bad"))
        form.request_id = SaleForm().request_id
    if form.errors:
        return _form_page(counter, lang, operation, form, 422, programs)
    content = (operation.op, tuple(sorted(fields.items())))
    try:
        once = counter.sales.run(form.request_id, content,
                                 lambda: counter.client.operate(operation.op, fields))  # fmt: skip
    except SaleIdReused:
        fresh = SaleForm(form.amount, form.program, form.ref, errors=[t(lang, "sale_id_reused")])
        return _form_page(counter, lang, operation, fresh, 409, programs)
    except AgentError as exc:
        return _outcome_page(counter, lang, operation, form, from_error(lang, exc))
    outcome = from_answer(lang, once.answer, repeated=once.repeated)
    return _outcome_page(counter, lang, operation, form, outcome)


def _add_screen(operation: Operation) -> None:
    path = "/" + operation.slug

    @router.get(path, response_class=HTMLResponse, name=f"{operation.key}_form")
    def show(counter: CounterDep, lang: LangDep, amount: str = "", ref: str = "") -> HTMLResponse:
        form = SaleForm(amount=amount[:40], ref=ref[:64])
        return _form_page(counter, lang, operation, form, sale=_sale_of(counter, form.ref))

    @router.post(path, response_class=HTMLResponse, name=operation.key,
                 dependencies=[Depends(same_origin)])  # fmt: skip
    def submit(
        counter: CounterDep, lang: LangDep, amount: FieldText = "", program: FieldText = "",
        ref: FieldText = "", request_id: FieldText = "",
    ) -> HTMLResponse:  # fmt: skip
        form = SaleForm(amount.strip(), program.strip(), ref.strip(), request_id.strip())
        return _run(counter, lang, operation, form)


for _operation in OPERATIONS:
    _add_screen(_operation)


@router.get("/amount-preview")
def amount_preview(
    lang: LangDep, typed: Annotated[str, Query(max_length=200)] = "", zero: bool = False,
    unit: Annotated[str, Query(pattern="^(VND|PTS)$")] = "VND",
) -> JSONResponse:  # fmt: skip
    """The amount field's live preview: what the server will read, by the one parser (the page
    never guesses an amount its own way), or why it will refuse it."""
    if not typed.strip():
        return JSONResponse({"ok": False, "text": ""})
    try:
        amount = parse_amount(typed, allow_zero=zero)
    except AmountError as exc:
        return JSONResponse({"ok": False, "text": amount_problem(lang, exc)})
    return JSONResponse({"ok": True, "text": quantity(lang, amount, unit)})


@router.get("/results/{tx_id}", response_class=HTMLResponse)
def check_result(counter: CounterDep, lang: LangDep, tx_id: str) -> HTMLResponse:
    """A queued transaction's result, asked again (the agent keeps it by transaction id)."""
    form = SaleForm()
    try:
        if not ID.fullmatch(tx_id):
            raise AgentError("result_not_found", tx_id[:64])
        answer = counter.client.result(tx_id)
    except AgentError as exc:
        missing = AgentError("result_not_found", tx_id[:64]) if exc.code == "not_found" else exc
        return _outcome_page(counter, lang, REDEEM, form, from_error(lang, missing))
    operation = BY_AGENT_OP.get(answer.op, REDEEM)
    return _outcome_page(counter, lang, operation, form, from_answer(lang, answer))
