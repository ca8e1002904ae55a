"""The "Khách hàng / Customers" screen: find a customer by the phone number they say, or sign
a new one up in under 30 seconds (phone, name, birthday; consent asked, never assumed).

The ledger keeps customer records: this screen needs it reachable (through the agent). What a
customer says is checked by the ledger (phone numbers, dates); a refusal comes back with its
reason, shown in staff's language with everything typed kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form
from fastapi.responses import HTMLResponse

from reader_agent.contract import CustomerAnswer
from terminals.counter.agent_client import AgentError
from terminals.counter.pages import Counter, CounterDep, LangDep, render, same_origin
from terminals.counter.text import dong, grouped, has, t

router = APIRouter()
PATH = "/customers"
NAV = ((PATH, "customers"),)
Text = Annotated[str, Form(max_length=200)]


@dataclass
class SignUpForm:
    phone: str = ""
    name: str = ""
    birth_day: str = ""
    birth_month: str = ""
    birth_year: str = ""
    lang: str = "vi"
    consent: str = ""
    referral_code: str = ""
    errors: list[str] = field(default_factory=list)


def _number(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.isdigit() and len(text) <= 4 else None


def _fields(lang: str, form: SignUpForm) -> dict[str, Any]:
    """The agent call's fields, or `form.errors` filled in (in staff's language)."""
    if not form.phone.strip():
        form.errors.append(t(lang, "cust_err_phone_invalid"))
    if not form.name.strip():
        form.errors.append(t(lang, "cust_err_name_missing"))
    day, month = _number(form.birth_day), _number(form.birth_month)
    year = _number(form.birth_year) if form.birth_year.strip() else None
    if day is None or month is None or not 1 <= day <= 31 or not 1 <= month <= 12 or (
        form.birth_year.strip() and (year is None or not 1900 <= year <= 2200)
    ):  # fmt: skip
        form.errors.append(t(lang, "cust_err_birthday_invalid"))
    fields: dict[str, Any] = {
        "phone": form.phone.strip(), "name": form.name.strip(), "birth_day": day,
        "birth_month": month, "lang": form.lang if form.lang in ("vi", "en") else "vi",
        "consent": form.consent == "yes",
    }  # fmt: skip
    if year is not None:
        fields["birth_year"] = year
    if form.referral_code.strip():
        fields["referral_code"] = form.referral_code.strip()
    return fields


def _reason(lang: str, code: str) -> str:
    key = "cust_err_" + code
    return t(lang, key) if has(key) else t(lang, "cust_err_other", code=code)


def _error(lang: str, exc: AgentError) -> str:
    key = "cust_ledger_unavailable" if exc.code == "ledger_unavailable" else exc.code
    return t(lang, key) if has(key) else t(lang, "agent_error")


@dataclass
class CustomerCard:
    """What staff see of a customer: already in their language."""

    name: str
    phone: str
    birthday: str
    code: str
    since_page: bool
    birthday_week: bool
    consent: str
    instruments: list[tuple[str, str, str]]  # id, kind, balance


def customer_card(lang: str, view: dict[str, Any]) -> CustomerCard:
    b = view.get("birthday") or {}
    birthday = "-"
    if b.get("day") and b.get("month"):
        birthday = f"{b['day']:02d}/{b['month']:02d}" + (f"/{b['year']}" if b.get("year") else "")
    owned = []
    for i in view.get("instruments") or []:
        balance = int(i["balance"])
        shown = dong(balance) if i.get("unit") == "VND" else t(lang, "cust_points",
                                                               n=grouped(balance))
        kind = "kind_" + str(i["kind"])
        owned.append((str(i["id"]), t(lang, kind) if has(kind) else str(i["kind"]), shown))
    consent = t(lang, "cust_consent_yes" if (view.get("consent") or {}).get("given")
                else "cust_consent_no")  # fmt: skip
    return CustomerCard(str(view.get("name", "")), str(view.get("phone") or "-"), birthday,
                        str(view.get("referral_code", "")), view.get("created_via") == "page",
                        bool(view.get("birthday_week")), consent, owned)  # fmt: skip


def _page(counter: Counter, lang: str, status_code: int = 200, **ctx: Any) -> HTMLResponse:
    ctx.setdefault("form", SignUpForm(lang=lang))
    ctx.setdefault("phone", "")
    ctx.setdefault("found", None)
    ctx.setdefault("made", False)
    ctx.setdefault("message", None)
    return render(counter, lang, PATH, "customers.html", status_code, **ctx)


@router.get(PATH, response_class=HTMLResponse)
def customers_screen(counter: CounterDep, lang: LangDep) -> HTMLResponse:
    return _page(counter, lang)


@router.post(PATH + "/lookup", response_class=HTMLResponse, dependencies=[Depends(same_origin)])
def lookup(counter: CounterDep, lang: LangDep, phone: Text = "") -> HTMLResponse:
    if not phone.strip():
        return _page(counter, lang, 422, phone=phone, message=t(lang, "cust_err_phone_invalid"))
    try:
        answer: CustomerAnswer = counter.client.find_customer(phone.strip())
    except AgentError as exc:
        return _page(counter, lang, 503, phone=phone, message=_error(lang, exc))
    if not answer.ok or answer.customer is None:
        status = 404 if answer.code == "customer_unknown" else 422
        return _page(counter, lang, status, phone=phone, message=_reason(lang, answer.code),
                     form=SignUpForm(phone=phone, lang=lang))  # fmt: skip
    return _page(counter, lang, phone=phone, found=customer_card(lang, answer.customer))


@router.post(PATH, response_class=HTMLResponse, dependencies=[Depends(same_origin)])
def sign_up(
    counter: CounterDep, lang: LangDep, phone: Text = "", name: Text = "",
    birth_day: Text = "", birth_month: Text = "", birth_year: Text = "",
    customer_lang: Text = "vi", consent: Text = "", referral_code: Text = "",
) -> HTMLResponse:
    form = SignUpForm(phone, name, birth_day, birth_month, birth_year, customer_lang, consent,
                      referral_code)  # fmt: skip
    fields = _fields(lang, form)
    if form.errors:
        return _page(counter, lang, 422, form=form)
    try:
        answer = counter.client.sign_up_customer(fields)
    except AgentError as exc:
        form.errors.append(_error(lang, exc))
        return _page(counter, lang, 503, form=form)
    if not answer.ok or answer.customer is None:
        form.errors.append(_reason(lang, answer.code))
        return _page(counter, lang, 409 if answer.code == "phone_taken" else 422, form=form)
    return _page(counter, lang, found=customer_card(lang, answer.customer), made=True)
