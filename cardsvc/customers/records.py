"""Customer records: sign-up (at the counter, on the customer's phone, by import or through
the API), look-up by phone, changes, consent and the instruments a customer owns.

Every change leaves an event in the customer's audit trail. A phone number is one customer:
a second sign-up with it is refused and names the customer who has it.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, replace
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cardsvc.customers import phones
from cardsvc.customers.birthdays import local_day, valid_birthday
from cardsvc.customers.errors import CustomerConflict, CustomerInvalid, CustomerNotFound
from cardsvc.customers.settings import CustomerSettings
from cardsvc.storage.customers import CustomerRow
from cardsvc.storage.unit_of_work import UnitOfWork

LANGS = ("vi", "en")
GENDERS = ("female", "male", "other")
VIA = ("counter", "page", "import", "api")
NAME_MAX = 200
EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]{1,189}\.[^@\s.]{2,63}")
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud and typed
CODE_LENGTH = 8
CODE_ATTEMPTS = 20  # a collision among 32**8 codes is rare; bounded anyway


@dataclass(frozen=True)
class SignUp:
    """What a new customer gives: phone and name; birthday day and month (year optional)."""

    phone: str
    name: str
    birth_day: int | None = None
    birth_month: int | None = None
    birth_year: int | None = None
    email: str | None = None
    gender: str | None = None
    lang: str = "vi"
    home_store: str | None = None
    consent: bool = False
    referral_code: str | None = None
    instrument: str | None = None  # a card handed over at sign-up
    tz: str | None = None


def new_customer_id() -> str:
    return "C" + secrets.token_hex(8).upper()


def clean_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise CustomerInvalid("name_missing", "a name is required")
    if len(cleaned) > NAME_MAX or any(ord(ch) < 32 for ch in cleaned):
        raise CustomerInvalid("name_invalid", f"a name is at most {NAME_MAX} printable characters")
    return cleaned


def clean_phone(phone: str, cfg: CustomerSettings) -> str:
    try:
        return phones.normalise(phone, cfg.region)
    except phones.PhoneInvalid as exc:
        raise CustomerInvalid("phone_invalid", str(exc)) from exc


def clean_email(email: str | None) -> str | None:
    if email is None or not email.strip():
        return None
    email = email.strip()
    if len(email) > 254 or not EMAIL.fullmatch(email):
        raise CustomerInvalid("email_invalid", "not an e-mail address")
    return email


def check_birthday(
    day: int | None, month: int | None, year: int | None, now: int, cfg: CustomerSettings,
    *, required: bool,
) -> None:
    if day is None and month is None and year is None:
        if required:
            raise CustomerInvalid("birthday_missing", "the birthday's day and month are required")
        return
    if day is None or month is None:
        raise CustomerInvalid("birthday_invalid", "a birthday needs its day and its month")
    if not valid_birthday(day, month, year, local_day(now, cfg.tz)):
        raise CustomerInvalid("birthday_invalid", "not a date of birth")


def check_choices(lang: str, gender: str | None, tz: str | None) -> None:
    if lang not in LANGS:
        raise CustomerInvalid("lang_invalid", f"language is one of {', '.join(LANGS)}")
    if gender is not None and gender not in GENDERS:
        raise CustomerInvalid("gender_invalid", f"gender is one of {', '.join(GENDERS)}")
    if tz is not None:
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise CustomerInvalid("tz_invalid", "unknown time zone") from exc


def _new_code(uow: UnitOfWork) -> str:
    for _ in range(CODE_ATTEMPTS):
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if not uow.customers.referral_code_taken(code):
            return code
    raise RuntimeError("no free referral code after many attempts")


def normalise_code(code: str) -> str:
    """A referral code as typed: case, spaces and dashes do not matter; O and I read as 0, 1
    are not in the alphabet, so they are refused rather than guessed."""
    return "".join(ch for ch in code.upper() if ch.isalnum())[:CODE_LENGTH * 2]


def sign_up(
    uow: UnitOfWork, form: SignUp, cfg: CustomerSettings, now: int, *, via: str,
    by: str | None, birthday_required: bool = True,
) -> CustomerRow:
    """Create a customer; CustomerInvalid / CustomerConflict say why not (nothing is stored)."""
    assert via in VIA
    phone = clean_phone(form.phone, cfg)
    name = clean_name(form.name)
    email = clean_email(form.email)
    check_birthday(form.birth_day, form.birth_month, form.birth_year, now, cfg,
                   required=birthday_required)  # fmt: skip
    check_choices(form.lang, form.gender, form.tz)
    taken = uow.customers.by_phone(phone)
    if taken is not None:
        raise CustomerConflict("phone_taken", "this phone number already has a customer", taken.id)
    if form.home_store is not None and not uow.terminals.store_exists(form.home_store):
        raise CustomerInvalid("store_unknown", f"no store {form.home_store}")
    referrer = _referrer(uow, form.referral_code, phone)
    row = CustomerRow(
        id=new_customer_id(), name=name, phone=phone, email=email, birth_day=form.birth_day,
        birth_month=form.birth_month, birth_year=form.birth_year, gender=form.gender,
        lang=form.lang, tz=form.tz or cfg.tz, home_store=form.home_store,
        referral_code=_new_code(uow), referred_by=referrer.id if referrer else None,
        status="active", merged_into=None, consent=form.consent,
        consent_at=now if form.consent else None, consent_via=via if form.consent else None,
        created_at=now, created_via=via, created_by=by, updated_at=now,
    )  # fmt: skip
    if not uow.customers.add(row):  # a concurrent sign-up with the same phone won
        raise CustomerConflict("phone_taken", "this phone number already has a customer")
    uow.customers.event(row.id, "created", {"via": via, "consent": form.consent}, by, now)
    if form.instrument:
        link_instrument(uow, row.id, form.instrument, now, by, referrer=referrer)
    if referrer is not None:
        uow.customer_rewards.add_referral(row.id, referrer.id, now)
    return row


def _referrer(uow: UnitOfWork, code: str | None, phone: str) -> CustomerRow | None:
    if not code:
        return None
    referrer = uow.customers.by_referral_code(normalise_code(code))
    if referrer is None or referrer.status != "active":
        raise CustomerInvalid("referral_unknown", "no customer has this referral code")
    if referrer.phone == phone:  # cannot happen through sign-up (one phone, one customer)
        raise CustomerInvalid("self_referral", "a customer cannot refer themselves")
    return referrer


def get(uow: UnitOfWork, customer_id: str) -> CustomerRow:
    row = uow.customers.get(customer_id)
    if row is None:
        raise CustomerNotFound(customer_id)
    return row


def current(uow: UnitOfWork, customer_id: str) -> CustomerRow:
    """The record a customer id stands for now: a merged record leads to the one it joined."""
    row = get(uow, customer_id)
    for _ in range(16):  # merges chain rarely; bounded in any case
        if row.status != "merged" or row.merged_into is None:
            return row
        row = get(uow, row.merged_into)
    return row


def find_by_phone(uow: UnitOfWork, phone: str, cfg: CustomerSettings) -> CustomerRow | None:
    found = uow.customers.by_phone(clean_phone(phone, cfg))
    return found if found is not None and found.status == "active" else None


def link_instrument(
    uow: UnitOfWork, customer_id: str, instrument_id: str, now: int, by: str | None,
    *, referrer: CustomerRow | None = None,
) -> None:
    """Give a card (or any instrument) to a customer. A card already someone's is refused;
    one already theirs is fine (a retried request). A referral with the referrer's own card
    is self-referral."""
    owner = uow.customers.owner_of(instrument_id)
    if owner == customer_id:
        return
    if owner is not None:
        reason = "self_referral" if referrer is not None and owner == referrer.id else ""
        if reason:
            raise CustomerInvalid(reason, "this card belongs to the referrer")
        raise CustomerConflict("instrument_taken", "this card belongs to another customer", owner)
    if not uow.customers.link(instrument_id, customer_id, now, by):
        raise CustomerConflict("instrument_taken", "this card belongs to another customer")
    uow.customers.event(customer_id, "linked", {"instrument": instrument_id}, by, now)


EDITABLE = ("name", "phone", "email", "birth_day", "birth_month", "birth_year", "gender", "lang",
            "home_store", "tz")  # fmt: skip


def update(
    uow: UnitOfWork, customer_id: str, changes: dict[str, Any], cfg: CustomerSettings,
    now: int, by: str | None,
) -> CustomerRow:
    """Change the fields of `changes` (a subset of EDITABLE), each checked like at sign-up."""
    row = get(uow, customer_id)
    if row.status != "active":
        raise CustomerConflict("not_active", f"customer {customer_id} is {row.status}")
    unknown = set(changes) - set(EDITABLE)
    assert not unknown, f"not editable: {unknown}"
    values = dict(changes)
    if "name" in values:
        values["name"] = clean_name(values["name"])
    if "phone" in values:
        values["phone"] = clean_phone(values["phone"], cfg)
    if "email" in values:
        values["email"] = clean_email(values["email"])
    merged = replace(row, **values)
    check_birthday(merged.birth_day, merged.birth_month, merged.birth_year, now, cfg,
                   required=False)  # fmt: skip
    check_choices(merged.lang, merged.gender, merged.tz)
    store = values.get("home_store")
    if store is not None and not uow.terminals.store_exists(store):
        raise CustomerInvalid("store_unknown", f"no store {store}")
    if not uow.customers.update(customer_id, {**values, "updated_at": now}):
        raise CustomerConflict("phone_taken", "this phone number already has a customer")
    uow.customers.event(customer_id, "updated", {"fields": sorted(values)}, by, now)
    return get(uow, customer_id)


def set_consent(
    uow: UnitOfWork, customer_id: str, consent: bool, via: str, now: int, by: str | None
) -> CustomerRow:
    """Give or withdraw marketing consent; when and how is kept, and the trail says both."""
    row = get(uow, customer_id)
    if row.status != "active":
        raise CustomerConflict("not_active", f"customer {customer_id} is {row.status}")
    via = via[:32]
    uow.customers.update(customer_id, {"consent": consent, "consent_at": now,
                                       "consent_via": via, "updated_at": now})  # fmt: skip
    uow.customers.event(customer_id, "consent", {"given": consent, "via": via}, by, now)
    if not consent:
        uow.messages.skip_pending_of(customer_id, "consent withdrawn")
    return get(uow, customer_id)


def view(
    uow: UnitOfWork, row: CustomerRow, cfg: CustomerSettings, *, full_phone: bool
) -> dict[str, Any]:
    """The record as people see it: the phone masked unless `full_phone`."""
    phone = None
    if row.phone is not None:
        phone = phones.display(row.phone, cfg.region) if full_phone else phones.mask(
            row.phone, cfg.region)
    return {
        "id": row.id, "name": row.name, "phone": phone, "phone_masked": not full_phone,
        "email": row.email if full_phone else (_mask_email(row.email) if row.email else None),
        "birthday": {"day": row.birth_day, "month": row.birth_month, "year": row.birth_year},
        "gender": row.gender, "lang": row.lang, "tz": row.tz, "home_store": row.home_store,
        "referral_code": row.referral_code, "referred_by": row.referred_by,
        "status": row.status, "merged_into": row.merged_into,
        "consent": {"given": row.consent, "at": row.consent_at, "via": row.consent_via},
        "created_at": row.created_at, "created_via": row.created_via,
        "instruments": [
            {"id": i.id, "kind": i.kind, "unit": i.unit, "balance": i.balance,
             "status": i.status, "program": i.program_id, "linked_at": i.linked_at}
            for i in uow.customers.instruments_of(row.id)
        ],
    }  # fmt: skip


def _mask_email(email: str) -> str:
    local, _, domain = email.partition("@")
    return local[:1] + "***@" + domain
