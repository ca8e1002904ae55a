"""Voucher, gift card and e-ticket campaigns (administrators): create one, generate its codes
with a progress bar, download them (once: only their hashes are kept)."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from cardsvc.backoffice import fmt, forms
from cardsvc.backoffice.forms import FormProblem
from cardsvc.backoffice.jobs import JOBS
from cardsvc.backoffice.layout import render_page
from cardsvc.backoffice.registry import ADMIN
from cardsvc.backoffice.routing import page_router
from cardsvc.backoffice.session import FormDep, Viewer, ViewerDep, ledger_of
from cardsvc.backoffice.text import t
from cardsvc.core import AMOUNT_MAX
from cardsvc.services import audit
from cardsvc.services.errors import Conflict, NotFound
from cardsvc.vouchers import generate as gen
from cardsvc.vouchers import reports
from cardsvc.vouchers.campaigns import CampaignIn, create_campaign, list_campaigns

router = page_router()
KINDS = ("voucher", "gift", "eticket")
PAGE_GENERATE_MAX = 100_000


def _page(request: Request, who: Viewer, status: int = 200, **extra: Any) -> HTMLResponse:
    ledger = ledger_of(request)
    with ledger.db.read() as uow:
        rows = [reports.campaign_summary(uow, c.id) for c in list_campaigns(uow)]
    context = {"form": {}, "rows": rows, "kinds": KINDS, "no_qr": ledger.vouchers_missing} | extra
    return render_page(who, "campaigns.html", t(who.lang, "campaigns"), status=status, **context)


@router.get("/admin/campaigns")
def campaigns(request: Request, who: ViewerDep) -> HTMLResponse:
    who.require(*ADMIN)
    return _page(request, who)


def _campaign_in(form: dict[str, str]) -> CampaignIn:
    kind = form.get("kind", "")
    if kind not in KINDS:
        raise FormProblem("bad_kind")
    until = fmt.parse_day(form.get("valid_until"))
    value = forms.whole_number(form, "face_value", 0, AMOUNT_MAX, default=0)
    fields: dict[str, Any] = {
        "id": forms.ident(form, "id"),
        "name": forms.name(form),
        "kind": kind,
        "face_value": 0 if kind == "eticket" else value,
    }
    if kind == "gift":
        days = forms.whole_number(form, "validity_days", 1, 100 * 366, default=365)
        fields["validity_s"] = days * 86400
    else:
        if until is None:
            raise FormProblem("valid_until_needed")
        fields["valid_until"] = fmt.day_range(until, until)[1]  # the whole last day included
        fields["uses"] = forms.whole_number(form, "uses", 1, 1_000_000, default=1)
        fields["min_spend"] = forms.whole_number(form, "min_spend", 0, AMOUNT_MAX, default=0)
        if kind == "voucher" and form.get("budget", "").strip():
            fields["budget"] = forms.whole_number(form, "budget", 0, 10**15)
    try:
        return CampaignIn(**fields)
    except ValidationError as exc:
        raise FormProblem("campaign_refused", detail=exc.errors()[0]["msg"]) from None


@router.post("/admin/campaigns")
def create(request: Request, who: ViewerDep, form: FormDep) -> Response:
    who.require(*ADMIN)
    ledger = ledger_of(request)
    try:
        body = _campaign_in(form)
        with ledger.db.write() as uow:
            create_campaign(uow, body, ledger.clock(), who.person.id)
            audit.record(uow, ledger.clock(), who.person.id, "campaign.create", body.id, None,
                         body.model_dump(exclude_none=True), who.client)  # fmt: skip
    except FormProblem as exc:
        return _page(request, who, 422, error=t(who.lang, exc.key, **exc.values), form=form)
    except (Conflict, NotFound) as exc:
        return _page(request, who, 422, error=exc.detail, form=form)
    return RedirectResponse("/admin/campaigns", status_code=303)


@router.post("/admin/campaigns/{campaign_id}/codes")
def generate(request: Request, who: ViewerDep, form: FormDep, campaign_id: str) -> Response:
    """Start a run; its page shows the progress and then the download."""
    who.require(*ADMIN)
    ledger = ledger_of(request)
    vouchers = ledger.require_vouchers()
    count = forms.whole_number(form, "count", 1, PAGE_GENERATE_MAX)
    with ledger.db.write() as uow:
        audit.record(uow, ledger.clock(), who.person.id, "campaign.generate", campaign_id[:64],
                     None, {"count": count}, who.client)  # fmt: skip
    job = JOBS.start(who.person.id, campaign_id[:64], count,
                     lambda progress: gen.generate(vouchers, campaign_id[:64], count,
                                                   who.person.id, progress))  # fmt: skip
    return RedirectResponse(f"/admin/campaigns/jobs/{job.id}", status_code=303)


@router.get("/admin/campaigns/jobs/{job_id}")
def job_page(who: ViewerDep, job_id: str) -> HTMLResponse:
    who.require(*ADMIN)
    job = JOBS.get(job_id[:40], who.person.id)
    if job is None:
        raise NotFound(job_id)
    return render_page(who, "job.html", t(who.lang, "generating", id=job.campaign), job=job,
                       refresh=not job.finished)  # fmt: skip


@router.get("/admin/campaigns/jobs/{job_id}/codes.csv")
def download(who: ViewerDep, job_id: str) -> Response:
    who.require(*ADMIN)
    job = JOBS.get(job_id[:40], who.person.id)
    data = JOBS.take_csv(job) if job is not None else None
    if job is None or data is None:
        raise NotFound(job_id)
    name = f"codes-{job.campaign}-{job.id}.csv"
    headers = {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}
    return Response(data, media_type="text/csv; charset=utf-8", headers=headers)
