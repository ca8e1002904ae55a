"""The customer balance page: languages, đồng formatting, history, codes and QR, constant answers
for misses, and rate limiting that throttles enumeration."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from cardsvc.vouchers.codes import check_char, new_code
from cardsvc.web.text import dong
from tests.vouchers.conftest import DAY, T0, Clock, Env, running_env, voucher_settings
from tests.vouchers.test_campaigns import Counter


def _main(html: str) -> str:
    return html.split("<main>")[1].split("</main>")[0]


def test_dong_formatting() -> None:
    assert dong(1_250_000) == "1.250.000 ₫"
    assert dong(0) == "0 ₫" and dong(999) == "999 ₫" and dong(-50_000) == "-50.000 ₫"
    with pytest.raises(TypeError):
        dong(1.5)  # type: ignore[arg-type]


def test_gift_card_balance_history_in_both_languages(env: Env) -> None:
    cid = env.campaign(id="GIFT", kind="gift", face_value=1_500_000, validity_s=365 * DAY)
    code = env.codes(cid, 1)[0]
    page = env.http.post("/check", data={"q": code["code"]}).text
    assert "Thẻ chưa được kích hoạt" in page  # printed, not sold yet
    till = Counter(env.till("T1", "S1"))
    till.send("issue", code["instrument"], amount=1_500_000, program=cid)
    env.clock.advance(3600)
    till.send("redeem", code["instrument"], amount=250_000)
    page = env.http.post("/check", data={"q": code["code"].lower().replace("-", " ")}).text
    assert 'lang="vi"' in page and "Số dư" in page and "1.250.000 ₫" in page
    assert "Còn hiệu lực" in page and "250.000 ₫" in page and "Sử dụng" in page
    assert code["code"] not in page  # the code is never echoed back
    env.http.get("/", params={"lang": "en"})  # the switch sets a cookie
    page = env.http.post("/check", data={"q": code["qr"]}).text  # a scanned QR works too
    assert 'lang="en"' in page and "Balance" in page and "1.250.000 ₫" in page
    assert "Expires" in page and "History" in page


def test_voucher_and_ticket_pages(env: Env) -> None:
    pct = env.campaign(id="PCT", kind="voucher", discount_bp=1500, discount_cap=40_000,
                       min_spend=100_000, valid_until=T0 + DAY)
    page = env.http.post("/check", data={"q": env.codes(pct, 1)[0]["code"]}).text
    assert "Giảm 15% (tối đa 40.000 ₫)" in page and "hóa đơn từ 100.000 ₫" in page
    ev = env.campaign(id="EV", kind="eticket", uses=None, valid_until=T0 + DAY)
    ticket = env.codes(ev, 1)[0]
    page = env.http.post("/check", data={"q": ticket["code"]}).text
    assert "Vé điện tử" in page and "Không giới hạn" in page and "Số dư" not in page
    env.clock.now = T0 + DAY
    assert "Đã hết hạn" in env.http.post("/check", data={"q": ticket["code"]}).text


def test_misses_look_alike(env: Env) -> None:
    unknown = [new_code() for _ in range(5)]
    pages = {_main(env.http.post("/check", data={"q": c}).text) for c in unknown}
    assert len(pages) == 1 and "Không tìm thấy mã này" in pages.pop()
    typo = env.http.post("/check", data={"q": "0123456789ABCDEF" + "0"})
    expected_check = check_char("0123456789ABCDEF")
    assert expected_check != "0" and typo.status_code == 200 and "gõ sai" in typo.text
    bad_qr = env.http.post("/check", data={"q": "CS1:NOT A REAL PAYLOAD"})
    assert bad_qr.status_code == 200 and "Mã QR không hợp lệ" in bad_qr.text
    assert env.http.get("/check").status_code == 405  # codes never travel in URLs


@pytest.fixture
def strict_env(tmp_path: Path) -> Iterator[Env]:
    settings = voucher_settings(public_burst=5, public_per_minute=0.5)
    with running_env(f"sqlite:///{tmp_path / 'l.db'}", tmp_path, Clock(), settings) as e:
        yield e


def test_enumeration_is_throttled_per_client(strict_env: Env) -> None:
    env = strict_env
    cid = env.campaign(id="GIFT", kind="gift", face_value=100_000)
    real = env.codes(cid, 1)[0]["code"]
    statuses = [env.http.post("/check", data={"q": new_code()}).status_code for _ in range(40)]
    assert statuses[:5] == [200] * 5
    assert statuses[5:] == [429] * 35  # the bucket refills at one look-up per two minutes
    limited = env.http.post("/check", data={"q": real})
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
    assert "chưa được kích hoạt" not in limited.text  # even a real code learns nothing now
    assert re.search(r"thử lại sau \d+ giây", limited.text)
    other = env.http.post("/check", data={"q": real}, headers={"X-Forwarded-For": "9.9.9.9"})
    assert other.status_code == 429  # forwarded addresses are ignored unless trusted


def test_token_bucket_refills_in_whole_thousandths() -> None:
    from cardsvc.vouchers.ratelimit import refill_and_take

    full = 2000  # two tokens
    tokens, wait = refill_and_take(full, 0, 0, burst=2, per_minute=30.0)
    assert (tokens, wait) == (1000, 0.0)
    tokens, wait = refill_and_take(0, 0, 0, burst=2, per_minute=30.0)
    assert tokens == 0 and wait == pytest.approx(2.0)  # one token per two seconds
    assert refill_and_take(0, 0, 2000, burst=2, per_minute=30.0) == (0, 0.0)
    assert refill_and_take(0, 0, 10**9, burst=2, per_minute=30.0)[0] == 1000  # capped at burst
