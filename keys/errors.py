"""Errors of the key management package.

Every error says what went wrong in words an operator can act on; none ever carries secret
material (passphrases, PINs, key bytes) in its message.
"""

from __future__ import annotations


class KeysError(Exception):
    """Base class: a key management operation could not be done."""


class KeystoreNotFoundError(KeysError):
    """The keystore file does not exist."""


class KeystoreExistsError(KeysError):
    """Refused to create a keystore over an existing one."""


class WrongPassphraseError(KeysError):
    """The passphrase does not open the keystore."""


class CorruptKeystoreError(KeysError):
    """The keystore file is damaged or was changed outside cardkeys."""


class TokenNotFoundError(KeysError):
    """The PKCS#11 module or token is missing."""


class TokenLoginError(KeysError):
    """The token refused the PIN."""


class KcvMismatchError(KeysError):
    """A key or key component does not match its recorded key check value."""


class KeyNotFoundError(KeysError):
    """No key with that label (and version)."""


class KeyExistsError(KeysError):
    """A key with that label and version already exists."""


class KeyStateError(KeysError):
    """The key exists but may not be used for this (revoked, expired, wrong kind or purpose)."""


class PublishedKeysetError(KeysError):
    """A published public key set failed its integrity checks."""
