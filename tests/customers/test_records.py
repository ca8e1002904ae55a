"""Customer records through the API: sign-up, one customer per phone, look-up, masking by
role, consent, cards, merge and privacy, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import create_engine

from tests.customers.helpers import card, give, sign_up
from tests.ledger.databases import journal_counts
from tests.ledger.world import Till, World, expect


def test_sign_up_and_one_customer_per_phone(world: World) -> None:
    made = sign_up(world, "0909 421 800", email="lan@example.com")
    assert made["phone"] == "0909 421 800" and not made["phone_masked"]  # admin sees it
    assert made["birthday"] == {"day": 14, "month": 3, "year": None}
    assert len(made["referral_code"]) == 8 and made["status"] == "active"
    again = world.post("/v1/customers", {"phone": "+84 909421800", "name": "Lan",
                                         "birth_day": 1, "birth_month": 1})
    assert again.status_code == 409 and again.json()["error"] == "phone_taken"
    found = expect(world.get("/v1/customers?phone=84909421800"))["customers"]
    assert [c["id"] for c in found] == [made["id"]]
    assert expect(world.get("/v1/customers?phone=0912345678"))["customers"] == []


def test_staff_see_phones_masked(world: World) -> None:
    made = sign_up(world, "0909421800", home_store="S1")
    staff = world.person("thu", "staff", "S1")
    seen = expect(world.get(f"/v1/customers/{made['id']}", auth=staff))
    assert seen["phone"] == "090****800" and seen["phone_masked"]
    listed = expect(world.get("/v1/customers", auth=staff))["customers"]
    assert [c["phone"] for c in listed] == ["090****800"]
    other = world.person("minh", "staff", "S2")
    assert expect(world.get("/v1/customers", auth=other))["customers"] == []


def test_bad_input_is_refused_with_its_reason(world: World) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"phone": "12345"}, "phone_invalid"),
        ({"name": "   "}, "name_missing"),
        ({"birth_day": None, "birth_month": None}, "birthday_missing"),
        ({"birth_day": 30, "birth_month": 2}, "birthday_invalid"),
        ({"birth_day": 29, "birth_month": 2, "birth_year": 2023}, "birthday_invalid"),
        ({"email": "not-an-address"}, "email_invalid"),
        ({"lang": "fr"}, "lang_invalid"),
        ({"home_store": "NOPE"}, "store_unknown"),
        ({"referral_code": "ZZZZZZZZ"}, "referral_unknown"),
    ]
    for change, reason in cases:
        body = {"phone": "0909421800", "name": "Lan", "birth_day": 29, "birth_month": 2,
                **change}
        answer = world.post("/v1/customers", body)
        assert answer.status_code == 422 and answer.json()["error"] == reason, (change, answer)
    over = world.post("/v1/customers", {"phone": "0" * 33, "name": "x"})
    assert over.status_code == 422 and over.json()["error"] == "malformed_request"
    made = sign_up(world, "0909421800", birth_day=29, birth_month=2)  # a leap-day birthday
    assert made["birthday"]["day"] == 29


def test_consent_given_and_withdrawn_is_kept_with_when_and_how(world: World) -> None:
    made = sign_up(world, "0909421800", consent=True)
    assert made["consent"]["given"] and made["consent"]["via"] == "api"
    world.clock.advance(3600)
    path = f"/v1/customers/{made['id']}/consent"
    out = expect(world.post(path, {"given": False, "via": "phone call"}))
    assert out["consent"] == {"given": False, "at": world.clock(), "via": "phone call"}
    export = expect(world.get(f"/v1/customers/{made['id']}/export"))
    kinds = [e["kind"] for e in export["events"]]
    assert kinds == ["created", "consent"]


def test_a_card_belongs_to_one_customer(world: World, till: Till) -> None:
    lan = sign_up(world, "0909421800")
    minh = sign_up(world, "0912345678", name="Trần Minh")
    card(till, "M-1", "MEMBER")
    assert [i["id"] for i in give(world, lan["id"], "M-1")["instruments"]] == ["M-1"]
    give(world, lan["id"], "M-1")  # a retried request changes nothing
    taken = world.post(f"/v1/customers/{minh['id']}/instruments", {"instrument": "M-1"})
    assert taken.status_code == 409 and taken.json()["error"] == "instrument_taken"


def test_merge_keeps_every_card_and_balance(world: World, till: Till) -> None:
    keep = sign_up(world, "0909421800")
    drop = sign_up(world, "0912345678", name="Lan (thẻ cũ)", email="lan@example.com")
    for n, who in enumerate([keep, keep, drop, drop, drop]):
        give(world, who["id"], card(till, f"P-{n}", amount=10_000 * (n + 1)))
    before = sum(i["balance"] for w in (keep, drop)
                 for i in expect(world.get(f"/v1/customers/{w['id']}"))["instruments"])
    staff = world.person("thu", "staff", "S1")
    denied = world.post(f"/v1/customers/{keep['id']}/merge", {"drop": drop["id"]}, auth=staff)
    assert denied.status_code == 403
    merged = expect(world.post(f"/v1/customers/{keep['id']}/merge", {"drop": drop["id"]}))
    assert merged["merged"]["instruments"] == 3
    assert sorted(i["id"] for i in merged["instruments"]) == [f"P-{n}" for n in range(5)]
    assert sum(i["balance"] for i in merged["instruments"]) == before == 150_000
    assert merged["email"] == "lan@example.com"  # filled in from the dropped record
    gone = expect(world.get(f"/v1/customers/{drop['id']}"))
    assert gone["status"] == "merged" and gone["merged_into"] == keep["id"]
    assert gone["phone"] is None
    # The dropped phone is free: the person's other number may be added to the kept record.
    expect(world.http.patch(f"/v1/customers/{keep['id']}", json={"email": None},
                            headers=world.admin))
    again = world.post(f"/v1/customers/{keep['id']}/merge", {"drop": drop["id"]})
    assert again.status_code == 409 and again.json()["error"] == "not_active"
    trail = expect(world.get(f"/v1/customers/{drop['id']}/export"))["events"]
    assert any(e["kind"] == "merged" and e["by"] == "root" for e in trail)


def test_erasure_anonymises_and_keeps_the_ledger(world: World, till: Till) -> None:
    lan = sign_up(world, "0909421800", email="lan@example.com", consent=True)
    give(world, lan["id"], card(till, "P-1", amount=200_000))
    till.do("redeem", "P-1", 50_000)
    engine = create_engine(world.settings.database_url)
    journal = journal_counts(engine)
    data = expect(world.get(f"/v1/customers/{lan['id']}/export"))
    assert data["customer"]["phone"] == "+84909421800"
    assert data["instruments"][0]["balance"] == 150_000
    staff = world.person("thu", "staff", "S1")
    assert world.post(f"/v1/customers/{lan['id']}/erase", {}, auth=staff).status_code == 403
    expect(world.post(f"/v1/customers/{lan['id']}/erase", {}))
    after = expect(world.get(f"/v1/customers/{lan['id']}"))
    assert after["name"] == "" and after["phone"] is None and after["email"] is None
    assert after["birthday"] == {"day": None, "month": None, "year": None}
    assert after["consent"]["given"] is False and after["status"] == "erased"
    assert after["instruments"][0]["balance"] == 150_000
    assert expect(world.get("/v1/customers?phone=0909421800"))["customers"] == []
    assert journal_counts(engine) == journal  # not one posting added or removed
    engine.dispose()
    sign_up(world, "0909421800")  # the number may sign up afresh


def test_counter_looks_up_and_signs_up_through_signed_requests(world: World, till: Till) -> None:
    made = till.client.sign_up_customer({"phone": "0909 421 800", "name": "Lan",
                                         "birth_day": 2, "birth_month": 9})
    assert made["home_store"] == "S1" and made["created_via"] == "counter"
    assert made["phone"] == "090****800"
    found = till.client.find_customer("+84909421800")
    assert found["id"] == made["id"] and found["phone_masked"]
    from cardsvc.protocol.client import LedgerRefused

    for call, reason in [(lambda: till.client.find_customer("0912345678"), "customer_unknown"),
                         (lambda: till.client.sign_up_customer(
                             {"phone": "0909421800", "name": "X", "birth_day": 1,
                              "birth_month": 1}), "phone_taken")]:  # fmt: skip
        try:
            call()
        except LedgerRefused as exc:
            assert exc.code == reason
        else:
            raise AssertionError("refused expected")
