"""Settings of the key management (environment prefix CARDKEYS_) and the keystore factory."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from keys.file_format import DEFAULT_SCRYPT_N
from keys.file_keystore import FileKeystore
from keys.keystore import BaseKeystore, Clock, Keystore, system_clock


def _default_module() -> str:
    return os.environ.get("CARDSVC_PKCS11_MODULE", "")


class KeysSettings(BaseSettings):
    """Where the keys are and how to unlock them. Secrets are SecretStr: never in a repr."""

    model_config = SettingsConfigDict(env_prefix="CARDKEYS_", extra="ignore")

    keystore: Literal["file", "pkcs11"] = "file"
    file: Path = Path("cardkeys.keystore.json")
    passphrase: SecretStr | None = None
    scrypt_n: int = DEFAULT_SCRYPT_N
    pkcs11_module: str = Field(default_factory=_default_module)
    token_label: str = "cardkeys"
    pin: SecretStr | None = None


def open_keystore(
    settings: KeysSettings, secret: str, clock: Clock = system_clock
) -> BaseKeystore:
    """Open the configured keystore with its passphrase (file) or PIN (PKCS#11)."""
    if settings.keystore == "file":
        return FileKeystore(settings.file, secret, clock)
    from keys.pkcs11_keystore import Pkcs11Keystore  # python-pkcs11 only when an HSM is used

    return Pkcs11Keystore(settings.pkcs11_module, settings.token_label, secret, clock)


def _conforms_to_the_protocol(store: BaseKeystore) -> Keystore:
    """Type-level check (mypy): every BaseKeystore satisfies the Keystore protocol."""
    return store
