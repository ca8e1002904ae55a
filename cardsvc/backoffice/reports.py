"""One way to show a finance report: as a page, or as CSV or XLSX (`?format=`), from the same
`Report` object, with store and program ids replaced by their names and the viewer's store
scope applied (the people model's check decides whether a chosen store may be seen)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from cardsvc.backoffice import exports, fmt
from cardsvc.backoffice.layout import render_page
from cardsvc.backoffice.session import Viewer, ledger_of
from cardsvc.backoffice.text import t
from cardsvc.services.finance import Report
from cardsvc.services.people import Role
from cardsvc.storage.unit_of_work import UnitOfWork

DEFAULT_DAYS = 30
FORMATS = ("html", "csv", "xlsx")


@dataclass(frozen=True)
class Filters:
    first: date
    last: date
    grain: str
    store: str | None  # the store the report is limited to (the viewer's, or one chosen)
    fmt: str

    def query(self, **override: str) -> str:
        values = {"start": self.first.isoformat(), "end": self.last.isoformat(),
                  "grain": self.grain, "store": self.store or ""} | override  # fmt: skip
        return "&".join(f"{k}={v}" for k, v in values.items())


def filters(request: Request, who: Viewer, roles: tuple[Role, ...]) -> Filters:
    """The period, grain, store and format asked for; a store outside the viewer's scope is
    refused by the same check the API makes."""
    q = request.query_params
    today = fmt.today(ledger_of(request).clock())
    last = fmt.parse_day(q.get("end")) or today
    first = fmt.parse_day(q.get("start")) or last - timedelta(days=DEFAULT_DAYS - 1)
    if last < first:
        first, last = last, first
    first = max(first, last - timedelta(days=3 * 366))  # bounded: at most three years
    grain = q.get("grain", "day") if q.get("grain") in ("day", "week", "month") else "day"
    chosen = (q.get("store") or "").strip()[:64] or None
    who.require(*roles, store_id=chosen)
    store = who.scope or chosen
    out_fmt = q.get("format", "html") if q.get("format") in FORMATS else "html"
    return Filters(first, last, grain, store, out_fmt)


def names(uow: UnitOfWork) -> dict[str, dict[str, str]]:
    programs = {p.id: p.name for p in uow.programs.list()}
    return {"store": uow.finance.store_names(), "program": programs}


def named(report: Report, lookup: dict[str, dict[str, str]]) -> Report:
    """The report with store and program ids shown as names."""
    rows = []
    for row in report.rows:
        rows.append({k: lookup[k].get(v, v) if k in lookup and v else v for k, v in row.items()})
    return Report(report.name, report.columns, rows, report.totals)


def cell(value: Any, kind: str, lang: str) -> str:
    if value is None:
        return ""
    if kind == "money":
        return fmt.dong(int(value))
    if kind == "number":
        return fmt.number(int(value))
    if kind == "date":
        return str(value.strftime("%d/%m/%Y"))
    if kind == "month":  # a month's first day stands for the month: 07/2025, not 01/07/2025
        return str(value.strftime("%m/%Y"))
    if kind == "datetime":
        return fmt.when(int(value), lang)
    return str(value)


def respond(
    who: Viewer, report: Report, f: Filters, title: str, template: str = "report.html",
    **context: Any,
) -> Response:  # fmt: skip
    titles = [t(who.lang, c.title) for c in report.columns]
    total = t(who.lang, "total")
    stem = f"{report.name}-{f.first.isoformat()}-{f.last.isoformat()}"
    if f.fmt == "csv":
        return Response(exports.to_csv(report, titles, total), media_type="text/csv; charset=utf-8",
                        headers=_download(stem + ".csv"))  # fmt: skip
    if f.fmt == "xlsx":
        body = exports.to_xlsx(report, titles, total, title)
        return Response(body, media_type=exports.XLSX_TYPE, headers=_download(stem + ".xlsx"))
    return render_page(who, template, title, report=report, titles=titles, f=f,
                       cell=lambda v, k: cell(v, k, who.lang), **context)  # fmt: skip


def _download(filename: str) -> dict[str, str]:
    disposition = f'attachment; filename="{filename}"'
    return {"Content-Disposition": disposition, "Cache-Control": "no-store"}


Builder = Callable[[UnitOfWork, date, date, str | None], Report]
