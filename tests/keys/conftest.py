"""Fixtures for the key management tests: a settable clock, a file keystore, SoftHSM2 tokens."""

from __future__ import annotations

import os
import secrets
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from keys.file_keystore import FileKeystore
from keys.keystore import BaseKeystore
from keys.pkcs11_keystore import Pkcs11Keystore

PASSPHRASE = "correct horse battery staple"
TEST_SCRYPT_N = 2**10  # the minimum the format accepts; keeps the tests fast
T0 = 1_750_000_000


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: int = T0) -> None:
        self.now = now

    def __call__(self) -> int:
        return self.now


@dataclass(frozen=True)
class SoftHsmToken:
    """A freshly initialised SoftHSM2 token."""

    module: str
    label: str
    pin: str
    so_pin: str


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "keystore.json"


@pytest.fixture
def file_store(store_path: Path, clock: Clock) -> Iterator[FileKeystore]:
    store = FileKeystore.create(store_path, PASSPHRASE, scrypt_n=TEST_SCRYPT_N, clock=clock)
    yield store
    store.close()


def init_softhsm_token(module: str) -> SoftHsmToken:
    """Initialise a new token in the SOFTHSM2_CONF token directory and make it visible.

    SoftHSM2 reads its token directory when the library is initialised, so the (process-wide)
    python-pkcs11 library is re-initialised; keystores of earlier tests are closed by then.
    """
    import pkcs11

    token = SoftHsmToken(module, f"t-{secrets.token_hex(4)}", secrets.token_hex(4),
                         secrets.token_hex(6))
    subprocess.run(
        ["softhsm2-util", "--init-token", "--free", "--label", token.label,
         "--pin", token.pin, "--so-pin", token.so_pin],
        check=True, capture_output=True, env=os.environ.copy(), timeout=60,
    )
    pkcs11.lib(module).reinitialize()
    return token


@pytest.fixture
def softhsm_token(pkcs11_module: str) -> SoftHsmToken:
    return init_softhsm_token(pkcs11_module)


@pytest.fixture
def hsm_store(softhsm_token: SoftHsmToken, clock: Clock) -> Iterator[Pkcs11Keystore]:
    store = Pkcs11Keystore(softhsm_token.module, softhsm_token.label, softhsm_token.pin, clock)
    yield store
    store.close()


@pytest.fixture(params=["file", "pkcs11"])
def store(request: pytest.FixtureRequest) -> BaseKeystore:
    """Each keystore backend in turn: the contract tests run against both."""
    name = "file_store" if request.param == "file" else "hsm_store"
    result: BaseKeystore = request.getfixturevalue(name)
    return result
