"""The back office driven as a browser would (cookies, forms with their CSRF token), over the
real app of a test `World`."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient

from cardsvc.services import signin
from tests.ledger.world import World

PASSWORD = "demo-pass-2026"  # what every test person signs in with
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def give_password(world: World, person_id: str, password: str = PASSWORD) -> None:
    with world.ledger.db.write() as uow:
        signin.set_password(uow, person_id, password, world.clock(), must_change=False)


def make_person(world: World, person_id: str, role: str, store: str | None = None) -> str:
    """A person with an API token and a back-office password; their id."""
    world.person(person_id, role, store)
    give_password(world, person_id)
    return person_id


class Browser:
    """One browser: its own cookie jar over the world's app."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.http: httpx.Client = TestClient(world._app_client.app, follow_redirects=False)

    def csrf(self, path: str) -> str:
        page = self.http.get(path)
        found = _CSRF.search(page.text)
        assert found, f"no CSRF field on {path}: {page.status_code}"
        return found.group(1)

    def sign_in(self, person_id: str, password: str = PASSWORD) -> httpx.Response:
        token = self.csrf("/admin/signin")
        return self.http.post(
            "/admin/signin",
            data={"csrf": token, "username": person_id, "password": password, "next": "/admin/"},
        )

    def get(self, path: str, **kw: Any) -> httpx.Response:
        return self.http.get(path, **kw)

    def post_form(self, page: str, action: str, data: dict[str, str]) -> httpx.Response:
        """Post `data` to `action` with the CSRF token of `page` (as the form there would)."""
        return self.http.post(action, data={"csrf": self.csrf(page), **data})


def with_vouchers(world: World, directory: Path) -> None:
    """Give the world's ledger a QR signing key (a real file keystore), as `cardsvc serve`
    gets one from the environment."""
    from pydantic import SecretStr

    from cardsvc.vouchers.service import vouchers_from_keystore
    from cardsvc.vouchers.settings import VoucherSettings
    from tests.vouchers.keys_fixture import qr_keystore

    store = qr_keystore(directory / "keys.json", world.clock)
    settings = VoucherSettings(code_pepper=SecretStr("test-pepper"))
    ledger = world.ledger
    ledger.vouchers = vouchers_from_keystore(ledger.db, ledger.committer, world.clock, settings,
                                             store)  # fmt: skip
    ledger.vouchers_missing = ""
