"""The counter's pages over a fake agent: status bar, shift, tap, the four sales with every
kind of answer, in both languages; double submission; bad input; other sites' posts."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from reader_agent import contract as c
from terminals.counter.app import create_app
from terminals.counter.outcomes import describe
from terminals.counter.settings import CounterSettings
from terminals.counter.text import t

from .fake_agent import FakeAgent, answer_of, error, tap_result
from .test_text import ANSWER_CODES

PATHS = {"sell": "/v1/issue", "top-up": "/v1/top-up", "redeem": "/v1/redeem",
         "refund": "/v1/refund"}  # fmt: skip
LEDGER_VIEW = {"id": "card-04A1B2C3D4E581", "program": "PREPAID", "kind": "prepaid",
               "unit": "VND", "balance": 150_000, "status": "active", "uses_left": None,
               "valid_from": None, "valid_until": None}  # fmt: skip


@pytest.fixture
def fake() -> FakeAgent:
    agent = FakeAgent()
    for path in PATHS.values():
        agent.answer(path)
    return agent


@pytest.fixture
def counter(fake: FakeAgent) -> Iterator[TestClient]:
    settings = CounterSettings(tap_timeout_s=5)
    with TestClient(create_app(settings, agent_http=fake.http())) as client:
        yield client


def sale_id(html: str) -> str:
    found = re.search(r'name="request_id" value="([^"]+)"', html)
    assert found is not None, "the form carries a sale id"
    return found.group(1)


def submit(counter: TestClient, slug: str, lang: str = "vi", **fields: str) -> httpx.Response:
    form = counter.get(f"/{slug}?lang={lang}")
    assert form.status_code == 200
    data = {"request_id": sale_id(form.text), "amount": "50.000", **fields}
    if slug == "sell":
        data.setdefault("program", "PREPAID")
    if slug == "refund":
        data.setdefault("ref", "tx-1")
    sold: httpx.Response = counter.post(f"/{slug}", data=data)
    return sold


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


# --- status bar ------------------------------------------------------------------------------
def test_home_in_vietnamese_by_default_then_english(counter: TestClient) -> None:
    page = counter.get("/")
    assert '<html lang="vi">' in page.text
    shown = text_of(page.text)
    assert "Đang chạy (S1-POS1)" in shown and "Trực tuyến" in shown
    assert "ACS ACR122U 00 00" in shown and "Chưa mở ca" in shown
    assert "Chờ gửi: 0" in shown and 'id="shift-needed"' in page.text
    english = counter.get("/?lang=en")
    assert '<html lang="en">' in english.text and "Running (S1-POS1)" in english.text
    assert '<html lang="en">' in counter.get("/").text  # remembered in a cookie
    assert '<html lang="vi">' in counter.get("/?lang=vi").text


def test_status_bar_when_things_are_wrong(counter: TestClient, fake: FakeAgent) -> None:
    fake.health["ledger_reachable"] = False
    fake.readers.update(readers=[], error="pcscd is not running")
    fake.queue.update(ready=4, on_card=1, unresolved=2)
    shown = text_of(counter.get("/").text)
    assert "Mất kết nối – chỉ thanh toán bằng thẻ, giao dịch được xếp hàng" in shown
    # the agent's reason is English, for technicians: staff read what it means, in Vietnamese
    assert "pcscd is not running" not in counter.get("/").text
    assert t("vi", "st_reader_unavailable") in shown
    assert 'title="pcscd is not running"' in counter.get("/?lang=en").text
    assert "Chờ gửi: 5 · 2 chưa rõ kết quả – báo quản lý" in shown
    fake.readers.update(error=None)
    assert "Đầu đọc thẻ: Chưa cắm đầu đọc thẻ" in text_of(counter.get("/?lang=vi").text)


def test_agent_down_is_a_message_not_a_crash(counter: TestClient, fake: FakeAgent) -> None:
    fake.down = True
    page = counter.get("/?lang=en")
    assert page.status_code == 200 and "Card agent: Not reachable" in text_of(page.text)
    assert 'id="shift-needed"' not in page.text
    fake.down = False
    form = counter.get("/redeem")
    fake.down = True
    sold = counter.post("/redeem", data={"request_id": sale_id(form.text), "amount": "50000"})
    assert sold.status_code == 200
    assert t("en", "agent_unreachable") in sold.text and 'id="retry"' in sold.text


def test_a_busy_agent_is_busy_not_gone(counter: TestClient, fake: FakeAgent) -> None:
    fake.busy = True
    shown = text_of(counter.get("/?lang=vi").text)
    assert "Dịch vụ thẻ: Đang bận (đang làm việc với thẻ)" in shown
    assert t("vi", "st_agent_down") not in shown
    assert "Card agent: Busy" in text_of(counter.get("/?lang=en").text)


# --- shift -----------------------------------------------------------------------------------
def test_open_a_shift_with_a_pin(counter: TestClient, fake: FakeAgent) -> None:
    screen = counter.get("/shift")
    assert '<option value="NV01">Lan (NV01)</option>' in screen.text  # chosen, never typed
    opened = counter.post("/shift", data={"staff": "NV01", "pin": "1234"})
    assert "Đã mở ca cho Lan." in opened.text
    assert fake.shift["staff"] == "Lan"
    assert "Lan, từ 25/11/2025 00:00" in text_of(opened.text)  # UTC+7
    fake.shift["offline_spent"] = 250_000
    assert "Đã chi ngoại tuyến trong ca: 250.000 ₫" in text_of(counter.get("/").text)
    assert 'id="shift-needed"' not in counter.get("/").text
    wrong = counter.post("/shift", data={"staff": "NV02", "pin": "0000"})
    assert wrong.status_code == 403 and t("vi", "wrong_pin") in wrong.text
    assert fake.shift["staff"] == "Lan"
    for data, key in (({"staff": "", "pin": "1234"}, "shift_staff_missing"),
                      ({"staff": "NV01", "pin": "12"}, "shift_pin_bad"),
                      ({"staff": "NV01", "pin": "12ab"}, "shift_pin_bad")):  # fmt: skip
        refused = counter.post("/shift", data=data)
        assert refused.status_code == 422 and t("vi", key) in refused.text
    handover = counter.post("/shift?lang=en", data={"staff": "NV02", "pin": "5678"})
    assert "Shift opened for Minh." in handover.text and 'id="closed-report"' in handover.text
    closed = counter.post("/shift/close", data={"staff": "NV02", "pin": "5678"})
    assert 'id="closed-report"' in closed.text and fake.shift["staff"] == "agent"


def posted(fake: FakeAgent) -> dict[str, Any]:
    """The body of the last shift form the counter sent to the agent."""
    body = [b for method, _, b in fake.calls if method == "POST"][-1]
    assert isinstance(body, dict)
    return body


def test_a_shift_opens_with_its_float_and_closes_with_the_cash_counted(
    counter: TestClient, fake: FakeAgent
) -> None:
    opened = counter.post("/shift", data={"staff": "NV01", "pin": "1234",
                                          "opening_float": "500k"})  # fmt: skip
    assert opened.status_code == 200 and posted(fake)["opening_float"] == 500_000
    bad = counter.post("/shift/close", data={"staff": "NV01", "pin": "1234",
                                             "counted_cash": "năm trăm"})  # fmt: skip
    assert bad.status_code == 422 and "năm trăm" in bad.text
    assert fake.shift["staff"] == "Lan"  # nothing was closed
    closed = counter.post("/shift/close", data={"staff": "NV01", "pin": "1234",
                                                "counted_cash": "480.000"})  # fmt: skip
    assert closed.status_code == 200 and posted(fake)["counted_cash"] == 480_000
    uncounted = counter.post("/shift", data={"staff": "NV01", "pin": "1234"})
    assert uncounted.status_code == 200 and posted(fake)["opening_float"] == 0


# --- tap -------------------------------------------------------------------------------------
def tap_as(counter: TestClient, fake: FakeAgent, lang: str = "vi", **card: Any) -> str:
    fake.card = {"kind": "purse", "uid": "04A1B2C3D4E581", "instrument": "card-04A1B2C3D4E581",
                 "card_value": 150_000, "card_counter": 3, "ledger": LEDGER_VIEW, "agree": True,
                 "recovered": [], **card}  # fmt: skip
    page = counter.post(f"/tap?lang={lang}")
    assert page.status_code == 200
    return text_of(page.text)


def test_tap_shows_a_purse_card(counter: TestClient, fake: FakeAgent) -> None:
    shown = tap_as(counter, fake)
    assert "Loại thẻ Thẻ ví điện tử (DESFire)" in shown and "Chương trình Thẻ trả trước" in shown
    assert "Số dư 150.000 ₫" in shown and "Số dư trên thẻ 150.000 ₫" in shown
    assert "Trạng thái Đang hoạt động" in shown and "card-04A1B2C3D4E581" in shown
    english = tap_as(counter, fake, "en", ledger={**LEDGER_VIEW, "valid_until": 1_767_200_400})
    assert "Balance 150.000 ₫" in english and "Status Active" in english
    assert "Expires 01/01/2026 00:00" in english


def test_tap_shows_member_points_not_dong(counter: TestClient, fake: FakeAgent) -> None:
    member = {**LEDGER_VIEW, "kind": "member", "unit": "PTS", "balance": 1_250}
    shown = tap_as(counter, fake, kind="online", card_value=None, ledger=member, agree=None)
    assert "Điểm thành viên 1.250 điểm" in shown and "Thẻ thành viên" in shown
    assert "₫" not in shown.split("Điểm thành viên")[1]
    english = tap_as(counter, fake, "en", kind="online", card_value=None, ledger=member)
    assert "Member points 1.250 points" in english


@pytest.mark.parametrize(
    ("card", "expected"),
    [({"kind": "blank", "card_value": None, "ledger": None}, "Thẻ trắng – chưa phát hành"),
     ({"ledger": {"error": "not_found", "detail": "no instrument"}}, "Chưa phát hành"),
     ({"ledger": None, "agree": None}, "Không kết nối máy chủ – chỉ có số dư trên thẻ"),
     ({"ledger": {**LEDGER_VIEW, "status": "blocked"}}, "Thẻ đã bị khóa. Không nhận thẻ này."),
     ({"agree": False, "ledger": {**LEDGER_VIEW, "balance": 200_000}}, "Số dư trên thẻ khác"),
     ({"recovered": [{"tx_id": "t", "state": "ready"}]}, "Đã xử lý 1 giao dịch bị gián đoạn")],
)  # fmt: skip
def test_tap_explains_the_card(
    counter: TestClient, fake: FakeAgent, card: dict[str, Any], expected: str
) -> None:
    assert expected in tap_as(counter, fake, **card)


def test_blank_card_offers_selling_it(counter: TestClient, fake: FakeAgent) -> None:
    fake.card = {"kind": "blank", "uid": "04", "instrument": "card-04", "ledger": None}
    page = counter.post("/tap").text
    assert 'id="card-sell"' in page and 'id="card-redeem"' not in page


@pytest.mark.parametrize(
    ("status", "code"),
    [(408, "no_card"), (409, "reader_busy"), (503, "reader_unavailable"), (422, "unknown_card")],
)  # fmt: skip
def test_tap_errors_are_messages(
    counter: TestClient, fake: FakeAgent, status: int, code: str
) -> None:
    fake.reply("/v1/tap", error(status, code))
    page = counter.post("/tap?lang=en")
    assert page.status_code == 200 and t("en", code) in page.text


# --- sales -----------------------------------------------------------------------------------
@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("code", ANSWER_CODES)
def test_every_answer_is_shown_plainly(
    counter: TestClient, fake: FakeAgent, code: str, lang: str
) -> None:
    fake.answer("/v1/redeem", code=code, mode="local" if code != "ok" else "online")
    page = submit(counter, "redeem", lang)
    assert page.status_code == 200
    assert describe(lang, code, "online") in text_of(page.text)
    assert "Traceback" not in page.text


@pytest.mark.parametrize(
    ("status", "code", "retry"),
    [(408, "no_card", True), (409, "reader_busy", True), (503, "reader_unavailable", True),
     (409, "card_error", True), (422, "unknown_card", False), (422, "invalid", False),
     (500, "something_else", True)],
)  # fmt: skip
def test_agent_errors_during_a_sale(
    counter: TestClient, fake: FakeAgent, status: int, code: str, retry: bool
) -> None:
    fake.reply("/v1/top-up", error(status, code, "the detail"))
    page = submit(counter, "top-up", "en")
    shown = text_of(page.text)
    assert t("en", code if code != "something_else" else "agent_error") in shown
    assert "the detail" in shown and ('id="retry"' in page.text) is retry


@pytest.mark.parametrize(
    ("mode", "headline"),
    [("online", "Thành công."), ("offline", "Thành công (ngoại tuyến)"),
     ("queued", "máy chủ chưa trả lời")],
)  # fmt: skip
def test_a_sale_shows_its_figures(
    counter: TestClient, fake: FakeAgent, mode: str, headline: str
) -> None:
    fake.answer("/v1/redeem", mode=mode, card_value=150_000, ledger_balance=150_000,
                tx_id="4f1c")  # fmt: skip
    page = submit(counter, "redeem")
    shown = text_of(page.text)
    assert headline in shown and "Số tiền 50.000 ₫" in shown
    assert "Số dư trên thẻ 150.000 ₫" in shown and "Mã giao dịch 4f1c" in shown
    assert 'href="/refund?ref=4f1c&amp;amount=50.000"' in page.text
    assert 'id="retry"' not in page.text


def test_the_refund_link_fills_the_refund_form(counter: TestClient) -> None:
    page = counter.get("/refund?ref=4f1c&amount=50.000").text
    assert 'name="ref" value="4f1c"' in page and 'name="amount" value="50.000"' in page


def test_sell_lists_a_prepaid_card_first(counter: TestClient, fake: FakeAgent) -> None:
    """The ledger lists a gift card first; the sell screen puts the prepaid card first, so it is
    the card sold when staff do not choose."""
    fake.programs = answer_of(c.CardPrograms(programs=[
        c.CardProgram(id="MEMBER", name="Thẻ thành viên", kind="member", unit="PTS"),
        c.CardProgram(id="TET", name="Thẻ quà Tết", kind="gift", unit="VND"),
        c.CardProgram(id="PREPAID", name="Thẻ trả trước", kind="prepaid", unit="VND"),
    ]))  # fmt: skip
    listed = re.findall(r'<option value="([A-Z]+)"', counter.get("/sell").text)
    assert listed == ["PREPAID", "TET", "MEMBER"]


def test_sell_sends_program_amount_and_sale_id(counter: TestClient, fake: FakeAgent) -> None:
    form = counter.get("/sell")
    assert 'value="PREPAID" data-unit="VND">Thẻ trả trước (Thẻ trả trước)</option>' in form.text
    assert 'data-unit="PTS">Thẻ thành viên (Thẻ thành viên, tích điểm)</option>' in form.text
    request_id = sale_id(form.text)
    counter.post("/sell", data={"request_id": request_id, "amount": "200.000",
                                "program": "PREPAID"})  # fmt: skip
    counter.post("/sell", data={"request_id": "sale-free", "amount": "0", "program": "PREPAID"})
    assert fake.operations("/v1/issue") == [
        {"timeout_s": 5, "amount": 200_000, "program": "PREPAID", "request_id": request_id},
        {"timeout_s": 5, "amount": 0, "program": "PREPAID", "request_id": "sale-free"},
    ]


def test_refund_sends_its_reference(counter: TestClient, fake: FakeAgent) -> None:
    submit(counter, "refund", ref="4f1c", amount="20.000")
    [sent] = fake.operations("/v1/refund")
    assert (sent["ref"], sent["amount"]) == ("4f1c", 20_000)


def test_compensation_is_explained(counter: TestClient, fake: FakeAgent) -> None:
    fake.answer("/v1/redeem", code="instrument_blocked", compensated=True)
    shown = text_of(submit(counter, "redeem").text)
    assert "Thẻ đã bị khóa" in shown and "thẻ đã được trả lại như cũ" in shown


def test_a_double_submit_charges_once(counter: TestClient, fake: FakeAgent) -> None:
    form = counter.get("/redeem")
    data = {"request_id": sale_id(form.text), "amount": "50.000"}
    first, second = counter.post("/redeem", data=data), counter.post("/redeem", data=data)
    assert len(fake.operations("/v1/redeem")) == 1
    assert all("Mã giao dịch tx-1" in text_of(page.text) for page in (first, second))
    assert t("vi", "r_repeated") in second.text and t("vi", "r_repeated") not in first.text
    fresh = counter.get("/redeem")
    assert sale_id(fresh.text) != data["request_id"]  # a new form is a new sale


def test_a_retry_after_a_lost_tap_reuses_the_sale_id(counter: TestClient, fake: FakeAgent) -> None:
    fake.reply("/v1/redeem", lambda body: httpx.Response(200, json=tap_result(
        "card_removed", tx_id="tx-7", amount=body["amount"])))  # fmt: skip
    torn = submit(counter, "redeem")
    assert t("vi", "card_removed") in torn.text and 'id="retry"' in torn.text
    retry_form = re.search(r'<form[^>]*id="retry-form".*?</form>', torn.text, re.S)
    assert retry_form is not None
    hidden = dict(re.findall(r'name="(\w+)" value="([^"]*)"', retry_form.group(0)))
    fake.answer("/v1/redeem", tx_id="tx-7")
    done = counter.post("/redeem", data=hidden)
    assert "Thành công." in done.text
    ids = [op["request_id"] for op in fake.operations("/v1/redeem")]
    assert len(ids) == 2 and ids[0] == ids[1] == hidden["request_id"]


def test_a_sale_id_reused_for_another_amount_is_refused(
    counter: TestClient, fake: FakeAgent
) -> None:
    data = {"request_id": "sale-42", "amount": "50.000"}
    counter.post("/redeem", data=data)
    other = counter.post("/redeem", data={**data, "amount": "60.000"})
    assert other.status_code == 409 and t("vi", "sale_id_reused") in other.text
    assert sale_id(other.text) != "sale-42" and len(fake.operations("/v1/redeem")) == 1


@pytest.mark.parametrize(
    ("slug", "data", "message"),
    [("redeem", {"amount": "abc"}, "amount_bad"), ("redeem", {"amount": ""}, "amount_missing"),
     ("redeem", {"amount": "0"}, "amount_zero"), ("top-up", {"amount": "50,5"}, "amount_decimal"),
     ("top-up", {"amount": "1.5"}, "amount_decimal"),
     ("redeem", {"amount": "1000000000000000"}, "amount_too_large"),
     ("sell", {"amount": "1", "program": "prepaid"}, "program_unknown"),
     ("sell", {"amount": "1", "program": ""}, "program_missing"),
     ("sell", {"amount": "1", "program": "<b>"}, "id_bad"),
     ("refund", {"amount": "1", "ref": ""}, "ref_missing"),
     ("redeem", {"amount": "1", "request_id": "not a valid id"}, "id_bad")],
)  # fmt: skip
def test_bad_input_is_refused_before_the_agent(
    counter: TestClient, fake: FakeAgent, slug: str, data: dict[str, str], message: str
) -> None:
    page = counter.post(f"/{slug}", data={"request_id": "sale-1", **data})
    typed, shown = data["amount"].strip(), text_of(page.text)
    expected = t("vi", message, typed=typed, max="1.000.000.000.000 ₫", program=data.get("program"))
    assert page.status_code == 422 and expected in shown  # what was typed is repeated
    assert not fake.operations(PATHS[slug])
    assert f'value="{data["amount"]}"' in page.text  # what was typed is kept


def test_a_queued_result_can_be_checked_again(counter: TestClient, fake: FakeAgent) -> None:
    fake.answer("/v1/top-up", code="pending", mode="queued", tx_id="tx-5")
    page = submit(counter, "top-up")
    assert 'href="/results/tx-5"' in page.text and t("vi", "pending") in page.text
    fake.results["tx-5"] = tap_result("ok", "top_up", tx_id="tx-5", amount=50_000)
    checked = counter.get("/results/tx-5?lang=en")
    assert "Done." in checked.text and "Top up (cash)" in checked.text
    assert t("en", "result_not_found") in counter.get("/results/tx-0?lang=en").text
    assert t("en", "result_not_found") in counter.get("/results/bad%20id?lang=en").text


@pytest.mark.parametrize(
    "headers",
    [{"origin": "http://evil.example"}, {"origin": "null"}, {"sec-fetch-site": "cross-site"},
     {"sec-fetch-site": "same-site"}],
)  # fmt: skip
def test_posts_from_other_sites_are_refused(
    counter: TestClient, fake: FakeAgent, headers: dict[str, str]
) -> None:
    data = {"request_id": "sale-1", "amount": "50.000"}
    assert counter.post("/redeem", data=data, headers=headers).status_code == 403
    assert counter.post("/shift", data={"staff": "X"}, headers=headers).status_code == 403
    assert counter.post("/tap", headers=headers).status_code == 403
    assert fake.operations("/v1/redeem") == [] and fake.shift["staff"] == "agent"


def test_own_origin_is_accepted(counter: TestClient, fake: FakeAgent) -> None:
    headers = {"origin": "http://testserver", "sec-fetch-site": "same-origin"}
    data = {"request_id": "sale-1", "amount": "50.000"}
    assert counter.post("/redeem", data=data, headers=headers).status_code == 200
    assert len(fake.operations("/v1/redeem")) == 1


def test_an_over_long_field_gets_a_page(counter: TestClient, fake: FakeAgent) -> None:
    page = counter.post("/redeem", data={"request_id": "s", "amount": "1" * 500})
    assert page.status_code == 422 and t("vi", "invalid") in page.text
    assert page.headers["content-type"].startswith("text/html")
    assert fake.operations("/v1/redeem") == []


def test_static_files(counter: TestClient) -> None:
    assert counter.get("/static/counter.css").headers["content-type"].startswith("text/css")
    assert "data-wait" in counter.get("/static/counter.js").text
    assert counter.get("/static/secret.py").status_code == 404
