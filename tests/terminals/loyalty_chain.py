"""A member program with loyalty rules on the end-to-end chain, and a member card on the till."""

from __future__ import annotations

import time

import httpx

from reader_agent.emulate.ntag_card import EmulatedNtag
from tests.reader_agent.agent.conftest import Chain

from .conftest import Till

LOYAL = {"id": "LOYAL", "name": "Thành viên thân thiết", "kind": "member", "unit": "PTS",
         "max_balance": 100_000_000}  # fmt: skip
MEMBER_UID = bytes.fromhex("04A1B2C3D4E5F6")
MEMBER = "card-" + MEMBER_UID.hex().upper()
PROGRAMS = {"PREPAID": "Thẻ trả trước", "LOYAL": "Thành viên thân thiết"}


TIERS: dict[str, object] = {"spend_max_share_bp": 5_000,
         "tiers": [{"name": "Member", "threshold": 0},
                   {"name": "Silver", "threshold": 1_000_000, "multiplier_bp": 12_500},
                   {"name": "Gold", "threshold": 2_000_000, "multiplier_bp": 15_000}]}  # fmt: skip


def loyal_chain(chain: Chain, till: Till, rules: dict[str, object] = TIERS) -> None:
    """The LOYAL program, `rules` in force from the next second (never in the past), and the
    member card on the reader."""
    chain.post("/v1/programs", LOYAL)
    # a long timeout: on a loaded machine the ledger's first write may wait for the disk
    with httpx.Client(base_url=chain.server.url, headers=chain.admin, timeout=60) as http:
        for _ in range(5):  # a loaded machine may take longer than the second ahead
            start = int(time.time()) + 1
            body = {**rules, "effective_from": start}
            if http.post("/v1/loyalty/programs/LOYAL/rules", json=body).status_code == 201:
                break
        else:
            raise AssertionError("the rules were never accepted")
    while time.time() < start + 0.05:  # bounded: about a second
        time.sleep(0.05)
    till.reader.insert(EmulatedNtag(MEMBER_UID))
