"""Password hashes and TOTP codes for the back office's sign-in.

Passwords are hashed with scrypt (memory-hard, in the standard library): 2^15 x 8 x 128 bytes =
32 MiB per guess, which is what makes a stolen hash expensive to attack on GPUs. The parameters
travel inside the stored hash, so they can be raised later without invalidating old ones.

TOTP is RFC 6238 with its defaults (HMAC-SHA1, 30-second steps, 6 digits): what every
authenticator app (Google Authenticator, Aegis, FreeOTP, 1Password) understands.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
from urllib.parse import quote

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1
_MAXMEM = 128 * 1024 * 1024  # above 128 * N * r: OpenSSL's default limit (32 MiB) is too tight
PASSWORD_MIN, PASSWORD_MAX = 10, 200  # characters; the upper bound keeps hashing bounded
TOTP_STEP_S, TOTP_DIGITS = 30, 6


def hash_password(password: str, *, n: int = SCRYPT_N) -> str:
    salt = secrets.token_bytes(16)
    key = hashlib.scrypt(password.encode(), salt=salt, n=n, r=SCRYPT_R, p=SCRYPT_P,
                         maxmem=_MAXMEM, dklen=32)  # fmt: skip
    return "$".join(("scrypt", str(n), str(SCRYPT_R), str(SCRYPT_P), salt.hex(), key.hex()))


def verify_password(password: str, stored: str) -> bool:
    """Whether `password` matches `stored` (constant time in the comparison)."""
    try:
        scheme, n, r, p, salt, key = stored.split("$")
        if scheme != "scrypt":
            return False
        got = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r),
                             p=int(p), maxmem=_MAXMEM, dklen=len(key) // 2)  # fmt: skip
    except ValueError:
        return False
    return hmac.compare_digest(got.hex(), key)


# A hash of nothing anyone knows: checked against when the person does not exist, so that
# "no such person" costs the same time as "wrong password" and names cannot be probed.
DECOY_HASH = hash_password(secrets.token_urlsafe(16), n=SCRYPT_N)


def password_problem(password: str) -> str | None:
    """The message key of what is wrong with a new password, or None."""
    if len(password) < PASSWORD_MIN:
        return "pw_too_short"
    if len(password) > PASSWORD_MAX:
        return "pw_too_long"
    if password.isdigit() or len(set(password)) < 4:
        return "pw_too_simple"
    return None


def new_totp_secret() -> str:
    return base64.b32encode(secrets.token_bytes(20)).decode().rstrip("=")


def totp(secret_b32: str, at: int, *, digits: int = TOTP_DIGITS, step: int = TOTP_STEP_S,
         digest: str = "sha1") -> str:  # fmt: skip
    """The code an authenticator shows at time `at` (RFC 6238 / RFC 4226 truncation)."""
    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8), casefold=True)
    mac = hmac.new(key, struct.pack(">Q", at // step), digest).digest()
    offset = mac[-1] & 0x0F
    value = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**digits).zfill(digits)


def totp_ok(secret_b32: str, code: str, at: int) -> bool:
    """A code of this step or the one before or after (clocks drift; people type slowly)."""
    code = code.strip().replace(" ", "")
    if len(code) != TOTP_DIGITS or not code.isdigit():
        return False
    return any(hmac.compare_digest(totp(secret_b32, at + d * TOTP_STEP_S), code)
               for d in (-1, 0, 1))  # fmt: skip


def totp_uri(secret_b32: str, account: str, issuer: str = "cardsvc") -> str:
    """The otpauth:// URI authenticator apps scan as a QR code."""
    label = quote(f"{issuer}:{account}")
    return f"otpauth://totp/{label}?secret={secret_b32}&issuer={quote(issuer)}&digits=6&period=30"
