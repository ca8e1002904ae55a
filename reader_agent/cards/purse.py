"""The DESFire offline purse: personalisation and tear-safe value operations.

Card layout (one application, AES keys diversified per card by the caller's key provider):
  key 0 application master (changes keys), key 1 debit (terminal), key 2 credit (top-up).
  file 1 purse: value file, MAC mode, 0 <= value <= upper limit, limited credit enabled;
         Read/Write = key 1 (GetValue, Debit, LimitedCredit refunds), ReadWrite = key 2 (Credit).
  file 2 transaction counter: value file, MAC mode, starts at 0, upper limit 0; every purse
         operation Debits it by 1 in the same transaction, so counter = -value and it can only
         grow for the terminal keys (only key 0 could Credit it back).

Why a counter file rather than EV2's Transaction MAC counter: it works the same on EV1 and EV2,
and it changes atomically with the purse at CommitTransaction (both are backup value files of
one application), which is exactly what tear recovery and the ledger's replay/gap checks need.

Amounts are whole đồng in the card's int32 (at most 2,147,483,647 ₫). Programs whose balances
can exceed the layout's upper limit are online-only (UID / member cards, ledger balance).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum, StrEnum
from typing import Protocol

from reader_agent.cards.desfire import DesfireClient, ValueFileSpec, aid_bytes
from reader_agent.cards.desfire_protocol import (
    AES_KEY_FLAG,
    INT32_MAX,
    PICC_AID,
    CommMode,
    DesfireError,
    Status,
    access_rights,
    check_int32,
)
from reader_agent.cards.key_scheme import CARD_KEY_VERSION
from reader_agent.cards.purse_recovery import (
    PendingOperation,
    PurseOperationKind,
    RecoveryDecision,
    recover,
)

DEFAULT_KEY = bytes(16)
APP_KEY_SETTINGS = 0x0B  # master key changeable, listing free, create needs key 0, configurable


class PurseKey(IntEnum):
    MASTER = 0
    DEBIT = 1
    CREDIT = 2


class CardKeyProvider(Protocol):
    """Returns the card's AES key `key_no` of application `aid` (e.g. AN10922-diversified)."""

    def __call__(self, uid: bytes, aid: bytes, key_no: int) -> bytes: ...


@dataclass(frozen=True)
class PurseLayout:
    aid: int = 0x56_4E_44  # "VND"
    purse_file: int = 1
    counter_file: int = 2
    upper_limit: int = 20_000_000
    comm_mode: CommMode = CommMode.MAC

    def __post_init__(self) -> None:
        check_int32(self.upper_limit, "upper_limit")
        if self.upper_limit <= 0:
            raise ValueError("the purse upper limit must be positive")
        aid_bytes(self.aid)

    def purse_spec(self) -> ValueFileSpec:
        rights = access_rights(PurseKey.DEBIT, PurseKey.DEBIT, PurseKey.CREDIT, PurseKey.MASTER)
        return ValueFileSpec(self.purse_file, self.comm_mode, rights, 0, self.upper_limit, 0, True)

    def counter_spec(self) -> ValueFileSpec:
        rights = access_rights(PurseKey.DEBIT, PurseKey.CREDIT, PurseKey.MASTER, PurseKey.MASTER)
        return ValueFileSpec(self.counter_file, self.comm_mode, rights, -INT32_MAX, 0, 0, False)


class PurseOutcome(StrEnum):
    OK = "ok"
    INSUFFICIENT_FUNDS = "insufficient_funds"
    LIMIT_EXCEEDED = "limit_exceeded"


@dataclass(frozen=True)
class PurseResult:
    """What one tap did to the card: everything the ledger needs to mirror the purse."""

    uid: bytes
    operation: str  # "balance" or a PurseOperationKind
    outcome: PurseOutcome
    amount: int
    value_before: int
    value_after: int
    counter_before: int
    counter_after: int


class PurseCardError(Exception):
    """The card is not a purse of this layout, or not the card expected."""


Journal = Callable[[PendingOperation], None]


