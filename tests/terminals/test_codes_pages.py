"""The codes, receipts and amount screens over the fake agent: what staff read for each answer
(every refusal reason in words, both languages), what the counter sends, and the receipt."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from reader_agent import contract as c
from terminals.counter.text import t

from .fake_agent import FakeAgent, quote, receipt
from .test_pages import counter as counter  # the counter over the fake agent
from .test_pages import fake as fake
from .test_pages import text_of

CODE = "7KQH-M2XC-9RTB-W4NA-P"
# Every reason a quote can give besides ok (cardsvc.protocol.counter and the core's codes).
REFUSALS = ["unknown_code", "code_typo", "not_a_code_instrument", "purchase_missing",
            "nothing_to_discount", "expired", "not_yet_valid", "already_redeemed",
            "min_spend_not_met", "not_accepted_here", "instrument_blocked", "insufficient_funds",
            "passback", "qr_malformed", "qr_bad_signature", "qr_unknown_key", "qr_key_revoked",
            "qr_wrong_purpose", "qr_key_not_valid", "qr_issued_in_future",
            "qr_unsupported_version"]  # fmt: skip


def answer_quote(fake: FakeAgent, code: str = "ok", **fields: Any) -> None:
    fake.reply(c.QUOTE_CODE.path, lambda body: httpx.Response(200, json=quote(code, **fields)))


def test_a_voucher_is_quoted_then_redeemed(counter: TestClient, fake: FakeAgent) -> None:
    page = counter.post("/codes/quote", data={"code": f" {CODE}\r\n", "purchase": "250k"})
    shown = text_of(page.text)
    assert "Phiếu hợp lệ." in shown and "Được trừ 50.000 ₫" in shown
    assert "Khách trả 200.000 ₫" in shown and "Đơn tối thiểu 200.000 ₫" in shown
    [asked] = fake.operations(c.QUOTE_CODE.path)
    assert asked == {"code": CODE, "purchase_amount": 250_000, "amount": None}
    request_id = re.search(r'name="request_id" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    data = {"code": CODE, "purchase": "250k", "amount": "50000", "request_id": request_id}
    done = counter.post("/codes/redeem", data=data)
    again = counter.post("/codes/redeem", data=data)  # a double click: one redemption
    assert 'data-code="ok"' in done.text and "Khách trả 200.000 ₫" in text_of(done.text)
    assert t("vi", "r_repeated") in again.text
    assert fake.operations(c.REDEEM_CODE.path) == [
        {"code": CODE, "purchase_amount": 250_000, "amount": 50_000, "request_id": request_id}
    ]
    assert 'href="/receipts/tx-1"' in done.text


@pytest.mark.parametrize("reason", REFUSALS)
@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_refusal_is_said_in_words(
    counter: TestClient, fake: FakeAgent, reason: str, lang: str
) -> None:
    answer_quote(fake, reason, amount=0, to_pay=250_000)
    page = counter.post(f"/codes/quote?lang={lang}", data={"code": CODE, "purchase": "250.000"})
    assert f'data-code="{reason}"' in page.text
    assert t(lang, reason) in text_of(page.text) and t(lang, reason) != reason
    assert 'id="redeem-form"' not in page.text  # nothing to redeem


def test_a_scan_from_another_screen_is_quoted_at_once(counter: TestClient, fake: FakeAgent) -> None:
    page = counter.get("/codes", params={"code": CODE + "\r"})
    assert 'id="quote"' in page.text and fake.operations(c.QUOTE_CODE.path)[0]["code"] == CODE
    receipt_qr = counter.get("/codes", params={"code": "S1-POS1-000042"}, follow_redirects=False)
    assert receipt_qr.headers["location"] == "/receipts?number=S1-POS1-000042"


def test_the_ledger_away_refuses_codes(counter: TestClient, fake: FakeAgent) -> None:
    fake.reply(c.QUOTE_CODE.path, lambda body: httpx.Response(
        503, json={"error": "ledger_unavailable", "detail": "down"}))  # fmt: skip
    page = counter.post("/codes/quote?lang=en", data={"code": CODE, "purchase": "1tr"})
    assert t("en", "ledger_unavailable") in text_of(page.text)
    assert 'id="codes-offline"' not in page.text  # the agent had not noticed yet
    fake.health["ledger_reachable"] = False  # now it has: said before anyone scans
    assert t("vi", "codes_need_ledger") in counter.get("/codes?lang=vi").text


def test_bad_amounts_are_refused_before_the_agent(counter: TestClient, fake: FakeAgent) -> None:
    page = counter.post("/codes/quote", data={"code": CODE, "purchase": "1.5"})
    assert page.status_code == 422
    assert "“1.5”: tiền đồng không có số lẻ" in text_of(page.text)
    assert not fake.operations(c.QUOTE_CODE.path)


@pytest.mark.parametrize(
    ("typed", "lang", "shown"),
    [("50k", "vi", "50.000 ₫"), ("1tr", "vi", "1.000.000 ₫"), ("1m", "en", "1.000.000 ₫"),
     ("1,5tr", "vi", "1.500.000 ₫"), ("200 000", "vi", "200.000 ₫"),
     ("1.5", "vi", "“1.5”: tiền đồng không có số lẻ."),
     ("1000000000000000", "en", "“1000000000000000”: the amount is too large"),
     ("abc", "en", "“abc” is not an amount")],
)  # fmt: skip
def test_the_preview_is_the_servers_reading(
    counter: TestClient, typed: str, lang: str, shown: str
) -> None:
    answer = counter.get("/amount-preview", params={"typed": typed, "lang": lang}).json()
    assert shown in answer["text"]
    assert answer["ok"] is shown.endswith("₫")
    points = counter.get("/amount-preview", params={"typed": "1200", "unit": "PTS"}).json()
    assert points == {"ok": True, "text": "1.200 điểm"}


def test_a_receipt_prints_everything(counter: TestClient, fake: FakeAgent) -> None:
    fake.receipts.append(receipt())
    page = counter.get("/receipts/tx-1")
    shown = text_of(page.text)
    for part in ("Cửa hàng S1", "Số hóa đơn 000001", "Quầy S1-POS1", "Nhân viên Lan",
                 "Thời gian 24/11/2025 23:10", "Số tiền 50.000 ₫", "Số dư trên thẻ 150.000 ₫",
                 "S1-POS1-000001", "Máy chủ đã xác nhận."):  # fmt: skip
        assert part in shown, part
    assert "<svg" in page.text and 'id="refund-from-receipt"' in page.text
    assert 'href="/refund?ref=tx-1&amount=50.000"' in page.text
    english = text_of(counter.get("/receipts/tx-1?lang=en").text)
    assert "Receipt no. 000001" in english and "Staff Lan" in english
    assert counter.get("/receipts/nope").status_code == 404


def test_a_code_redemption_is_voided_from_its_receipt(counter: TestClient, fake: FakeAgent) -> None:
    fake.receipts.append(receipt(uid=None, card_value=None, purchase_amount=250_000,
                                 instrument="V-1"))  # fmt: skip
    page = counter.get("/receipts/tx-1")
    assert "Khách trả 200.000 ₫" in text_of(page.text) and 'id="void-form"' in page.text
    assert 'id="refund-from-receipt"' not in page.text  # no card to give value back to
    void_id = re.search(r'name="request_id" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    done = counter.post("/receipts/tx-1/void", data={"request_id": void_id})
    assert 'data-code="ok"' in done.text
    assert fake.operations(c.VOID.path) == [{"ref": "tx-1", "request_id": void_id}]


def test_receipts_are_searched(counter: TestClient, fake: FakeAgent) -> None:
    fake.receipts.append(receipt())
    page = counter.get("/receipts", params={"number": "1", "card": "", "day": "2025-11-25"})
    assert 'href="/receipts/tx-1"' in page.text
    bad = counter.get("/receipts", params={"day": "25/11"})
    assert t("vi", "search_day_bad") in bad.text


def test_a_missing_card_key_is_named(counter: TestClient, fake: FakeAgent) -> None:
    fake.reply(c.ISSUE.path, lambda body: httpx.Response(
        503, json={"error": "card_key_missing", "detail": "purse-app"}))  # fmt: skip
    form = counter.get("/sell")
    request_id = re.search(r'name="request_id" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
    data = {"request_id": request_id, "amount": "100k", "program": "PREPAID"}
    shown = text_of(counter.post("/sell", data=data).text)
    assert "Máy này thiếu khóa thẻ (purse-app)" in shown and "reader-agent card-keys" in shown
    assert 'id="retry"' in counter.post("/sell", data=data).text  # the same sale, once keys exist
