"""The back office's customer pages (follow-up cases by store with response times, segments)
and the care API, driven as people with their roles and store scopes would."""

from __future__ import annotations

from cardsvc.customers import feedback
from tests.backoffice.office import Browser, make_person
from tests.customers.helpers import sign_up
from tests.ledger.world import Till, World, expect


def low_rating(world: World, till: Till, instrument: str, rating: int = 1) -> int:
    sale = till.tx("issue", instrument, 100_000, program="PREPAID")
    till.send(sale)
    done = feedback.submit(world.ledger.customers, sale.id, rating, f"chậm ({instrument})", "vi")
    assert done.case_id is not None
    return done.case_id


def test_followups_by_store_with_response_times(world: World, till: Till) -> None:
    other = world.till("T2", "S2")
    mine = low_rating(world, till, "P-1")
    low_rating(world, other, "P-2", rating=2)
    make_person(world, "lan", "staff", "S1")
    office = Browser(world)
    assert office.sign_in("lan").status_code == 303
    page = office.get("/admin/followups")
    assert page.status_code == 200 and "Góp ý cần xử lý" in page.text
    assert "chậm (P-1)" in page.text and "chậm (P-2)" not in page.text  # own store only
    world.clock.advance(5400)
    done = office.post_form("/admin/followups", f"/admin/followups/{mine}",
                            {"status": "contacted", "note": "Đã gọi điện xin lỗi"})
    assert done.status_code == 200 and "Đã lưu." in done.text
    assert "1 giờ 30 phút" in done.text  # the time to first contact
    bad = office.post_form("/admin/followups", f"/admin/followups/{mine}",
                           {"status": "contacted", "note": ""})
    assert bad.status_code == 422 and "Hãy ghi lại việc đã làm." in bad.text
    en = office.get("/admin/followups?lang=en")
    assert "Feedback follow-up" in en.text and "1 h 30 min" in en.text
    api = expect(world.get("/v1/followups"))
    assert api["by_store"]["S1"]["median_contact_s"] == 5400
    assert api["by_store"]["S2"]["open"] == 1
    staff = world.person("thu", "staff", "S2")
    assert world.post(f"/v1/followups/{mine}", {"status": "resolved", "note": "x"},
                      auth=staff).status_code == 422  # another store's case: not found for them
    resolved = expect(world.post(f"/v1/followups/{mine}", {"status": "resolved", "note": "ok"}))
    assert resolved["status"] == "resolved"


def test_segments_page_and_runs(world: World) -> None:
    sign_up(world, "0909000001", home_store="S1")
    sign_up(world, "0909000002", home_store="S2")
    make_person(world, "boss", "admin")
    office = Browser(world)
    office.sign_in("boss")
    page = office.get("/admin/segments")
    assert page.status_code == 200 and "Nhóm khách hàng" in page.text
    assert 'id="segments-S1"' in page.text and 'id="segments-S2"' in page.text
    assert "Khách mới" in page.text
    for run in ("birthdays", "referrals", "rewards", "loyalty-messages", "outbox"):
        assert expect(world.post(f"/v1/customer-runs/{run}", {}))["run"] == run
    staff = world.person("thu", "staff", "S1")
    assert world.post("/v1/customer-runs/birthdays", {}, auth=staff).status_code == 403
