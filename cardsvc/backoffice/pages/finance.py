"""Finance: the dashboard (liability over time, sold / redeemed / expired / promotion), daily
settlement per store with the store-to-store clearing, breakage, liability per program and
store with the check against the journal, and the journal for the accounting system. Every
report downloads as CSV and XLSX; a store-scoped person sees their own store only."""

from __future__ import annotations

from datetime import timedelta

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup

from cardsvc.backoffice import reports
from cardsvc.backoffice.chart import line_chart
from cardsvc.backoffice.forms import FormProblem
from cardsvc.backoffice.registry import ADMIN, EVERYONE, FINANCE_UP
from cardsvc.backoffice.reports import named
from cardsvc.backoffice.routing import page_router
from cardsvc.backoffice.session import FormDep, ViewerDep, ledger_of
from cardsvc.backoffice.text import t
from cardsvc.services import audit, finance, liability_check, shift_reports
from cardsvc.services.ingest import Actor, Submission
from cardsvc.services.instructions import staff_instruction

router = page_router()


@router.get("/admin/finance")
def dashboard(request: Request, who: ViewerDep) -> Response:
    f = reports.filters(request, who, EVERYONE)
    with ledger_of(request).db.read() as uow:
        lookup = reports.names(uow)
        report = finance.movements(uow, f.first, f.last, f.grain, f.store)
        buckets, series = finance.liability_series(uow, f.first, f.last, f.grain, f.store)
    title = t(who.lang, "liability_over_time")
    svg = Markup(line_chart(buckets, series, lookup["program"], title))
    return reports.respond(who, report, f, t(who.lang, "dashboard"), "dashboard.html",
                           chart=svg, grains=True, store_names=lookup["store"])  # fmt: skip


@router.get("/admin/finance/settlement")
def settlement(request: Request, who: ViewerDep) -> Response:
    """The daily settlement, and beside it the counters' shift (Z) reports of the period."""
    f = reports.filters(request, who, EVERYONE)
    with ledger_of(request).db.read() as uow:
        lookup = reports.names(uow)
        report = named(finance.settlement(uow, f.first, f.last, f.store), lookup)
        shifts = named(shift_reports.report(uow, f.first, f.last, f.store), lookup)
    shift_titles = [t(who.lang, c.title) for c in shifts.columns]
    return reports.respond(who, report, f, t(who.lang, "settlement"), "settlement.html",
                           explain=t(who.lang, "net_due_explained"), shifts=shifts,
                           shift_titles=shift_titles, store_names=lookup["store"])  # fmt: skip


@router.get("/admin/finance/shifts")
def shifts(request: Request, who: ViewerDep) -> Response:
    """Shift (Z) reports per store and day: float, cash sold, refunds, counted, difference."""
    f = reports.filters(request, who, EVERYONE)
    with ledger_of(request).db.read() as uow:
        lookup = reports.names(uow)
        report = named(shift_reports.report(uow, f.first, f.last, f.store), lookup)
    return reports.respond(who, report, f, t(who.lang, "shift_reports"),
                           explain=t(who.lang, "shift_reports_explained"),
                           store_names=lookup["store"])  # fmt: skip


@router.get("/admin/finance/clearing")
def clearing(request: Request, who: ViewerDep) -> Response:
    f = reports.filters(request, who, EVERYONE)
    with ledger_of(request).db.read() as uow:
        lookup = reports.names(uow)
        report = named(finance.clearing(uow, f.first, f.last, f.store), lookup)
    words = [_in_words(who.lang, r["store"], r["net_due"]) for r in report.rows]
    return reports.respond(who, report, f, t(who.lang, "clearing"), "clearing.html",
                           explain=t(who.lang, "net_due_explained"), words=words,
                           store_names=lookup["store"])  # fmt: skip


def _in_words(lang: str, store: str, net_due: int) -> str:
    from cardsvc.backoffice.fmt import dong

    if net_due > 0:
        return t(lang, "scheme_pays_store", store=store, amount=dong(net_due))
    if net_due < 0:
        return t(lang, "store_pays_scheme", store=store, amount=dong(-net_due))
    return t(lang, "nothing_due", store=store)


@router.get("/admin/finance/breakage")
def breakage(request: Request, who: ViewerDep) -> Response:
    f = reports.filters(request, who, FINANCE_UP)
    with ledger_of(request).db.read() as uow:
        lookup = reports.names(uow)
        report = named(finance.breakage(uow, f.first, f.last, f.store), lookup)
    return reports.respond(who, report, f, t(who.lang, "breakage"), "breakage.html",
                           expired=request.query_params.get("expired", "")[:8],
                           explain=t(who.lang, "breakage_explained"),
                           store_names=lookup["store"])  # fmt: skip


