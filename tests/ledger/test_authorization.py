"""Who may do what: API tokens, roles, store scope; one-time terminal enrollment codes."""

from __future__ import annotations

import pytest

from cardsvc.protocol.client import LedgerRefused, enroll
from cardsvc.protocol.signing import InMemorySigner
from keys.enrolment import make_enrolment
from tests.ledger.world import PROGRAMS, Till, World, bearer, expect

NEW_PROGRAM = {**PROGRAMS[0], "id": "PREPAID-2"}


@pytest.mark.parametrize(
    "headers",
    [{}, bearer("cs_not-a-token"), {"Authorization": "Basic cm9vdDpyb290"}, bearer("")],
    ids=["missing", "garbage", "basic", "empty"],
)
def test_requests_without_a_valid_token_are_unauthorized(
    world: World, headers: dict[str, str]
) -> None:
    for response in (
        world.get("/v1/instruments/C1", headers),
        world.get("/v1/reports/liability", headers),
        world.post("/v1/stores", {"id": "S9", "name": "x"}, headers),
        world.post("/v1/instruments/C1/block", {}, headers),
    ):
        assert expect(response, 401)["error"] == "unauthorized"
    assert [p["id"] for p in expect(world.get("/v1/programs"))] == [p["id"] for p in sorted(
        PROGRAMS, key=lambda p: str(p["id"]))]  # fmt: skip


def test_staff_may_not_administer(world: World) -> None:
    staff = world.person("nv1", "staff", "S1")
    finance = world.person("kt1", "finance")
    for who in (staff, finance):
        assert expect(world.post("/v1/programs", NEW_PROGRAM, who), 403)["error"] == "forbidden"
        assert expect(world.post("/v1/stores", {"id": "S9", "name": "x"}, who), 403)
        body = {"id": "X", "name": "x", "role": "admin"}
        assert expect(world.post("/v1/people", body, who), 403)["error"] == "forbidden"
        terminal = {"id": "T9", "store_id": "S1", "name": "x"}
        assert expect(world.post("/v1/terminals", terminal, who), 403)["error"] == "forbidden"
    assert "PREPAID-2" not in {p["id"] for p in expect(world.get("/v1/programs"))}
    expect(world.post("/v1/programs", NEW_PROGRAM), 201)  # the administrator may


def test_card_actions_follow_role_and_store(world: World, till: Till) -> None:
    s2_till = world.till("T2", "S2")
    s2_till.do("issue", "B1", 50_000, program="GIFT")  # issued at store S2
    staff_s1, staff_s2 = world.person("nv1", "staff", "S1"), world.person("nv2", "staff", "S2")
    finance = world.person("kt1", "finance")
    assert expect(world.act("B1", "expire", staff_s1), 403)["error"] == "forbidden"
    assert expect(world.act("B1", "block", finance), 403)["error"] == "forbidden"
    assert expect(world.act("B1", "block", staff_s1))["code"] == "ok"  # any store may block
    assert expect(world.act("B1", "unblock", staff_s1), 403)["error"] == "forbidden"
    assert world.view("B1")["status"] == "blocked"
    assert expect(world.act("B1", "unblock", staff_s2))["code"] == "ok"  # its issuing store
    expect(world.act("B1", "block", staff_s2))
    assert expect(world.act("B1", "unblock", world.admin))["code"] == "ok"
    assert expect(world.act("NOPE", "unblock", staff_s1), 404)["error"] == "not_found"


def test_the_chain_wide_liability_report_is_for_head_office(world: World) -> None:
    store_finance = world.person("kt-s1", "finance", "S1")
    staff = world.person("nv1", "staff", "S1")
    head_office = world.person("kt-hq", "finance")
    assert expect(world.get("/v1/reports/liability", store_finance), 403)["error"] == "forbidden"
    assert expect(world.get("/v1/reports/liability", staff), 403)["error"] == "forbidden"
    assert expect(world.get("/v1/reports/liability", head_office))["consistent"] is True


def test_enrollment_needs_the_right_fresh_unused_code(world: World) -> None:
    code = world.new_terminal("T5", "S1")
    other_code = world.new_terminal("T6", "S1")
    key = InMemorySigner()
    for terminal, attempt in (("T5", "0" * 24), ("T5", other_code), ("NOPE", code)):
        with pytest.raises(LedgerRefused) as refused:
            enroll(world.http, terminal, attempt, key)
        assert (refused.value.status, refused.value.code) == (403, "forbidden")
    assert enroll(world.http, "T5", code, key)["store_id"] == "S1"
    with pytest.raises(LedgerRefused) as reused:
        enroll(world.http, "T5", code, InMemorySigner())
    assert (reused.value.status, reused.value.code) == (403, "forbidden")
    world.clock.advance(world.settings.enrollment_code_ttl_s + 1)
    with pytest.raises(LedgerRefused) as expired:
        enroll(world.http, "T6", other_code, InMemorySigner())
    assert (expired.value.status, expired.value.code) == (403, "forbidden")
    assert "expired" in expired.value.detail


def test_enrollment_must_prove_possession_of_the_key(world: World) -> None:
    code = world.new_terminal("T7", "S1")
    key, impostor = InMemorySigner(), InMemorySigner()
    request = make_enrolment(key, "T7", world.clock())
    request["proof"] = make_enrolment(impostor, "T7", world.clock())["proof"]
    body = {"terminal_id": "T7", "code": code, "enrolment": request}
    assert expect(world.http.post("/v1/terminals/enroll", json=body), 403)["error"] == "forbidden"
    other_terminal = make_enrolment(key, "T8", world.clock())
    body = {"terminal_id": "T7", "code": code, "enrolment": other_terminal}
    assert expect(world.http.post("/v1/terminals/enroll", json=body), 403)["error"] == "forbidden"
    assert enroll(world.http, "T7", code, key, at=world.clock())["store_id"] == "S1"