class Purse:
    def __init__(self, client: DesfireClient, keys: CardKeyProvider, layout: PurseLayout) -> None:
        self._client = client
        self._keys = keys
        self._layout = layout
        self.uid = b""
        self._ev2 = False

    def _open(self, key: PurseKey) -> None:
        """Identify the card, select the purse application and authenticate with `key`."""
        # Selecting the PICC first ends any session left on the card by an earlier client,
        # so that GetVersion goes plain whatever state the card was in.
        self._client.select_application(0)
        version = self._client.get_version()
        self.uid, self._ev2 = version.uid, version.supports_ev2
        try:
            self._client.select_application(self._layout.aid)
        except DesfireError as exc:
            if exc.status == Status.APPLICATION_NOT_FOUND:
                raise PurseCardError(f"card {self.uid.hex()} has no purse application") from exc
            raise
        card_key = self._keys(self.uid, aid_bytes(self._layout.aid), key)
        try:
            self._client.authenticate(key, card_key, ev2=self._ev2)
        except DesfireError as exc:
            # A tear during personalisation leaves default keys: issuing the card resumes it.
            if exc.status == Status.AUTHENTICATION_ERROR and self._unfinished(key):
                raise PurseCardError(f"card {self.uid.hex()} is not fully personalised") from exc
            raise

    def _unfinished(self, key: PurseKey) -> bool:
        self._client.select_application(self._layout.aid)
        return self._client.get_key_version(key) != CARD_KEY_VERSION

    def _read(self) -> tuple[int, int]:
        mode = self._layout.comm_mode
        value = self._client.get_value(self._layout.purse_file, mode)
        counter = -self._client.get_value(self._layout.counter_file, mode)
        return value, counter

    def balance(self) -> PurseResult:
        self._open(PurseKey.DEBIT)
        value, counter = self._read()
        return PurseResult(self.uid, "balance", PurseOutcome.OK, 0, value, value, counter, counter)

    def debit(self, amount: int, journal: Journal | None = None) -> PurseResult:
        return self._operate(PurseOperationKind.DEBIT, amount, PurseKey.DEBIT, journal)

    def credit(self, amount: int, journal: Journal | None = None) -> PurseResult:
        return self._operate(PurseOperationKind.CREDIT, amount, PurseKey.CREDIT, journal)

    def limited_credit(self, amount: int, journal: Journal | None = None) -> PurseResult:
        """Give back (part of) the last debit with the debit key, as DESFire allows once."""
        return self._operate(PurseOperationKind.LIMITED_CREDIT, amount, PurseKey.DEBIT, journal)

    def _operate(
        self, kind: PurseOperationKind, amount: int, key: PurseKey, journal: Journal | None
    ) -> PurseResult:
        check_int32(amount, "amount")
        if amount <= 0:
            raise ValueError("a purse operation moves a positive number of đồng")
        self._open(key)
        value, counter = self._read()
        pending = PendingOperation(self.uid, kind, amount, counter, value)
        refused = self._refusal(pending)
        if refused is not None:
            return PurseResult(self.uid, kind, refused, amount, value, value, counter, counter)
        if journal is not None:
            journal(pending)  # durable before the card changes: the basis of recovery
        self._apply(kind, amount)
        return PurseResult(
            self.uid,
            kind,
            PurseOutcome.OK,
            amount,
            value,
            pending.value_after,
            counter,
            counter + 1,
        )

    def _refusal(self, pending: PendingOperation) -> PurseOutcome | None:
        after = pending.value_after
        if after < 0:
            return PurseOutcome.INSUFFICIENT_FUNDS
        if after > self._layout.upper_limit or pending.counter_before >= INT32_MAX:
            return PurseOutcome.LIMIT_EXCEEDED
        return None

    def _apply(self, kind: PurseOperationKind, amount: int) -> None:
        mode, client = self._layout.comm_mode, self._client
        operation = {
            PurseOperationKind.DEBIT: client.debit,
            PurseOperationKind.CREDIT: client.credit,
            PurseOperationKind.LIMITED_CREDIT: client.limited_credit,
        }[kind]
        try:
            operation(self._layout.purse_file, amount, mode)
        except DesfireError as exc:
            if exc.status == Status.BOUNDARY_ERROR and kind is PurseOperationKind.LIMITED_CREDIT:
                raise PurseCardError("limited credit exceeds what the last debit allows") from exc
            raise
        client.debit(self._layout.counter_file, 1, mode)
        client.commit_transaction()

    def recover(self, pending: PendingOperation) -> tuple[RecoveryDecision, PurseResult]:
        """On the next tap after a tear: read the card and decide whether `pending` counted."""
        self._open(PurseKey.DEBIT)
        if self.uid != pending.uid:
            raise PurseCardError(f"expected card {pending.uid.hex()}, got {self.uid.hex()}")
        value, counter = self._read()
        decision = recover(pending, value, counter)
        result = PurseResult(
            self.uid, pending.kind, PurseOutcome.OK, pending.amount,
            pending.value_before, value, pending.counter_before, counter,
        )  # fmt: skip
        return decision, result