RECOGNISE_MAX = 10_000  # instruments expired by one click (the rest on the next)
EXPIRE_CHUNK = 500


@router.post("/admin/finance/breakage/recognise")
def recognise(request: Request, who: ViewerDep, form: FormDep) -> Response:
    """Expire every instrument whose validity has ended with value left: the value moves to
    the program's breakage income with postings, and shows in the report above."""
    who.require(*FINANCE_UP)
    ledger = ledger_of(request)
    with ledger.db.read() as uow:
        lapsed = uow.finance.lapsed(ledger.clock(), who.scope, RECOGNISE_MAX)
    actor = Actor("backoffice", who.person.store_id or "hq", by_user=who.person.id)
    expired = 0
    for start in range(0, len(lapsed), EXPIRE_CHUNK):
        msgs = [staff_instruction("expire", i) for i in lapsed[start : start + EXPIRE_CHUNK]]
        outcome = ledger.committer.submit(Submission(actor, msgs)).result(60)
        expired += sum(1 for r in outcome.results if r.code == "ok")
    with ledger.db.write() as uow:
        audit.record(uow, ledger.clock(), who.person.id, "breakage.recognise", "breakage",
                     None, {"expired": expired, "found": len(lapsed)}, who.client)  # fmt: skip
    return RedirectResponse(f"/admin/finance/breakage?expired={expired}", status_code=303)


@router.get("/admin/finance/liability")
def liability(request: Request, who: ViewerDep) -> Response:
    f = reports.filters(request, who, FINANCE_UP)
    ledger = ledger_of(request)
    end = finance.day_start(f.last + timedelta(days=1))
    with ledger.db.read() as uow:
        lookup = reports.names(uow)
        report = named(finance.liability_by_store(uow, end, f.store), lookup)
        check = liability_check.last_check(uow)
    return reports.respond(who, report, f, t(who.lang, "liability"), "liability.html",
                           check=check, store_names=lookup["store"],
                           explain=t(who.lang, "liability_explained"))  # fmt: skip


@router.post("/admin/finance/liability/check")
def check_now(request: Request, who: ViewerDep, form: FormDep) -> Response:
    who.require(*FINANCE_UP)
    ledger = ledger_of(request)
    with ledger.db.write() as uow:
        result = liability_check.run_check(uow, ledger.clock())
        audit.record(uow, ledger.clock(), who.person.id, "liability.check", "journal", None,
                     {"consistent": result.consistent}, who.client)  # fmt: skip
    return RedirectResponse("/admin/finance/liability", status_code=303)


@router.get("/admin/finance/journal")
def journal(request: Request, who: ViewerDep) -> Response:
    f = reports.filters(request, who, FINANCE_UP)
    with ledger_of(request).db.read() as uow:
        lookup = reports.names(uow)
        report = finance.journal(uow, f.first, f.last, f.store)
        accounts = finance.chart(uow)
    if f.fmt == "html":  # the page shows the newest rows; the files carry them all
        report = finance.Report(report.name, report.columns, report.rows[-200:], report.totals)
    return reports.respond(who, report, f, t(who.lang, "journal"), "journal.html",
                           accounts=accounts, store_names=lookup["store"])  # fmt: skip


@router.post("/admin/finance/accounts")
def set_accounts(request: Request, who: ViewerDep, form: FormDep) -> Response:
    """Map the ledger's account kinds to the accounting system's chart (administrators)."""
    who.require(*ADMIN)
    ledger = ledger_of(request)
    with ledger.db.write() as uow:
        before = finance.chart(uow)
        changed = {}
        for kind in finance.DEFAULT_CHART:
            code = form.get(f"code_{kind}", "").strip()[:32]
            name = " ".join(form.get(f"name_{kind}", "").split())[:200]
            if not code or not name:
                raise FormProblem("bad_account")
            if (code, name) != before[kind]:
                uow.backoffice.set_account(kind, code, name, ledger.clock())
                changed[kind] = f"{code} {name}"
        if changed:
            old = {k: " ".join(before[k]) for k in changed}
            audit.record(uow, ledger.clock(), who.person.id, "accounts.map", "chart", old,
                         changed, who.client)  # fmt: skip
    return RedirectResponse("/admin/finance/journal?saved=1", status_code=303)
