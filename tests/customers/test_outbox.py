"""The outbox: messages rendered in the customer's language, sent once through a real SMTP
server (aiosmtpd on a loopback port), retried with backoff, never to those without consent."""

from __future__ import annotations

import email
from collections.abc import Iterator
from email.message import Message
from email.policy import default
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope, Session

from cardsvc.customers import messaging, outbox
from cardsvc.customers.senders import FileSender, Outgoing, SendOutcome, SmtpSender
from tests.customers.helpers import sign_up
from tests.ledger.world import World, expect
from tests.support import free_port


class Inbox:
    """What the SMTP server received; `refuse` answers the next RCPTs with a code."""

    def __init__(self) -> None:
        self.mail: list[Message] = []
        self.refuse: list[str] = []

    async def handle_RCPT(self, server: Any, session: Session, envelope: Envelope,
                          address: str, options: list[str]) -> str:  # fmt: skip
        if self.refuse:
            return self.refuse.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        assert isinstance(envelope.content, bytes)
        self.mail.append(email.message_from_bytes(envelope.content, policy=default))
        return "250 Message accepted"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), free_port()
    server = Controller(inbox, hostname="127.0.0.1", port=port)
    server.start()
    try:
        yield inbox, port
    finally:
        server.stop()


def smtp_sender(world: World, port: int) -> SmtpSender:
    cfg = world.ledger.customers.settings.model_copy(update={
        "smtp_port": port, "smtp_from": "cham-soc@cuahang.example", "outbox_backoff_s": 60})
    world.ledger.customers.settings = cfg
    return SmtpSender(cfg)


def test_smtp_round_trip_in_both_languages(world: World, smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    c = world.ledger.customers
    lan = sign_up(world, "0909421800", email="lan@example.com", consent=True)
    tom = sign_up(world, "0912345678", name="Tom", email="tom@example.com", consent=True,
                  lang="en")
    quiet = sign_up(world, "0987654321", email="q@example.com", consent=False)
    assert messaging.enqueue(c, "referral_reward", lan["id"], "k1", points=1200)
    assert not messaging.enqueue(c, "referral_reward", lan["id"], "k1", points=1200)  # once
    assert messaging.enqueue(c, "referral_reward", tom["id"], "k1", points=1200)
    assert not messaging.enqueue(c, "referral_reward", quiet["id"], "k1", points=1200)
    sender = smtp_sender(world, port)
    report = outbox.run(c, sender)
    assert report.sent == 2 and outbox.run(c, sender).sent == 0
    got = {m["To"]: m for m in inbox.mail}
    assert set(got) == {"lan@example.com", "tom@example.com"}
    vi, en = got["lan@example.com"], got["tom@example.com"]
    assert "1.200 điểm" in vi["Subject"] and "1.200 điểm" in vi.get_content()
    assert "1,200 points" in en["Subject"] and "refer-a-friend" in en.get_content()
    assert vi["Message-ID"] == f"<referral_reward-{lan['id']}-k1@cuahang.example>"
    assert vi["From"] == "cham-soc@cuahang.example"


def test_retry_with_backoff_then_failure(world: World, smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    c = world.ledger.customers
    lan = sign_up(world, "0909421800", email="lan@example.com", consent=True)
    messaging.enqueue(c, "feedback_thanks", lan["id"], "r1", points=20)
    sender = smtp_sender(world, port)
    inbox.refuse = ["451 try again later"]
    assert outbox.run(c, sender).retried == 1
    assert outbox.run(c, sender).sent == 0  # not due yet: backoff
    world.clock.advance(60)
    assert outbox.run(c, sender).sent == 1 and len(inbox.mail) == 1
    messaging.enqueue(c, "feedback_thanks", lan["id"], "r2", points=20)
    inbox.refuse = ["550 no such user"]
    assert outbox.run(c, sender).failed == 1  # permanent: not retried
    with world.ledger.db.read() as uow:
        m = uow.messages.get(f"feedback_thanks:{lan['id']}:r2")
        assert m is not None and m.status == "failed" and "550" in (m.last_error or "")


def test_unreachable_server_retries_until_the_last_attempt(world: World) -> None:
    c = world.ledger.customers
    lan = sign_up(world, "0909421800", email="lan@example.com", consent=True)
    messaging.enqueue(c, "tier_change", lan["id"], "t1", tier="Gold")
    sender = smtp_sender(world, free_port())  # nobody listens there
    c.settings = c.settings.model_copy(update={"outbox_max_attempts": 3})
    waits = []
    for _ in range(3):
        report = outbox.run(c, sender)
        with world.ledger.db.read() as uow:
            m = uow.messages.get(f"tier_change:{lan['id']}:t1")
        assert m is not None
        waits.append(m.next_at - world.clock())
        world.clock.advance(10_000)
    assert report.failed == 1 and m.status == "failed" and m.attempts == 3
    assert waits[:2] == [60, 120]  # 1x, 2x the base


def test_withdrawn_consent_stops_queued_messages(world: World) -> None:
    c = world.ledger.customers
    lan = sign_up(world, "0909421800", email="lan@example.com", consent=True)
    messaging.enqueue(c, "tier_change", lan["id"], "t1", tier="Gold")
    expect(world.post(f"/v1/customers/{lan['id']}/consent", {"given": False}))
    sent: list[Outgoing] = []

    class Recorder:
        channels = frozenset({"email", "sms"})

        def send(self, message: Outgoing) -> SendOutcome:
            sent.append(message)
            return SendOutcome("sent")

    assert outbox.run(c, Recorder()).sent == 0 and sent == []


def test_file_sender_writes_one_message_per_key(world: World, tmp_path: Path) -> None:
    c = world.ledger.customers
    lan = sign_up(world, "0909421800", consent=True)  # no e-mail: a short message to the phone
    messaging.enqueue(c, "points_expiring", lan["id"], "p1", points=300, date="31/03/2027")
    report = outbox.run(c, FileSender(tmp_path, "demo@example.invalid"))
    assert report.sent == 1
    [written] = list(tmp_path.glob("*.eml"))
    mail = email.message_from_bytes(written.read_bytes(), policy=default)
    assert mail["To"] == "+84909421800" and "31/03/2027" in mail.get_content()
