"""Importing an existing member list (another POS's CSV export: name, phone, birthday, points
balance) and exporting ours.

Every row is checked like a sign-up (phone normalised, one customer per phone, also within the
file; a birthday when given must be a date); refused rows are reported with their line and
reason, the rest are imported. A dry run checks everything and writes nothing. Points carried
over become a member card per customer, issued in the ledger (promotion-funded, exactly once:
its transaction id is made from the customer's id), so the liability is on the books from day
one.
"""

from __future__ import annotations

import contextlib
import csv
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from cardsvc.customers import records
from cardsvc.customers.errors import CustomerConflict, CustomerInvalid
from cardsvc.customers.phones import PhoneInvalid, normalise
from cardsvc.customers.service import Customers
from cardsvc.services.ingest import Actor, Submission
from cardsvc.services.instructions import ServiceInstruction

ROWS_MAX = 1_000_000
CHUNK = 200
POINTS_MAX = 100_000_000
HEADERS = {  # what other systems call the columns (lower case, accents kept)
    "name": ("name", "full name", "họ tên", "họ và tên", "ho ten", "ho_ten", "ten", "tên",
             "customer"),
    "phone": ("phone", "mobile", "phone number", "số điện thoại", "sdt", "sđt", "dien thoai",
              "điện thoại", "so dien thoai"),
    "birthday": ("birthday", "birth date", "date of birth", "dob", "ngày sinh", "ngay sinh",
                 "ngay_sinh", "sinh nhật"),
    "points": ("points", "point", "điểm", "diem", "điểm tích lũy", "balance", "loyalty points"),
    "email": ("email", "e-mail", "thư điện tử"),
}  # fmt: skip
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Row:
    line: int
    name: str
    phone: str
    birth: tuple[int, int, int | None] | None
    points: int
    email: str | None


@dataclass
class ImportReport:
    total: int = 0
    imported: int = 0
    points: int = 0
    refused: list[tuple[int, str, str]] = field(default_factory=list)  # line, reason, detail
    dry_run: bool = False


class ImportFileInvalid(ValueError):
    """The file is not a member list we can read (no name or phone column, too many rows)."""


def _columns(header: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for i, title in enumerate(header):
        key = title.strip().lower().lstrip("\ufeff")
        for column, names in HEADERS.items():
            if key in names and column not in found:
                found[column] = i
    missing = [c for c in ("name", "phone") if c not in found]
    if missing:
        raise ImportFileInvalid(f"no {' or '.join(missing)} column in {header}")
    return found


BIRTH_FORMATS = (re.compile(r"(\d{1,2})[/.-](\d{1,2})(?:[/.-](\d{4}))?"),
                 re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})"))  # fmt: skip


def parse_birthday(text: str) -> tuple[int, int, int | None] | None:
    """dd/mm/yyyy, dd/mm, dd-mm-yyyy, dd.mm.yyyy or yyyy-mm-dd; '' is no birthday."""
    text = text.strip()
    if not text:
        return None
    iso = BIRTH_FORMATS[1].fullmatch(text)
    if iso:
        return int(iso.group(3)), int(iso.group(2)), int(iso.group(1))
    local = BIRTH_FORMATS[0].fullmatch(text)
    if local:
        year = int(local.group(3)) if local.group(3) else None
        return int(local.group(1)), int(local.group(2)), year
    raise ValueError("not a date (dd/mm/yyyy, dd/mm or yyyy-mm-dd)")


def parse_points(text: str) -> int:
    cleaned = text.strip().replace(".", "").replace(",", "").replace(" ", "")
    if not cleaned:
        return 0
    if not cleaned.isdigit() or int(cleaned) > POINTS_MAX:
        raise ValueError(f"points are a whole number up to {POINTS_MAX}")
    return int(cleaned)


def read_rows(stream: IO[str], report: ImportReport) -> Iterator[Row]:
    reader = csv.reader(stream)
    header = next(reader, None)
    if header is None:
        raise ImportFileInvalid("the file is empty")
    cols = _columns(header)

    def cell(values: list[str], column: str) -> str:
        i = cols.get(column)
        return values[i] if i is not None and i < len(values) else ""

    for line, values in enumerate(reader, start=2):
        if line - 1 > ROWS_MAX:
            raise ImportFileInvalid(f"more than {ROWS_MAX} rows")
        if not any(v.strip() for v in values):
            continue
        report.total += 1
        try:
            birth = parse_birthday(cell(values, "birthday"))
        except ValueError as exc:
            report.refused.append((line, "birthday_invalid", str(exc)))
            continue
        try:
            points = parse_points(cell(values, "points"))
        except ValueError as exc:
            report.refused.append((line, "points_invalid", str(exc)))
            continue
        yield Row(line, cell(values, "name"), cell(values, "phone"), birth, points,
                  cell(values, "email").strip() or None)  # fmt: skip


