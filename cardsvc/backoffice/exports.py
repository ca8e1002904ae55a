"""Reports as files for spreadsheets: CSV and XLSX, formatted for Vietnamese users.

CSV: UTF-8 with a byte-order mark (so Excel reads the diacritics), ';' between fields (the list
separator of the Vietnamese regional settings, where ',' is the decimal mark), dates as
dd/mm/yyyy, amounts as plain whole numbers (no separators, so they stay numbers).
XLSX (openpyxl): real date cells shown dd/mm/yyyy, amounts as integer cells with the number
format '#,##0 "₫"', a bold header and a totals row.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from cardsvc.backoffice.fmt import ZONE
from cardsvc.services.finance import Report

DATE_FMT, DATETIME_FMT, MONTH_FMT = "%d/%m/%Y", "%d/%m/%Y %H:%M:%S", "%m/%Y"
XLSX_MONEY = '#,##0 "₫"'
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _plain(value: Any, kind: str) -> Any:
    """The value as a spreadsheet should get it (dates as dates, datetimes local)."""
    if value is None:
        return None
    if kind == "datetime":
        return datetime.fromtimestamp(int(value), ZONE).replace(tzinfo=None)
    return value


def to_csv(report: Report, titles: list[str], total_label: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(titles)
    for row in [*report.rows, *([report.totals] if report.totals else [])]:
        cells = []
        for c in report.columns:
            v = _plain(row.get(c.key), c.kind)
            if isinstance(v, datetime):
                v = v.strftime(DATETIME_FMT)
            elif isinstance(v, date):
                v = v.strftime(MONTH_FMT if c.kind == "month" else DATE_FMT)
            cells.append("" if v is None else v)
        if row is report.totals:
            cells[0] = total_label
        writer.writerow(cells)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(report: Report, titles: list[str], total_label: str, sheet: str) -> bytes:
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = sheet[:31]
    ws.append(titles)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    rows = [*report.rows, *([report.totals] if report.totals else [])]
    for row in rows:
        values = [_plain(row.get(c.key), c.kind) for c in report.columns]
        if row is report.totals:
            values[0] = total_label
        ws.append(values)
        for c, cell in zip(report.columns, ws[ws.max_row], strict=True):
            if c.kind == "money":
                cell.number_format = XLSX_MONEY
            elif c.kind == "date" and cell.value != total_label:
                cell.number_format = "dd/mm/yyyy"
            elif c.kind == "month" and cell.value != total_label:
                cell.number_format = "mm/yyyy"
            elif c.kind == "datetime" and cell.value != total_label:
                cell.number_format = "dd/mm/yyyy hh:mm:ss"
            if row is report.totals:
                cell.font = Font(bold=True)
    for i, title in enumerate(titles, start=1):
        ws.column_dimensions[ws.cell(1, i).column_letter].width = max(12, len(title) + 4)
    ws.freeze_panes = "A2"
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()
