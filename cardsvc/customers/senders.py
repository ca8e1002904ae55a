"""Senders of the outbox's messages: one contract, several channels.

A sender is given one message and answers what happened: sent, a temporary failure (retried
with backoff) or a permanent one (the address is refused: retrying cannot help). Each message
carries its outbox key as its Message-ID, so a receiving system can drop the duplicate of a
message whose sending was interrupted after delivery and before the outbox heard of it.

- SmtpSender: e-mail through an SMTP server (smtplib, optional STARTTLS and login).
- FileSender: writes each message as an .eml file (demos, and a record of what was sent).
- ShortMessageSender: the SMS / Zalo interface a provider's client implements; same contract.
"""

from __future__ import annotations

import re
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Literal, Protocol

from cardsvc.customers.settings import CustomerSettings


@dataclass(frozen=True)
class Outgoing:
    key: str  # the outbox key: what the message is for, unique
    channel: str  # email, sms, zalo
    address: str  # e-mail address or E.164 phone number
    lang: str
    subject: str
    body: str


@dataclass(frozen=True)
class SendOutcome:
    status: Literal["sent", "retry", "refused"]
    detail: str = ""


class Sender(Protocol):
    channels: frozenset[str]

    def send(self, message: Outgoing) -> SendOutcome: ...


def message_id(key: str, domain: str) -> str:
    """A stable Message-ID from the outbox key (RFC 5322 dot-atom characters only)."""
    safe = re.sub(r"[^A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]", "-", key)
    return f"<{safe}@{domain}>"


def email_of(message: Outgoing, sender: str) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = message.address
    mail["Subject"] = message.subject
    mail["Date"] = formatdate(localtime=False)
    domain = sender.rpartition("@")[2] or "localhost"
    mail["Message-ID"] = message_id(message.key, domain) if message.key else make_msgid()
    mail["Content-Language"] = message.lang
    mail.set_content(message.body)
    return mail


class SmtpSender:
    channels = frozenset({"email"})

    def __init__(self, cfg: CustomerSettings) -> None:
        self.cfg = cfg

    def send(self, message: Outgoing) -> SendOutcome:
        cfg = self.cfg
        mail = email_of(message, cfg.smtp_from)
        try:
            with smtplib.SMTP(cfg.smtp_host, cfg.smtp_port, timeout=cfg.smtp_timeout_s) as smtp:
                if cfg.smtp_starttls:
                    smtp.starttls()
                if cfg.smtp_user:
                    smtp.login(cfg.smtp_user, cfg.smtp_password.get_secret_value())
                refused = smtp.send_message(mail)
        except smtplib.SMTPRecipientsRefused as exc:
            return _recipient_refused(exc.recipients)
        except smtplib.SMTPResponseException as exc:
            # 5xx is the server's final word; 4xx asks us to try again later.
            status: Literal["refused", "retry"] = "refused" if exc.smtp_code >= 500 else "retry"
            return SendOutcome(status, f"{exc.smtp_code} {exc.smtp_error!r}")
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            return SendOutcome("retry", f"{type(exc).__name__}: {exc}")
        if refused:
            return _recipient_refused(refused)
        return SendOutcome("sent")


def _recipient_refused(answers: dict[str, tuple[int, bytes]]) -> SendOutcome:
    """A 4xx for the recipient (mailbox busy, greylisting) is worth retrying; 5xx is final."""
    final = any(code >= 500 for code, _ in answers.values())
    return SendOutcome("refused" if final else "retry", f"recipient refused: {answers}")


class FileSender:
    """Writes each message to `<dir>/<key>.eml`: what a demo shows, nothing leaves the host."""

    channels = frozenset({"email", "sms", "zalo"})

    def __init__(self, directory: Path, sender: str) -> None:
        self.directory, self.sender = directory, sender

    def send(self, message: Outgoing) -> SendOutcome:
        self.directory.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]", "_", message.key)[:150] + ".eml"
        try:
            (self.directory / name).write_bytes(bytes(email_of(message, self.sender)))
        except OSError as exc:
            return SendOutcome("retry", str(exc))
        return SendOutcome("sent")


class ShortMessageSender(Protocol):
    """SMS and Zalo: a provider's client implements `send` for `channels` {"sms"} or
    {"zalo"} with the same outcomes (refused: the number cannot receive; retry: try later)."""

    channels: frozenset[str]

    def send(self, message: Outgoing) -> SendOutcome: ...


def sender_from_settings(cfg: CustomerSettings) -> Sender | None:
    if cfg.sender == "smtp":
        return SmtpSender(cfg)
    if cfg.sender == "file":
        return FileSender(Path(cfg.file_dir), cfg.smtp_from)
    return None
