"""The digest: the morning list as one message, and its delivery once per day and channel.

``build`` takes the items from ``agenda.due_items`` (the list ``minicrm due`` shows, for a
day or a week); ``render.digest`` writes it as text, Markdown, HTML or JSON; ``send`` hands
it to each channel in turn through a ``deliver`` function the caller passes in (the
channels themselves are in ``minicrm.delivery``), skips a channel that already had this
day's digest unless ``again``, records each delivery, and goes on past a failing channel.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from typing import NamedTuple

from minicrm.errors import MiniCrmError, UsageError
from minicrm.models import DigestSent, DueItem
from minicrm.store import Store

FORMATS = ("text", "markdown", "html", "json")
CHANNELS = ("notify", "mail", "command:PROG")


class Digest(NamedTuple):
    """One digest: the items due on ``day`` (overdue ones included), or through ``last`` for a week."""

    day: date
    last: date
    span: str  # day | week
    items: list[DueItem]

    def counts(self) -> dict[str, int]:
        states = [item.state for item in self.items]
        return {"overdue": states.count("overdue"), "today": states.count("today"),
                "upcoming": states.count("upcoming"), "total": len(states)}  # fmt: skip


class Outcome(NamedTuple):
    """What happened on one channel: sent, skipped (already sent that day) or failed."""

    channel: str
    status: str  # sent | skipped | failed
    error: MiniCrmError | None = None


def build(store: Store, now: datetime, day: date | None = None, week: bool = False) -> Digest:
    """The digest of ``day`` (default: today): what ``minicrm due`` (``--week``) lists that day."""
    from minicrm.services import agenda

    day = day or now.date()
    at = now if day == now.date() else datetime.combine(day, now.timetz()).astimezone()
    items = agenda.due_items(store, at, week=week)
    return Digest(day, day + timedelta(days=7) if week else day, "week" if week else "day", items)


def check_format(text: str) -> str:
    fmt = str(text).strip().lower()
    if fmt == "md":
        fmt = "markdown"
    if fmt not in FORMATS:
        raise UsageError(f"{text!r} is not a digest format", f"Use one of: {', '.join(FORMATS)}")
    return fmt


def check_channel(text: str) -> str:
    """A channel as typed: ``notify``, ``mail`` or ``command:PROG``."""
    channel = str(text).strip()
    kind, sep, prog = channel.partition(":")
    if kind.lower() in ("notify", "mail") and not sep:
        return kind.lower()
    if kind.lower() == "command" and sep and prog.strip():
        return f"command:{prog.strip()}"
    raise UsageError(f"{text!r} is not a channel",
                     "Use notify, mail or command:PROG, e.g. --send 'command:curl -sd @- ntfy.sh/topic'")  # fmt: skip


def send(store: Store, now: datetime, digest: Digest, channels: Sequence[str], fmt: str,
         deliver: Callable[[str], None], again: bool = False) -> list[Outcome]:  # fmt: skip
    """Deliver ``digest`` through each channel once: a channel that already had this day's digest
    is skipped unless ``again``; each delivery is recorded as it succeeds; a failing channel
    does not stop the others."""
    outcomes = []
    for channel in dict.fromkeys(check_channel(c) for c in channels):
        if not again and store.digests.sent(digest.day, digest.span, channel):
            outcomes.append(Outcome(channel, "skipped"))
            continue
        try:
            deliver(channel)
        except MiniCrmError as error:
            outcomes.append(Outcome(channel, "failed", error))
            continue
        with store.write():
            store.digests.record(DigestSent(now, digest.day, digest.span, channel, len(digest.items), fmt))
        outcomes.append(Outcome(channel, "sent"))
    return outcomes


def log(store: Store, limit: int | None = None) -> list[DigestSent]:
    """What was sent, newest first."""
    return store.digests.log(limit)
