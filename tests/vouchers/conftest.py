"""A whole ledger service with vouchers for a test: real app, group committer, database (SQLite
file or a fresh PostgreSQL database), a real file keystore holding the QR key, and a clock the
test moves by hand."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr

from cardsvc.api.app import create_app
from cardsvc.protocol.client import LedgerClient, enroll
from cardsvc.protocol.signing import InMemorySigner
from cardsvc.services.people import Role, create_person
from cardsvc.settings import Settings
from cardsvc.storage.provision import temporary_database
from cardsvc.vouchers.service import Vouchers
from cardsvc.vouchers.settings import VoucherSettings
from cardsvc.wiring import Ledger, build_ledger
from tests.support import T0 as T0
from tests.support import Clock as Clock
from tests.support import bearer as bearer
from tests.support import expect as expect
from tests.vouchers.keys_fixture import qr_keystore

DAY = 86_400


@contextmanager
def postgres_database(pg_url: str) -> Iterator[str]:
    """A new, empty database on the test server; dropped afterwards."""
    with temporary_database(pg_url, "cardsvc_v") as url:
        yield url


@dataclass
class Env:
    url: str
    clock: Clock
    ledger: Ledger
    vouchers: Vouchers
    app: FastAPI
    http: TestClient
    admin: dict[str, str]
    stores: set[str] = field(default_factory=set)

    def post(self, path: str, body: dict[str, Any], status: int = 201) -> Any:
        return expect(self.http.post(path, json=body, headers=self.admin), status)

    def get(self, path: str, status: int = 200, **params: Any) -> Any:
        return expect(self.http.get(path, params=params, headers=self.admin), status)

    def till(self, terminal_id: str, store: str, http: httpx.Client | None = None) -> LedgerClient:
        """An enrolled terminal of `store` (created on first use)."""
        if store not in self.stores:
            self.post("/v1/stores", {"id": store, "name": f"Cửa hàng {store}"})
            self.stores.add(store)
        created = self.post("/v1/terminals", {"id": terminal_id, "store_id": store, "name": "t"})
        signer = InMemorySigner()
        enroll(self.http, terminal_id, created["enrollment_code"], signer)
        return LedgerClient(http or self.http, terminal_id, signer, clock=self.clock)

    def campaign(self, **body: Any) -> str:
        body.setdefault("name", f"Chiến dịch {body['id']}")
        self.post("/v1/campaigns", body)
        return str(body["id"])

    def codes(self, campaign: str, count: int) -> list[dict[str, str]]:
        out = self.post(f"/v1/campaigns/{campaign}/codes", {"count": count})
        assert not out["refused"]
        codes: list[dict[str, str]] = out["codes"]
        return codes


def voucher_settings(**overrides: Any) -> VoucherSettings:
    base: dict[str, Any] = {"code_pepper": SecretStr("test-pepper"), "public_burst": 1000,
                            "public_per_minute": 1000.0}
    base.update(overrides)
    return VoucherSettings(**base)


@contextmanager
def running_env(
    url: str, tmp: Path, clock: Clock, settings: VoucherSettings | None = None
) -> Iterator[Env]:
    store = qr_keystore(tmp / f"qr-{uuid.uuid4().hex[:6]}.json", clock)
    ledger = build_ledger(Settings(database_url=url), clock, keystore=store,
                          voucher_settings=settings or voucher_settings())
    vouchers = ledger.require_vouchers()
    app = create_app(Settings(database_url=url), clock=clock, ledger=ledger)
    with ledger.db.write() as uow:
        token = create_person(uow, "admin", "Quản trị", Role.ADMIN, None, clock())
    try:
        with TestClient(app) as http:
            yield Env(url, clock, ledger, vouchers, app, http, bearer(token))
    finally:
        ledger.close()
        store.close()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def env(tmp_path: Path, clock: Clock) -> Iterator[Env]:
    """On SQLite."""
    with running_env(f"sqlite:///{tmp_path / 'ledger.db'}", tmp_path, clock) as e:
        yield e


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database: a SQLite file, or a new database on the test PostgreSQL server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'ledger.db'}"
        return
    with postgres_database(request.getfixturevalue("pg_url")) as url:
        yield url


@pytest.fixture
def env_any(db_url: str, tmp_path: Path, clock: Clock) -> Iterator[Env]:
    """On SQLite and on PostgreSQL."""
    with running_env(db_url, tmp_path, clock) as e:
        yield e