def _form(row: Row, store: str | None) -> records.SignUp:
    day, month, year = row.birth if row.birth else (None, None, None)
    return records.SignUp(phone=row.phone, name=row.name, birth_day=day, birth_month=month,
                          birth_year=year, email=row.email, home_store=store)  # fmt: skip


def import_members(
    c: Customers, stream: IO[str], *, store: str | None = None, dry_run: bool = False,
    progress: Progress = lambda done, total: None, expected_rows: int = 0,
) -> ImportReport:
    report = ImportReport(dry_run=dry_run)
    seen: dict[str, int] = {}  # phone -> first line with it
    chunk: list[Row] = []
    for row in read_rows(stream, report):
        if _duplicate_in_file(row, seen, c, report):
            continue
        chunk.append(row)
        if len(chunk) >= CHUNK:
            _chunk(c, chunk, store, dry_run, report)
            chunk = []
            progress(report.total, max(expected_rows, report.total))
    _chunk(c, chunk, store, dry_run, report)
    progress(report.total, max(expected_rows, report.total))
    report.refused.sort()
    return report


def _duplicate_in_file(row: Row, seen: dict[str, int], c: Customers,
                       report: ImportReport) -> bool:  # fmt: skip
    try:
        phone = normalise(row.phone, c.settings.region)
    except PhoneInvalid:
        return False  # refused with its reason by the sign-up check
    first = seen.setdefault(phone, row.line)
    if first != row.line:
        report.refused.append((row.line, "phone_duplicate_in_file", f"same phone as line {first}"))
        return True
    return False


def _chunk(c: Customers, rows: list[Row], store: str | None, dry_run: bool,
           report: ImportReport) -> None:  # fmt: skip
    if not rows:
        return
    loads: list[tuple[str, int]] = []
    now = c.clock()
    with contextlib.suppress(_DryRun):  # a dry run: everything checked, nothing kept
        _sign_up_chunk(c, rows, store, dry_run, now, report, loads)
    if loads and not dry_run:
        _issue_points(c, loads, report)


class _DryRun(Exception):
    """Raised at the end of a dry run's unit of work, so it rolls back."""


def _sign_up_chunk(c: Customers, rows: list[Row], store: str | None, dry_run: bool, now: int,
                   report: ImportReport, loads: list[tuple[str, int]]) -> None:  # fmt: skip
    with c.db.write() as uow:
        for row in rows:
            try:
                made = records.sign_up(uow, _form(row, store), c.settings, now, via="import",
                                       by="import", birthday_required=False)  # fmt: skip
            except (CustomerInvalid, CustomerConflict) as exc:
                report.refused.append((row.line, exc.reason, exc.detail))
                continue
            report.imported += 1
            report.points += row.points
            if row.points:
                card = "M-" + made.id[1:]
                uow.customers.link(card, made.id, now, "import")
                loads.append((card, row.points))
        if dry_run:
            raise _DryRun


def _issue_points(c: Customers, loads: list[tuple[str, int]], report: ImportReport) -> None:
    msgs = [ServiceInstruction(id="imp-" + card, op="issue", instrument=card, amount=points,
                               funding="promotion", program=c.settings.member_program)
            for card, points in loads]  # fmt: skip
    result = c.committer.submit(Submission(Actor("import", "hq"), msgs)).result(timeout=300)
    for r in result.results:
        if r.code not in ("ok", "exists"):
            report.refused.append((0, "points_not_loaded", f"{r.id}: {r.code}"))


def export_rows(c: Customers) -> Iterable[dict[str, Any]]:
    """Every active customer as a CSV row (full phone numbers: for the chain's own systems)."""
    after = ""
    while True:
        with c.db.read() as uow:
            batch = uow.customers.listing(after=after, limit=1000)
            for row in batch:
                owned = uow.customers.instruments_of(row.id)
                points = sum(i.balance for i in owned if i.unit == "PTS")
                birthday = ""
                if row.birth_day and row.birth_month:
                    birthday = f"{row.birth_day:02d}/{row.birth_month:02d}" + (
                        f"/{row.birth_year}" if row.birth_year else "")
                yield {"id": row.id, "name": row.name, "phone": row.phone or "",
                       "email": row.email or "", "birthday": birthday, "lang": row.lang,
                       "home_store": row.home_store or "", "points": points,
                       "consent": "yes" if row.consent else "no",
                       "consent_at": row.consent_at or "", "consent_via": row.consent_via or "",
                       "referral_code": row.referral_code, "created_at": row.created_at}
        if len(batch) < 1000:
            return
        after = batch[-1].id


EXPORT_COLUMNS = ("id", "name", "phone", "email", "birthday", "lang", "home_store", "points",
                  "consent", "consent_at", "consent_via", "referral_code", "created_at")
