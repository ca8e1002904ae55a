"""Schemathesis against the OpenAPI document, with an administrator's token, in-process (ASGI):
every operation answers without a server error, with a status, content type, headers and body
its description promises, and refuses data the description rules out (out-of-bounds integers
among them). Bounded: a few examples per operation, well under a minute."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks

from cardsvc.api.app import create_app
from cardsvc.core import InstrumentKind, InstrumentSpec, Unit
from cardsvc.services.people import Role, create_person
from cardsvc.services.programs import create_program
from cardsvc.services.terminals import create_store
from cardsvc.settings import Settings
from cardsvc.wiring import build_ledger
from tests.ledger.world import T0, Clock, bearer
from tests.support import serving
from tests.vouchers.conftest import voucher_settings
from tests.vouchers.keys_fixture import qr_keystore

EXAMPLES = 3  # per operation: the whole run stays well under a minute on a busy 2-core machine
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
    checks.negative_data_rejection,
]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    """One ledger served by uvicorn for the whole run, on SQLite, with a store, a program and
    an administrator."""
    folder: Path = tmp_path_factory.mktemp("schemathesis")
    settings = Settings(database_url=f"sqlite:///{folder / 'ledger.db'}")
    store = qr_keystore(folder / "qr.json", Clock(T0))  # vouchers on: no 503 for want of keys
    ledger = build_ledger(settings, Clock(T0), keystore=store, voucher_settings=voucher_settings())
    with ledger.db.write() as uow:
        create_store(uow, "S1", "Cửa hàng 1", T0)
        spec = InstrumentSpec(InstrumentKind.PREPAID, Unit.VND, "PREPAID")
        create_program(uow, "PREPAID", "Trả trước", spec, None, T0)
        token = create_person(uow, "fuzz-admin", "Fuzz", Role.ADMIN, None, T0)
    try:
        with serving(create_app(settings, clock=Clock(T0), ledger=ledger)) as url:
            yield url, bearer(token)
    finally:
        ledger.close()
        store.close()


# The description is the app's own, built without a database.
schema = schemathesis.openapi.from_dict(create_app(Settings(database_url="sqlite://")).openapi())


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))  # fmt: skip
def test_the_api_keeps_its_description(case: Any, served: tuple[str, dict[str, str]]) -> None:
    url, admin = served
    case.call_and_validate(base_url=url, headers=admin, checks=CHECKS)
