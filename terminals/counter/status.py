"""The status bar on every page: is the agent there, can it reach the ledger, which reader,
how much waits to be sent, whose shift it is. Gathered with short timeouts; whatever fails
shows as unknown rather than holding the page up or breaking it."""

from __future__ import annotations

from dataclasses import dataclass, field

from terminals.counter.agent_client import AgentClient, AgentError
from terminals.counter.text import dong, t, when


@dataclass(frozen=True)
class Item:
    label: str
    value: str
    tone: str  # ok, warn, error
    id: str
    detail: str = ""  # the technical reason, shown on hover in English only


@dataclass
class StatusBar:
    items: list[Item] = field(default_factory=list)
    agent_up: bool = False
    ledger_up: bool = False  # the agent's last contact with the ledger succeeded
    shift_by_staff: bool = False  # a shift opened with a staff name (not the agent's default)


def _reader(lang: str, client: AgentClient) -> Item:
    label = t(lang, "st_reader")
    try:
        readers = client.readers()
    except AgentError:
        return Item(label, t(lang, "st_unknown"), "warn", "st-reader")
    name = readers.using or (readers.readers[0].name if readers.readers else None)
    if readers.error:
        # the agent's reason is for technicians, in English: staff read what to do
        detail = readers.error if lang == "en" else ""
        return Item(label, t(lang, "st_reader_unavailable"), "error", "st-reader", detail)
    if name is None:
        return Item(label, t(lang, "st_reader_none"), "error", "st-reader")
    return Item(label, name, "ok", "st-reader")


def _queue(lang: str, client: AgentClient) -> Item:
    label = t(lang, "st_queue")
    try:
        queue = client.queue()
    except AgentError:
        return Item(label, t(lang, "st_unknown"), "warn", "st-queue")
    waiting = queue.ready + queue.on_card
    if queue.unresolved:
        text = f"{waiting} · " + t(lang, "st_queue_unresolved", count=queue.unresolved)
        return Item(label, text, "error", "st-queue")
    return Item(label, str(waiting), "ok" if waiting == 0 else "warn", "st-queue")


def _shift(lang: str, client: AgentClient, utc_offset_h: int) -> tuple[Item, bool]:
    label = t(lang, "st_shift")
    try:
        shift = client.shift()
    except AgentError:
        return Item(label, t(lang, "st_unknown"), "warn", "st-shift"), False
    if shift.staff == "agent":  # opened by the agent at start, nobody's name on it
        return Item(label, t(lang, "st_shift_none"), "warn", "st-shift"), False
    text = t(lang, "st_shift_of", staff=shift.staff, at=when(shift.opened_at, utc_offset_h))
    if shift.offline_spent:
        text += f" · {t(lang, 'shift_offline_spent')}: {dong(shift.offline_spent)}"
    return Item(label, text, "ok", "st-shift"), True


def gather(lang: str, client: AgentClient, utc_offset_h: int) -> StatusBar:
    bar = StatusBar()
    try:
        health = client.health()
    except AgentError as exc:
        # a slow answer is an agent at work (a card exchange holds it), not an agent gone
        busy = exc.code == "agent_timeout"
        value, tone = ("st_agent_busy", "warn") if busy else ("st_agent_down", "error")
        bar.items.append(Item(t(lang, "st_agent"), t(lang, value), tone, "st-agent"))
        return bar
    bar.agent_up = True
    agent = t(lang, "st_agent_ok", terminal=health.terminal)
    bar.items.append(Item(t(lang, "st_agent"), agent, "ok", "st-agent"))
    bar.ledger_up = health.ledger_reachable
    ledger = ("st_online", "ok") if health.ledger_reachable else ("st_offline", "warn")
    bar.items.append(Item(t(lang, "st_ledger"), t(lang, ledger[0]), ledger[1], "st-ledger"))
    bar.items.append(_reader(lang, client))
    bar.items.append(_queue(lang, client))
    shift, bar.shift_by_staff = _shift(lang, client, utc_offset_h)
    bar.items.append(shift)
    return bar
