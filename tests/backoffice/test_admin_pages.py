"""Administrators' pages over HTTP on the real app: stores, programs, terminals (enrolment code
as QR, disable, revoke), keys, the hotlist with reasons, campaigns with codes generated in the
background and downloaded once. Every change lands in the audit log. SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import re
import time
from pathlib import Path

from cardsvc.protocol.client import enroll
from cardsvc.protocol.signing import InMemorySigner
from tests.backoffice.office import Browser, make_person, with_vouchers
from tests.ledger.world import World, expect


def admin(world: World) -> Browser:
    make_person(world, "boss", "admin")
    b = Browser(world)
    assert b.sign_in("boss").status_code == 303
    return b


def test_stores_and_programs(world: World) -> None:
    b = admin(world)
    made = b.post_form("/admin/stores", "/admin/stores", {"id": "DN01", "name": "Đà Nẵng"})
    assert made.status_code == 303
    assert "Đà Nẵng" in b.get("/admin/stores").text
    again = b.post_form("/admin/stores", "/admin/stores", {"id": "DN01", "name": "x"})
    assert again.status_code == 422 and "Mã này đã có." in again.text
    bad = b.post_form("/admin/stores", "/admin/stores", {"id": "no spaces", "name": "x"})
    assert bad.status_code == 422
    fields = {"id": "GIFT-2027", "name": "Quà 2027", "kind": "gift",
              "max_balance": "5.000.000", "validity_days": "365"}  # fmt: skip
    assert b.post_form("/admin/programs", "/admin/programs", fields).status_code == 303
    programs = {p["id"]: p for p in expect(world.get("/v1/programs"))}
    assert programs["GIFT-2027"]["terms"]["max_balance"] == 5_000_000
    assert programs["GIFT-2027"]["validity_s"] == 365 * 86400
    too_big = b.post_form("/admin/programs", "/admin/programs",
                          {**fields, "id": "X", "max_balance": "10" * 10})  # fmt: skip
    assert too_big.status_code == 422
    log = b.get("/admin/audit").text
    assert "store.create" in log and "program.create" in log


def test_terminal_enrolment_code_as_qr_then_disable_and_revoke(world: World) -> None:
    b = admin(world)
    made = b.post_form("/admin/terminals", "/admin/terminals",
                       {"id": "S1-POS9", "name": "Quầy 9", "store": "S1"})  # fmt: skip
    assert made.status_code == 201 and "<svg" in made.text
    code = re.search(r'id="enrolment-code">([0-9A-F]+)<', made.text)
    assert code is not None
    signer = InMemorySigner()
    enroll(world.http, "S1-POS9", code.group(1), signer, at=world.clock())  # the code works
    page = b.get("/admin/terminals").text
    assert signer.key_id in page and "Đang hoạt động" in page
    assert (
        b.post_form("/admin/terminals", "/admin/terminals/S1-POS9/disable", {}).status_code == 303
    )
    assert "Đã khoá" in b.get("/admin/terminals").text
    assert b.post_form("/admin/terminals", "/admin/terminals/S1-POS9/enable", {}).status_code == 303
    revoked = b.post_form("/admin/keys", f"/admin/keys/{signer.key_id}/revoke", {})
    assert revoked.status_code == 303
    assert "đã thu hồi" in b.get("/admin/keys").text
    log = b.get("/admin/audit?q=S1-POS9").text
    assert "terminal.create" in log and "terminal.disable" in log and "terminal.enable" in log


def test_hotlist_blocks_with_a_reason_and_scopes_unblock(world: World) -> None:
    till = world.till("T1", "S1")
    assert till.do("issue", "C9", 100_000, program="PREPAID").code == "ok"
    make_person(world, "binh", "staff", "S2")
    staff = Browser(world)
    staff.sign_in("binh")
    hot = "/admin/hotlist"
    blocked = staff.post_form(hot, hot, {"instrument": "C9", "reason": "mất", "action": "block"})
    assert blocked.status_code == 200 and "<td>mất</td>" in blocked.text
    assert world.view("C9")["status"] == "blocked"
    no_reason = staff.post_form(hot, hot, {"instrument": "C9", "reason": " ", "action": "unblock"})
    assert no_reason.status_code == 422
    found = {"instrument": "C9", "reason": "tìm thấy", "action": "unblock"}
    other_store = staff.post_form(hot, hot, found)
    assert other_store.status_code == 403  # issued by S1: only S1's staff or an admin
    b = admin(world)
    done = b.post_form(hot, hot, found)
    assert done.status_code == 200 and world.view("C9")["status"] == "active"
    unknown = b.post_form(hot, hot, {"instrument": "NOPE", "reason": "x", "action": "block"})
    assert unknown.status_code == 404


def test_campaign_codes_generated_with_progress_and_downloaded_once(
    world: World, tmp_path: Path
) -> None:
    with_vouchers(world, tmp_path)
    b = admin(world)
    fields = {"kind": "voucher", "id": "TET50", "name": "Tết 50k", "face_value": "50.000",
              "valid_until": "2025-12-31", "uses": "1", "min_spend": "200.000",
              "budget": "50.000.000"}  # fmt: skip
    assert b.post_form("/admin/campaigns", "/admin/campaigns", fields).status_code == 303
    started = b.post_form("/admin/campaigns", "/admin/campaigns/TET50/codes", {"count": "250"})
    assert started.status_code == 303
    job = started.headers["location"]
    page = b.get(job).text
    for _ in range(200):  # bounded wait for the background run; not a timing assertion
        if "job-done" in page or "job-error" in page:
            break
        assert 'http-equiv="refresh"' in page and "<progress" in page
        time.sleep(0.05)
        page = b.get(job).text
    assert "job-done" in page, page
    data = b.get(job + "/codes.csv")
    rows = list(csv.reader(io.StringIO(data.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:2] == ["code", "instrument"] and len(rows) == 251
    assert rows[1][6] == "31/12/2025" and rows[1][7].startswith("CS1:")
    assert b.get(job + "/codes.csv").status_code == 404  # once: only hashes remain
    summary = expect(world.get("/v1/campaigns/TET50"))
    assert summary["committed"] == 250 * 50_000
    assert "campaign.generate" in b.get("/admin/audit").text


def test_campaigns_say_when_there_is_no_qr_key(world: World) -> None:
    b = admin(world)
    page = b.get("/admin/campaigns").text
    assert 'id="no-qr"' in page


def test_keys_and_reconciliation_pages_render(world: World) -> None:
    world.till("T1", "S1")
    b = admin(world)
    assert b.get("/admin/keys").status_code == 200
    page = b.get("/admin/reconciliation")
    assert page.status_code == 200 and "Không có cảnh báo." in page.text


def test_changes_made_through_the_api_are_audited_too(world: World) -> None:
    expect(world.post("/v1/stores", {"id": "DN02", "name": "Đà Nẵng 2"}), 201)
    till = world.till("T1", "S1")
    assert till.do("issue", "C5", 10_000, program="PREPAID").code == "ok"
    assert world.act("C5", "block", world.admin).status_code == 200
    log = admin(world).get("/admin/audit").text
    assert "store.create" in log and "DN02" in log and "instrument.block" in log
    assert "terminal.create" in log  # the till's terminal, created through the API