FACTORY_DES_KEY = bytes(16)  # real DESFire EV1/EV2/EV3 PICC master key as shipped


def personalise(client: DesfireClient, keys: CardKeyProvider, layout: PurseLayout) -> bytes:
    """Turn a blank card into a purse with balance 0; returns the card UID.

    Idempotent, so that a tear at any step is recovered by simply running it again: every step
    first asks the card whether it is already done (key type and key versions, AIDs, file IDs)
    and the key that authenticates each step changes last. Steps (key scheme: key_scheme.py):
      1. PICC master key: factory DES zero (native 0A authentication) or an AES zero blank ->
         the card's diversified AES PICC key (ChangeKey C4, KeyNo 80 = AES, version 1);
      2. with it, CreateApplication unless GetApplicationIDs lists the purse;
      3. in the application, with its master key (still the zero default): the value files
         unless GetFileIDs lists them, keys 1 and 2 unless their version is already 1, and
         the application master key last, since changing the session's own key ends it.
    """
    client.select_application(0)
    version = client.get_version()
    uid, ev2 = version.uid, version.supports_ev2
    _personalise_picc(client, keys(uid, PICC_AID, 0), ev2)
    if layout.aid not in client.get_application_ids():
        client.create_application(layout.aid, APP_KEY_SETTINGS, len(PurseKey))
    client.select_application(layout.aid)
    aid = aid_bytes(layout.aid)
    master = keys(uid, aid, PurseKey.MASTER)
    if client.get_key_version(PurseKey.MASTER) == CARD_KEY_VERSION:
        client.authenticate(PurseKey.MASTER, master, ev2=ev2)  # finished earlier: check it
        return uid
    client.authenticate(PurseKey.MASTER, DEFAULT_KEY, ev2=ev2)
    present = set(client.get_file_ids())
    for spec in (layout.purse_spec(), layout.counter_spec()):
        if spec.file_no not in present:
            client.create_value_file(spec)
    for key_no in (PurseKey.DEBIT, PurseKey.CREDIT):
        if client.get_key_version(key_no) != CARD_KEY_VERSION:
            client.change_key(key_no, keys(uid, aid, key_no), DEFAULT_KEY, CARD_KEY_VERSION)
    client.change_key(PurseKey.MASTER, master, DEFAULT_KEY, CARD_KEY_VERSION)
    return uid


def _personalise_picc(client: DesfireClient, picc_key: bytes, ev2: bool) -> None:
    """Leave the client authenticated at the PICC level with the card's diversified AES key."""
    _, key_byte = client.get_application_key_settings()
    if key_byte & 0xC0 != AES_KEY_FLAG:
        client.authenticate_legacy(0, FACTORY_DES_KEY)
        client.change_key(0, picc_key, FACTORY_DES_KEY, CARD_KEY_VERSION)
    elif client.get_key_version(0) != CARD_KEY_VERSION:
        client.authenticate(0, DEFAULT_KEY, ev2=ev2)  # a blank with an AES zero PICC key
        client.change_key(0, picc_key, DEFAULT_KEY, CARD_KEY_VERSION)
    client.authenticate(0, picc_key, ev2=ev2)


__all__ = [
    "CardKeyProvider",
    "PendingOperation",
    "Purse",
    "PurseCardError",
    "PurseKey",
    "PurseLayout",
    "PurseOutcome",
    "PurseResult",
    "RecoveryDecision",
    "personalise",
]
