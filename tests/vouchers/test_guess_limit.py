"""The customer page's guess limit holds across workers and processes (the buckets are in the
database), and X-Forwarded-For is believed only from configured proxies, read from the right."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from ipaddress import ip_network
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from cardsvc.api.app import create_app
from cardsvc.api.client_address import client_address
from cardsvc.commands import serve
from cardsvc.settings import Settings
from cardsvc.vouchers.codes import new_code
from cardsvc.vouchers.settings import VoucherSettings, proxy_networks
from cardsvc.wiring import build_ledger
from tests.vouchers.conftest import Clock, running_env, voucher_settings
from tests.vouchers.keys_fixture import qr_keystore

PROXIES = [ip_network("10.0.0.0/8"), ip_network("2001:db8::/32")]


def test_forwarded_addresses_count_only_from_trusted_proxies() -> None:
    forged = ["6.6.6.6, 203.0.113.7"]  # the client wrote 6.6.6.6; the proxy added .7
    assert client_address("198.51.100.1", forged, PROXIES) == "198.51.100.1"  # not a proxy
    assert client_address("10.0.0.1", forged, PROXIES) == "203.0.113.7"  # rightmost untrusted
    assert client_address("10.0.0.1", ["6.6.6.6", "203.0.113.7, 10.0.0.2"], PROXIES) == (
        "203.0.113.7"
    )  # two proxies, two header lines
    assert client_address("10.0.0.1", forged, []) == "10.0.0.1"  # no proxies configured
    assert client_address("10.0.0.1", [], PROXIES) == "10.0.0.1"
    assert client_address("2001:db8::1", ["203.0.113.9"], PROXIES) == "203.0.113.9"


def test_proxy_settings_are_checked_at_start() -> None:
    assert len(proxy_networks("10.0.0.5, 10.1.0.0/16,")) == 2
    with pytest.raises(ValueError, match="is not an IP address"):
        VoucherSettings(trusted_proxies="10.0.0.300")


@contextmanager
def _second_process(url: str, tmp: Path, clock: Clock, settings: VoucherSettings) -> Iterator[Any]:
    """Another ledger process on the same database: its own engine, committer and app."""
    store = qr_keystore(tmp / "second-qr.json", clock)
    ledger = build_ledger(Settings(database_url=url), clock, keystore=store,
                          voucher_settings=settings)  # fmt: skip
    try:
        with TestClient(create_app(Settings(database_url=url), clock=clock, ledger=ledger)) as http:
            yield http
    finally:
        ledger.close()
        store.close()


def test_the_limit_is_shared_by_every_process_on_the_database(db_url: str, tmp_path: Path) -> None:
    """Two ledger processes (two engines, two apps) on one database: one bucket per client."""
    settings = voucher_settings(public_burst=4, public_per_minute=0.5)
    clock = Clock()
    with running_env(db_url, tmp_path, clock, settings) as a, \
            _second_process(db_url, tmp_path, clock, settings) as b:  # fmt: skip
        statuses = [http.post("/check", data={"q": new_code()}).status_code
                    for http in (a.http, b, a.http, b, a.http, b)]  # fmt: skip
    assert statuses == [200, 200, 200, 200, 429, 429]


def test_serve_tells_uvicorn_not_to_trust_forwarded_headers(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    seen: dict[str, Any] = {}
    monkeypatch.setattr("uvicorn.run", lambda *a, **kw: seen.update(kw))
    monkeypatch.setenv("CARDSVC_DATABASE_URL", f"sqlite:///{tmp_path / 'ledger.db'}")
    serve.get_settings.cache_clear()
    try:
        serve.serve(argparse.Namespace(host=None, port=None, workers=None))
    finally:
        serve.get_settings.cache_clear()
    assert seen["proxy_headers"] is False
