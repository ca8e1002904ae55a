"""The counter in real headless Chromium over the real ledger (with a QR signing key) and the real
reader agent, the first till's card an emulated DESFire card in the real pcscd (vpcd):
- a voucher QR redeemed by keyboard-wedge typing from another screen, and by the camera
  (Chromium's fake camera playing a video of the real generated QR code);
- a voucher raced at two counters: exactly one succeeds;
- every refusal a code can meet, shown in words; a gift card spent in part; a ticket checked in;
- a shift opened and closed with a PIN, its cash report; a card sale's receipt, refunded from it;
- both languages, at 390 px and 1280 px."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from reader_agent.agent.wiring import pcsc_reader_opener
from reader_agent.drivers.virtual import VirtualReader
from tests.reader_agent.agent.conftest import Chain, make_keystore
from tests.reader_agent.agent.test_e2e_pcscd import VPCD_READER, CardInVpcd
from tests.reader_agent.agent.test_e2e_pcscd import card as card  # the card in pcscd
from tests.reader_agent.contract_check import ContractWatch
from tests.terminals.browser_fixtures import browser as browser  # the shared fixture
from tests.terminals.browser_fixtures import chromium

from .tills import QR_LABEL, CodeTill, campaign, code_till, qr_video, voucher_chain

pytestmark = [pytest.mark.browser, pytest.mark.pcscd]
PHONE: Any = {"width": 390, "height": 844}
DESK: Any = {"width": 1280, "height": 900}
DAY = 86_400


@pytest.fixture
def chain(tmp_path: Path) -> Iterator[Chain]:
    keystore = make_keystore(tmp_path / "ledger-keys.json", ())
    keystore.generate_ed25519(QR_LABEL, "qr")
    with voucher_chain(tmp_path, keystore) as made:
        yield made


@pytest.fixture
def watch() -> Iterator[ContractWatch]:
    watched = ContractWatch()
    yield watched
    watched.assert_clean()  # every answer the counters got from the agents is the contract's


@pytest.fixture
def till(
    chain: Chain, tmp_path: Path, card: CardInVpcd, watch: ContractWatch
) -> Iterator[CodeTill]:
    """The first counter: its agent reads the emulated card through the real pcscd."""
    with code_till(chain, tmp_path, "S1-QUAY1", pcsc_reader_opener(VPCD_READER), watch) as made:
        yield made


@pytest.fixture
def second_till(chain: Chain, tmp_path: Path, watch: ContractWatch) -> Iterator[CodeTill]:
    reader = VirtualReader("Virtual reader 1")
    with code_till(chain, tmp_path, "S1-QUAY2", (lambda: reader, lambda: [reader.info()]),
                   watch) as made:  # fmt: skip
        yield made


def open_page(browser: Any, url: str, viewport: Any = DESK) -> Any:
    tab = browser.new_page(viewport=viewport)
    tab.set_default_timeout(45_000)  # a bound on waiting on a loaded machine, not a speed test
    tab.goto(url)
    return tab


def fits(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def quote_message(page: Any) -> str:
    page.wait_for_selector("#quote")
    return str(page.inner_text("#quote-message"))


def check_code(page: Any, code: str, purchase: str = "") -> str:
    page.goto(str(page.evaluate("location.origin")) + "/codes")
    page.fill("#code", code)
    page.fill("#purchase", purchase)
    page.click("#check-code")
    return quote_message(page)


def later(days: int) -> int:
    return int(time.time()) + days * DAY


def test_a_voucher_scanned_by_the_keyboard_wedge(
    browser: Any, till: CodeTill, chain: Chain
) -> None:
    [voucher] = campaign(chain, id="TET50", kind="voucher", face_value=50_000,
                         min_spend=200_000, valid_until=later(30))  # fmt: skip
    page = open_page(browser, till.counter_url + "/tap")
    # a person types slowly in a field: never taken for a scan
    page.click("#nav-redeem")
    page.type("#amount", "1234567", delay=90)
    page.wait_for_timeout(200)
    assert page.input_value("#amount") == "1234567" and "/redeem" in page.url
    # the scanner: the QR's text at scanner speed, then Enter, into the amount field
    page.keyboard.type(voucher["qr"], delay=2)
    page.keyboard.press("Enter")
    page.wait_for_url("**/codes?code=*")
    assert quote_message(page) == "Nhập số tiền hóa đơn để biết phiếu được trừ bao nhiêu."
    assert "Tết 50k" not in page.inner_text("#quote") and "50.000 ₫" in page.inner_text("#quote")
    page.fill("#purchase", "250k")
    page.click("#check-code")
    assert quote_message(page) == "Phiếu hợp lệ."
    shown = page.inner_text("#quote")
    assert "Được trừ\n50.000 ₫" in shown and "Khách trả\n200.000 ₫" in shown
    page.click("#redeem")
    page.wait_for_selector("#outcome")
    assert page.get_attribute("#outcome", "data-code") == "ok"
    assert "Khách trả\n200.000 ₫" in page.inner_text("#outcome")
    # its receipt, and the same voucher scanned again on the codes screen itself
    page.click("#receipt-link")
    assert "Khách trả" in page.inner_text("#rc-total") and page.locator("#rc-qr svg").count() == 1
    page.goto(till.counter_url + "/codes")
    page.focus("#code")
    page.keyboard.type(voucher["qr"][:40], delay=2)
    page.wait_for_timeout(250)  # the till's machine stalls mid-scan: still one scan
    page.keyboard.type(voucher["qr"][40:], delay=2)
    page.keyboard.press("Enter")
    assert quote_message(page) == "Đã sử dụng hết lượt."
    assert fits(page)


def test_a_voucher_scanned_by_the_camera(
    till: CodeTill, chain: Chain, tmp_path: Path
) -> None:
    [voucher] = campaign(chain, id="GIAM10", kind="voucher", discount_bp=1_000,
                         discount_cap=30_000, valid_until=later(30))  # fmt: skip
    video = qr_video(voucher["qr"], tmp_path / "qr.y4m")
    with chromium(camera=video) as browser:
        page = open_page(browser, till.counter_url + "/codes?lang=en", PHONE)
        page.fill("#purchase", "500.000")
        page.click("#camera-start")
        # 10 % of 500.000 is 50.000, capped at 30.000 by the voucher's terms
        assert quote_message(page) == "The voucher is valid."
        assert "Taken off\n30.000 ₫" in page.inner_text("#quote")
        assert "Customer pays\n470.000 ₫" in page.inner_text("#quote")
        page.click("#redeem")
        page.wait_for_selector("#outcome")
        assert page.get_attribute("#outcome", "data-code") == "ok"
        assert fits(page)


def test_a_voucher_raced_at_two_counters(
    browser: Any, till: CodeTill, second_till: CodeTill, chain: Chain
) -> None:
    [voucher] = campaign(chain, id="MOT", kind="voucher", face_value=20_000,
                         valid_until=later(3))  # fmt: skip
    pages = [open_page(browser, t.counter_url + "/codes") for t in (till, second_till)]
    for page in pages:
        assert check_code(page, voucher["code"], "100.000") == "Phiếu hợp lệ."
    # both cashiers press at the same moment: the two redemptions reach the ledger together
    at = int(time.time() * 1000) + 1_000
    send = """(at) => { const f = document.getElementById("redeem-form");
        const body = new URLSearchParams(new FormData(f));
        setTimeout(() => fetch(f.action, {method: "POST", body: body})
          .then(r => r.text()).then(t => { window.raced = t; }), at - Date.now()); }"""
    for page in pages:
        page.evaluate(send, at)
    answers = []
    for page in pages:
        page.wait_for_function("window.raced !== undefined")
        answers.append(str(page.evaluate("window.raced")))
    codes = sorted(a.split('data-code="', 1)[1].split('"', 1)[0] for a in answers)
    assert codes == ["already_redeemed", "ok"]  # exactly one of the two
    assert check_code(pages[0], voucher["code"], "100.000") == "Đã sử dụng hết lượt."


def test_every_refusal_in_words(browser: Any, till: CodeTill, chain: Chain) -> None:
    used = campaign(chain, id="DUNG", kind="voucher", face_value=10_000, valid_until=later(3))[0]
    soon = campaign(chain, id="SAU", kind="voucher", face_value=10_000, valid_from=later(2),
                    valid_until=later(9))[0]  # fmt: skip
    old = campaign(chain, id="CU", kind="voucher", face_value=10_000,
                   valid_until=int(time.time()) - DAY)[0]  # fmt: skip
    other = campaign(chain, id="S2ONLY", kind="voucher", face_value=10_000,
                     valid_until=later(3), accepted_stores=["S2"])[0]  # fmt: skip
    big = campaign(chain, id="LON", kind="voucher", face_value=100_000, min_spend=500_000,
                   valid_until=later(3))[0]  # fmt: skip
    page = open_page(browser, till.counter_url + "/codes")
    assert check_code(page, used["code"], "50.000") == "Phiếu hợp lệ."
    page.click("#redeem")
    page.wait_for_selector("#outcome")
    typo = used["code"][:-1] + ("0" if used["code"][-1] != "0" else "1")
    expected = {
        used["code"]: "Đã sử dụng hết lượt.",
        soon["code"]: "Chưa đến ngày hiệu lực.",
        old["code"]: "Đã hết hạn.",
        other["code"]: "Không dùng được tại cửa hàng này.",
        big["code"]: "Chưa đạt giá trị đơn hàng tối thiểu.",
        typo: "Mã gõ sai một ký tự (ký tự kiểm tra không khớp): kiểm tra lại.",
        "0000-0000-0000-0000-0": "Không có mã này: kiểm tra lại từng ký tự.",
        old["qr"][:-6] + "AAAAAA": "Mã QR không đọc được hoặc không phải mã của hệ thống.",
    }
    for code, message in expected.items():
        assert check_code(page, code, "200.000") == message, code
    # in English, on a phone
    phone = open_page(browser, till.counter_url + "/codes?lang=en", PHONE)
    assert check_code(phone, big["code"], "200.000") == "The minimum spend is not met."
    assert check_code(phone, other["code"], "200.000") == "Not accepted at this store."
    assert "Minimum spend\n500.000 ₫" in check_code_rows(phone, big["code"], "200.000")
    assert fits(phone)


def check_code_rows(page: Any, code: str, purchase: str) -> str:
    check_code(page, code, purchase)
    return str(page.inner_text("#quote"))


def test_a_gift_card_in_part_and_a_ticket(browser: Any, till: CodeTill, chain: Chain) -> None:
    [gift] = campaign(chain, id="QUA", kind="gift", face_value=300_000)
    [ticket] = campaign(chain, id="VE", kind="eticket", uses=1, valid_until=later(1))
    page = open_page(browser, till.counter_url + "/codes")
    # printed, not sold yet: sold here for its face value in cash, then spent in part
    assert check_code(page, gift["code"], "120.000") == (
        "Thẻ quà tặng này chưa được bán: bán cho khách trước khi dùng.")  # fmt: skip
    page.click("#sell-gift")
    page.wait_for_selector("#outcome")
    assert page.get_attribute("#outcome", "data-code") == "ok"
    assert check_code(page, gift["code"], "120.000") == "Thẻ quà tặng hợp lệ."
    assert "Giá trị còn lại\n300.000 ₫" in page.inner_text("#quote")
    page.click("#redeem")
    page.wait_for_selector("#outcome")
    assert page.get_attribute("#outcome", "data-code") == "ok"
    assert "Số dư (máy chủ)\n180.000 ₫" in page.inner_text("#outcome")
    # the rest: a bigger sale takes what is left, the customer pays the difference
    assert check_code(page, gift["code"], "250.000") == "Thẻ quà tặng hợp lệ."
    assert "Được trừ\n180.000 ₫" in page.inner_text("#quote")
    assert "Khách trả\n70.000 ₫" in page.inner_text("#quote")
    assert check_code(page, ticket["code"]) == "Vé hợp lệ."
    page.click("#redeem")
    page.wait_for_selector("#outcome")
    assert page.get_attribute("#outcome", "data-code") == "ok"
    assert check_code(page, ticket["code"]) == "Đã sử dụng hết lượt."


def test_a_shift_with_pin_a_sale_its_receipt_and_refund(
    browser: Any, till: CodeTill, chain: Chain
) -> None:
    from playwright.sync_api import expect

    page = open_page(browser, till.counter_url + "/", PHONE)
    assert fits(page)
    page.click("#shift-needed a")
    page.select_option("#staff", "NV01")
    page.fill("#pin", "0000")
    page.click("#open-shift")
    assert page.inner_text("#message") == "Sai nhân viên hoặc mã PIN."
    page.fill("#pin", "1234")
    page.click("#open-shift")
    assert page.inner_text("#message") == "Đã mở ca cho Nguyễn Thị Lan."
    # sell the card in pcscd, "200k" as cashiers type it, then a sale of 50.000 ₫
    page.click("#nav-sell")
    page.select_option("#program", "PREPAID")
    page.click("button.quick-amount[data-value='200.000']")
    page.click("#submit")
    page.wait_for_selector("#outcome")
    assert page.get_attribute("#outcome", "data-code") == "ok"
    page.click("#nav-redeem")
    expect(page.locator("#amount")).to_be_focused()  # staff type the amount at once
    page.keyboard.type("50k", delay=80)
    page.click("#submit")
    page.wait_for_selector("#outcome")
    page.click("#receipt-link")
    receipt = page.inner_text("#receipt")
    assert "Nhân viên\nNguyễn Thị Lan" in receipt and "Số tiền\n50.000 ₫" in receipt
    assert "Số dư trên thẻ\n150.000 ₫" in receipt and "S1-QUAY1-" in receipt
    # refund 20.000 ₫ of it from the receipt (found again by its number)
    number = page.get_attribute("#receipt", "data-number")
    page.goto(till.counter_url + "/receipts")
    page.fill("#number", str(number).rsplit("-", 1)[1])
    page.click("#search")
    page.click(".receipt-link")
    page.click("#refund-from-receipt")
    assert "Hoàn tiền cho hóa đơn" in page.inner_text("#refund-of")
    page.fill("#amount", "20.000")
    page.click("#submit")
    page.wait_for_selector("#outcome")
    assert page.get_attribute("#outcome", "data-code") == "ok"
    assert chain.balance("card-04A1B2C3D4E581") == 170_000
    # close the shift with the cash report, in English
    page.goto(till.counter_url + "/shift?lang=en")
    assert "Cash taken\n200.000 ₫" in page.inner_text("#current-report")
    page.select_option("#close-staff", "NV01")
    page.fill("#close-pin", "1234")
    page.click("#close-shift")
    report = page.inner_text("#closed-report")
    assert "Cards sold × 1\n200.000 ₫" in report and "Sales × 1\n50.000 ₫" in report
    assert "Refunds × 1\n20.000 ₫" in report
    assert "Offline operations still queued\n0 · 0 ₫" in report
    assert fits(page)
