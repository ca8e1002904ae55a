"""The gate in a real headless Chromium, over the real reader agent and the real ledger: tickets
scanned by a keyboard-wedge scanner, green or red full screen with the reason and a sound;
offline entries synced exactly once; an agent killed with kill -9 mid-queue loses nothing; the
wrong gate refused online and offline; a revoked key refused without restarting the ledger;
every refusal reason in words; Vietnamese and English at 390 and 1280 px."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from cardsvc.protocol import qr
from keys.file_keystore import FileKeystore
from reader_agent import contract as c
from reader_agent.drivers.virtual import VirtualReader
from terminals.gate.app import create_app as gate_app
from terminals.unattended.settings import GateSettings
from terminals.unattended.text import reason, t
from tests.support import serving
from tests.terminals.browser_fixtures import browser as browser  # the shared fixtures
from tests.terminals.browser_fixtures import chromium
from tests.terminals.browser_fixtures import place as place
from tests.terminals.unattended_rig import (
    PHONE,
    WIDE,
    AgentProcess,
    Rig,
    card_in_pcscd,
    fits,
    gate_rig,
    new_page,
    qr_video,
    wedge,
)
from tests.terminals.venue import Venue, terminal

pytestmark = pytest.mark.browser


def answer(page: Any) -> tuple[str, str, list[str]]:
    """(ok | no, headline, the lines under it) of the full-screen answer."""
    verdict = page.locator("#verdict")
    kind = "ok" if "ok" in (verdict.get_attribute("class") or "").split() else "no"
    return kind, page.inner_text("#headline"), page.locator(".why").all_inner_texts()


def counters(page: Any) -> tuple[str, str, str]:
    return tuple(page.inner_text(f"#{n} b") for n in ("admitted", "refused", "queued"))  # type: ignore[return-value]


def entries(place: Venue, instrument: str) -> list[tuple[str, str]]:
    return [(e["code"], e["terminal_id"]) for e in place.entries(instrument)]


def wait_for(condition: Any, what: str, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


def test_tickets_at_the_gate_online_then_offline_synced_exactly_once(
    place: Venue, browser: Any
) -> None:
    tickets = place.tickets(3)
    with gate_rig(place, "G1", VirtualReader(), answer_s=30) as rig:
        page = new_page(browser, rig.app_url)
        assert page.locator("html").get_attribute("lang") == "vi"
        assert "Trực tuyến" in page.inner_text("#st-ledger")
        wedge(page, tickets[0]["qr"])
        assert answer(page) == ("ok", "MỜI VÀO", ["Còn 1 lượt vào"])
        assert page.locator("body").get_attribute("data-sound") == "ok"
        wedge(page, tickets[0]["qr"])  # straight from the answer screen: the next scan
        assert answer(page) == ("no", "KHÔNG ĐƯỢC VÀO", [reason("vi", "passback")])
        assert page.locator("body").get_attribute("data-sound") == "no"
        place.server.stop()
        for ticket in tickets[1:]:
            wedge(page, ticket["qr"])
            kind, _, lines = answer(page)
            assert (kind, lines[-1]) == ("ok", t("vi", "offline_note"))
        page.goto(rig.app_url + "/")
        assert counters(page) == ("3", "1", "2")
        assert "Ngoại tuyến" in page.inner_text("#st-ledger")
        place.server.start()
        wait_for(lambda: rig.terminal.runtime.outbox.count(c_ready()) == 0, "never synced")
        rig.terminal.runtime.loop.round()  # another round sends nothing twice
        for ticket in tickets:
            assert entries(place, ticket["instrument"]) == [("ok", "G1")]
        page.goto(rig.app_url + "/")
        assert counters(page)[2] == "0"


def c_ready() -> Any:
    from reader_agent.agent.outbox import State

    return State.READY


def test_a_gate_killed_mid_queue_loses_nothing(place: Venue, browser: Any) -> None:
    tickets = place.tickets(6)
    t_ = terminal(place, "G1", VirtualReader())
    t_.runtime.stop()  # the agent runs as its own process below
    agent = AgentProcess(t_)
    agent.start()
    settings = GateSettings(agent_url=agent.url, tap_timeout_s=5, answer_s=30)
    try:
        with serving(gate_app(settings)) as url:
            page = new_page(browser, url)
            place.server.stop()
            for ticket in tickets:
                wedge(page, ticket["qr"])
                assert answer(page)[0] == "ok"
            agent.kill()  # kill -9 with six entries queued
            agent.start()
            page.goto(url + "/")
            assert counters(page) == ("6", "0", "6")
            place.server.start()
            wait_for(lambda: any(place.entries(x["instrument"]) for x in tickets), "no sync")
            agent.kill()  # kill -9 again, mid-sync this time (one entry per batch)
            agent.start()
            wait_for(lambda: all(place.entries(x["instrument"]) for x in tickets), "lost some")
            page.goto(url + "/")
            wait_for(lambda: _queued(agent) == 0, "still queued")
    finally:
        agent.stop()
    for ticket in tickets:
        assert entries(place, ticket["instrument"]) == [("ok", "G1")]


def _queued(agent: AgentProcess) -> int:
    return int(httpx.get(agent.url + c.QUEUE.path).json()["ready"])


def test_the_wrong_gate_is_refused_online_and_offline(place: Venue, browser: Any) -> None:
    ticket = place.tickets(1)[0]
    with gate_rig(place, "G9", VirtualReader(), answer_s=30) as rig:
        page = new_page(browser, rig.app_url, lang="en")
        wedge(page, ticket["qr"])
        assert answer(page) == ("no", "NO ENTRY", ["This ticket is not valid at this gate"])
        place.server.stop()
        wedge(page, ticket["qr"])
        assert answer(page) == ("no", "NO ENTRY", ["This ticket is not valid at this gate"])
    place.server.start()
    assert place.entries(ticket["instrument"]) == []


def test_a_revoked_key_is_refused_without_restarting_the_ledger(
    place: Venue, browser: Any
) -> None:
    old = place.tickets(1)[0]
    with gate_rig(place, "G1", VirtualReader(), answer_s=30) as rig:
        page = new_page(browser, rig.app_url)
        fetched = rig.terminal.runtime.kit.status().fetched_at
        other = place.server.other_keystore()  # `cardkeys rotate` then `revoke`, elsewhere
        other.rotate("qr", overlap_seconds=3600)
        time.sleep(1.1)
        other.revoke("qr", 1)
        other.close()
        time.sleep(1.1)
        wait_for(lambda: (rig.terminal.runtime.kit.status().fetched_at or 0) > (fetched or 0),
                 "the gate never fetched the new key set")  # fmt: skip
        new = place.tickets(1)[0]  # the same ledger process signs with the new key
        place.server.stop()  # and the gate decides offline from what it fetched
        wedge(page, old["qr"])
        assert answer(page)[0::2] == ("no", [reason("vi", "key_revoked")])
        wedge(page, new["qr"])
        assert answer(page)[0] == "ok"


def _foreign_ticket(place: Venue) -> str:
    """A well-formed ticket signed by a key the ledger never published."""
    store = FileKeystore.create(place.tmp / "foreign.json", "x" * 12, scrypt_n=2**10)
    store.generate_ed25519("qr", "qr")
    claims = qr.QrClaims(qr.QrKind.ETICKET, "E-FAKE", "FEST", int(time.time()) - 60,
                         valid_until=int(time.time()) + 3600, entries=5)  # fmt: skip
    return qr.encode(claims, store.signer("qr"))


def _altered(payload: str) -> str:
    """The same ticket with one bit of its signature flipped (a forgery that still parses)."""
    import base45

    raw = base45.b45decode(payload.removeprefix(qr.PREFIX))
    return qr.PREFIX + base45.b45encode(raw[:-1] + bytes([raw[-1] ^ 1])).decode()


def test_every_refusal_reason_is_shown(place: Venue, browser: Any) -> None:
    now = int(time.time())
    place.event("LATER", ("G1",), valid_from=now + 3600, valid_until=now + 7200)
    place.event("ONCE", ("G1",), uses=1, passback_s=0)
    place.event("SOON", ("G1",), valid_until=now + 4)
    voucher = place.chain.post("/v1/campaigns", {"id": "V10", "name": "Giảm", "kind": "voucher",
                                                 "face_value": 10_000, "valid_until": now + 3600})
    assert voucher["id"] == "V10"
    once, later, soon = place.tickets(1, "ONCE")[0], place.tickets(1, "LATER")[0], \
        place.tickets(1, "SOON")[0]
    blocked, fine = place.tickets(2)
    place.chain.post(f"/v1/instruments/{blocked['instrument']}/block", {})
    cases = [
        ("CS1:NOT-A-TICKET", "malformed"),
        (_altered(fine["qr"]), "bad_signature"),
        (_foreign_ticket(place), "unknown_key"),
        (place.tickets(1, "V10")[0]["qr"], "wrong_kind"),
        (later["qr"], "not_yet_valid"),
        (blocked["qr"], "revoked"),
        (once["qr"], None),  # admitted: its one entry
        (once["qr"], "already_redeemed"),
        (fine["qr"], None),
        (fine["qr"], "passback"),
        (soon["qr"], "expired"),
    ]
    # the key set and revocation list fetched once, below: a used-up ticket would be on it
    # (refused as revoked) and this test wants the gate's own count to say it
    slow_kit = {"hotlist_interval_s": 3600}
    with gate_rig(place, "G1", VirtualReader(), slow_kit, answer_s=30) as rig:
        _refresh(rig)  # the blocked ticket on the gate's revocation list
        time.sleep(max(0, now + 5 - time.time()))
        for lang in ("vi", "en"):
            page = new_page(browser, rig.app_url, PHONE if lang == "vi" else WIDE, lang)
            for payload, code in cases:
                wedge(page, payload)
                kind, _, lines = answer(page)
                if code is None:
                    continue
                assert (kind, lines) == ("no", [reason(lang, code)]), code
                assert fits(page)
            # the second language: what was admitted is now refused for the reason it says
            cases = [(payload, code) for payload, code in cases if code]
        with rig.terminal.runtime.db.write() as conn:  # a gate that never got a key set
            conn.execute("DELETE FROM qr_kit")
        wedge(page, fine["qr"])
        assert answer(page)[2] == [reason("en", "no_keyset")]


def _refresh(rig: Rig) -> None:
    rig.terminal.runtime.loop._hotlist_due = 0
    rig.terminal.runtime.loop.round()


def test_every_refusal_code_has_words_in_both_languages() -> None:
    for code in c.ADMISSION_REFUSALS:
        for lang in ("vi", "en"):
            assert reason(lang, code) != t(lang, "reason_other", code=code), code
    assert reason("en", "something_new") == "Refused (something_new)"


def test_the_gate_at_both_widths_in_both_languages(place: Venue, browser: Any) -> None:
    ticket = place.tickets(1)[0]
    with gate_rig(place, "G1", VirtualReader(), answer_s=30, name="Cổng A") as rig:
        for lang, viewport in (("vi", PHONE), ("en", WIDE), ("en", PHONE), ("vi", WIDE)):
            page = new_page(browser, rig.app_url, viewport, lang)
            assert page.locator("html").get_attribute("lang") == lang
            assert "Cổng A" in page.inner_text("h1")
            assert t(lang, "gate_hint") in page.inner_text("main")
            assert fits(page)
            page.close()
        page = new_page(browser, rig.app_url, PHONE, "en")
        wedge(page, ticket["qr"])
        assert answer(page)[:2] == ("ok", "PLEASE ENTER")
        assert fits(page)
        box = page.locator("#verdict").bounding_box()
        assert box["width"] >= 389 and box["height"] >= 800  # the whole screen
        page.goto(rig.app_url + "/")
        page.click("#lang")
        assert page.locator("html").get_attribute("lang") == "vi"
        assert page.inner_text("#admitted").startswith("Đã vào")


@pytest.mark.pcscd
def test_a_ticket_card_tapped_through_pcscd(
    place: Venue, browser: Any, pcscd_available: None
) -> None:
    from reader_agent.emulate.ntag_card import EmulatedNtag

    uid = bytes.fromhex("04C0FFEE123456")
    with card_in_pcscd(EmulatedNtag(uid)) as readers, gate_rig(place, "G1", readers,
                                                                 answer_s=30) as rig:
        issued = httpx.post(rig.agent_url + c.ISSUE.path, timeout=30,
                            json={"program": "FEST", "amount": 0, "timeout_s": 5}).json()
        assert issued["code"] == "ok", issued
        page = new_page(browser, rig.app_url)
        with page.expect_navigation():
            page.click("#tap")
        assert answer(page) == ("ok", "MỜI VÀO", ["Còn 1 lượt vào"])
        page.goto(rig.app_url + "/")
        with page.expect_navigation():
            page.click("#tap")
        assert answer(page)[0::2] == ("no", [reason("vi", "passback")])
        place.server.stop()
        page.goto(rig.app_url + "/?lang=en")
        with page.expect_navigation():
            page.click("#tap")
        assert answer(page)[0::2] == ("no", [reason("en", "card_needs_ledger")])
    place.server.start()
    # one entry; the ledger itself refused the second tap (a card carries no claims to check)
    assert sorted(entries(place, "card-04C0FFEE123456")) == [("ok", "G1"), ("passback", "G1")]


def test_a_ticket_shown_to_the_camera(place: Venue) -> None:
    """Chromium's fake camera plays a video of the ticket's real QR code; the page sends frames
    to the gate app, which decodes them and admits the ticket."""
    ticket = place.tickets(1)[0]
    video = qr_video(ticket["qr"], place.tmp / "ticket.y4m")
    with gate_rig(place, "G1", VirtualReader(), answer_s=30) as rig, chromium(video) as cam:
        page = new_page(cam, rig.app_url, PHONE, "en")
        page.click("#camera")
        page.wait_for_selector("#verdict", timeout=30_000)
        assert answer(page) == ("ok", "PLEASE ENTER", ["Entries left: 1"])
    assert entries(place, ticket["instrument"]) == [("ok", "G1")]
