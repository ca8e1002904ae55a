"""`cardsvc loyalty`: rules from a file, shown back; the daily runs twice the same day."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cardsvc.cli import main
from cardsvc.core import InstrumentKind, InstrumentSpec, Unit
from cardsvc.services.programs import create_program
from cardsvc.settings import get_settings
from cardsvc.storage.unit_of_work import Database


@pytest.fixture
def db_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    monkeypatch.setenv("CARDSVC_DATABASE_URL", url)
    get_settings.cache_clear()  # the command reads this test's database, not an earlier one's
    monkeypatch.delenv("CARDKEYS_PASSPHRASE", raising=False)
    db = Database.open(url)
    spec = InstrumentSpec(InstrumentKind.MEMBER, Unit.POINTS, "LOYAL", max_balance=10**9)
    with db.write() as uow:
        create_program(uow, "LOYAL", "Thành viên", spec, None, 0)
    db.close()
    return url


def test_rules_set_up_shown_and_runs_idempotent(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps({
        "effective_from": 1_830_000_000, "dong_per_point": 20_000, "pending_days": 3,
        "tiers": [{"name": "member", "threshold": 0}, {"name": "gold", "threshold": 10**7}],
        "multipliers": [{"name": "tet", "factor_bp": 20_000, "holidays": True}],
    }))  # fmt: skip
    assert main(["loyalty", "rules", "--program", "LOYAL", "--file", str(rules)]) == 0
    assert "version 1" in capsys.readouterr().out
    assert main(["loyalty", "show", "--program", "LOYAL"]) == 0
    shown = json.loads(capsys.readouterr().out.splitlines()[0])
    assert shown["rules"]["dong_per_point"] == 20_000
    assert 20270206 in shown["rules"]["holidays"]  # Tết 2027, from the holidays package
    rules.write_text('{"effective_from": 1830000001, "tiers": [{"name": "x", "threshold": 1}]}')
    assert main(["loyalty", "rules", "--program", "LOYAL", "--file", str(rules)]) == 2
    assert "threshold 0" in capsys.readouterr().err
    for _ in range(2):
        assert main(["loyalty", "run", "expiry"]) == 0
        assert json.loads(capsys.readouterr().out.splitlines()[-1])["members"] == 0


def test_a_rewards_catalog_and_the_refund_option_from_a_file(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from cardsvc.vouchers.campaigns import CampaignIn, create_campaign

    db = Database.open(db_url)
    with db.write() as uow:
        cafe = CampaignIn(id="CAFE", name="Cà phê", kind="voucher", face_value=50_000,
                          valid_until=1_900_000_000)  # fmt: skip
        create_campaign(uow, cafe, 0, None)
    db.close()
    coffee = {"id": "coffee", "name_vi": "Cà phê miễn phí", "name_en": "Free coffee",
              "points": 300, "campaign": "CAFE", "min_tier": "gold", "per_member": 2}  # fmt: skip
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps({
        "effective_from": 1_830_000_000, "refund_spent": "deduct_cash", "rewards": [coffee],
        "tiers": [{"name": "member", "threshold": 0}, {"name": "gold", "threshold": 10**7}],
    }, ensure_ascii=False))  # fmt: skip
    assert main(["loyalty", "rules", "--program", "LOYAL", "--file", str(rules)]) == 0
    capsys.readouterr()
    assert main(["loyalty", "show", "--program", "LOYAL"]) == 0
    shown = json.loads(capsys.readouterr().out.splitlines()[0])["rules"]
    assert shown["refund_spent"] == "deduct_cash"
    assert shown["rewards"] == [["coffee", "Cà phê miễn phí", "Free coffee", 300, "CAFE",
                                 "gold", 2, 0]]  # fmt: skip
    unknown = {**coffee, "campaign": "NOPE", "min_tier": None}
    rules.write_text(json.dumps({"effective_from": 1_830_000_001, "rewards": [unknown]}))
    assert main(["loyalty", "rules", "--program", "LOYAL", "--file", str(rules)]) == 1
    assert "no voucher campaign" in capsys.readouterr().err


def test_the_journal_codec_round_trips_what_the_core_did() -> None:
    from cardsvc.core import Earning, Op, Transaction
    from cardsvc.storage.loyalty_codec import earning_from_json, inputs_from_json, journal_json

    done = Earning(12, (1800000000, 0), 3, ("v1:base", "Tết x2 \\ \""), 120_000, 20_500, (),
                   "bạc", 4)  # fmt: skip
    tx = Transaction("t", Op.PURCHASE, "m", 0, purchase_amount=120_000,
                     tenders=(("bank_card", 20_000), ("cash", 100_000)))  # fmt: skip
    text = journal_json(tx, done)
    assert earning_from_json(text) == done
    assert inputs_from_json(text) == {"tenders": tx.tenders}
    spent = Earning(1, None, 0, ("v1:base",), 1, 1, ((5, 0, 7),), "x", 1)
    other = Transaction("u", Op.PURCHASE, "m", 7, purchase_amount=10_000, excluded=5)
    assert earning_from_json(journal_json(other, spent)) == spent
    assert inputs_from_json(journal_json(other, spent)) == {"excluded": 5}
