"""Calendar in: the events of an iCalendar file, each with its people, as ``calendar import`` logs them.

``read()`` parses the file with icalendar (a file it cannot parse at all is refused in one
line); ``scan()`` yields every event as an ``Event`` or, when one cannot be read, an
``Unreadable`` with the reason, and never stops at a broken one. A repeating event
(``RRULE``, with its ``RDATE``s and less its ``EXDATE``s) is one event per occurrence up to
``now`` and the next one after it; an occurrence changed on its own (a ``VEVENT`` with the
same ``UID`` and a ``RECURRENCE-ID``) replaces the one it moves. Each event's key is its
``UID`` and the instant of its occurrence (its ``RECURRENCE-ID``), so a re-import finds it.

Nothing here prints, reads the clock or touches the store.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import date, datetime, time, timezone
from pathlib import Path
from typing import Any, NamedTuple

from minicrm.errors import UsageError
from minicrm.interchange.mail import Unreadable, excerpt, trim_reply

MAX_OCCURRENCES = 20_000  # of one repeating event: a daily meeting for 50 years


class Event(NamedTuple):
    """One event (or one occurrence of a repeating event)."""

    key: str  # UID, and the occurrence's instant when it repeats or was moved on its own
    at: datetime  # its start, aware; an all-day event starts at local midnight
    all_day: bool
    people: tuple[tuple[str, str], ...]  # (name, address lowercased) of the organiser and attendees
    subject: str  # its SUMMARY
    excerpt: str  # the first part of DESCRIPTION
    cancelled: bool


def read(path: str) -> list[Any]:
    """The calendars of an iCalendar file; one line (a ``UsageError``) when it is not one."""
    try:
        data = Path(path).expanduser().read_bytes()
    except OSError as error:
        raise UsageError(f"cannot read {path}: {error.strerror}", "Check the path") from None
    from icalendar import Calendar

    try:
        calendars = Calendar.from_ical(data, multiple=True)
    except Exception as error:  # noqa: BLE001  (icalendar raises ValueError, KeyError, IndexError...)
        raise UsageError(f"{path} is not an iCalendar file ({_reason(error)})",
                         "Export the calendar as .ics (iCalendar) and import that file") from None  # fmt: skip
    if not calendars:
        raise UsageError(f"{path} holds no calendar", "Export the calendar as .ics (iCalendar)")
    return list(calendars)


def _reason(error: Exception) -> str:
    text = " ".join(str(error).split())[:120]
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def scan(calendars: list[Any], now: datetime, name: str) -> Iterator[tuple[str, Event | Unreadable]]:
    """Every event of the calendars: (where it is, the event or why it cannot be read)."""
    vevents = [c for calendar in calendars for c in calendar.walk("VEVENT")]
    moved: dict[str, set[datetime]] = {}  # UID -> the occurrences changed on their own
    for vevent in vevents:
        try:
            if vevent.get("RECURRENCE-ID") is not None:
                moved.setdefault(str(vevent.get("UID", "")), set()).add(_instant(vevent.decoded("RECURRENCE-ID")))
        except Exception:  # noqa: BLE001,S112  (reported when the event itself is read)
            continue
    for number, vevent in enumerate(vevents, start=1):
        where = f"{name} event {number}"
        try:
            yield from _occurrences(vevent, now, where, moved)
        except Exception as error:  # noqa: BLE001  (one broken event is one event lost, counted)
            yield where, Unreadable(f"cannot read it ({_reason(error)})")


def _occurrences(vevent: Any, now: datetime, where: str,
                 moved: dict[str, set[datetime]]) -> Iterator[tuple[str, Event | Unreadable]]:  # fmt: skip
    if vevent.get("DTSTART") is None:
        yield where, Unreadable("no start (DTSTART)")
        return
    try:
        start_value = vevent.decoded("DTSTART")
    except Exception:  # noqa: BLE001
        start_value = None
    if not isinstance(start_value, date):
        yield where, Unreadable("its start (DTSTART) is not a date or time")
        return
    all_day = not isinstance(start_value, datetime)
    start = _instant(start_value)
    uid = " ".join(str(vevent.get("UID", "")).split())
    people = tuple(_people(vevent))
    summary = " ".join(str(vevent.get("SUMMARY", "")).split())
    text = excerpt(trim_reply(str(vevent.get("DESCRIPTION", ""))))
    cancelled = str(vevent.get("STATUS", "")).strip().upper() == "CANCELLED"
    if not uid:
        identity = f"{start.isoformat()}\n{summary}\n{vevent.get('ORGANIZER', '')}"
        uid = "sha256:" + hashlib.sha256(identity.encode("utf-8", "surrogateescape")).hexdigest()
    event = Event(uid, start, all_day, people, summary, text, cancelled)
    if vevent.get("RECURRENCE-ID") is not None:
        yield where, event._replace(key=f"{uid}\n{_key_time(_instant(vevent.decoded('RECURRENCE-ID')))}")
        return
    if vevent.get("RRULE") is None and vevent.get("RDATE") is None:
        yield where, event
        return
    skip = moved.get(uid, set())
    try:
        rules = _rules(vevent, start_value)
    except Exception as error:  # noqa: BLE001  (dateutil and icalendar raise ValueError, TypeError...)
        yield where, Unreadable(f"its repeat rule (RRULE, RDATE, EXDATE) cannot be read ({_reason(error)})")
        return
    for occurrence in _repeats(rules, all_day, now):
        at = _instant(occurrence)
        if at in skip:
            continue
        yield f"{where} on {at.date().isoformat()}", event._replace(key=f"{uid}\n{_key_time(at)}", at=at)


def _rules(vevent: Any, start_value: date | datetime) -> Any:
    """The dateutil ``rruleset`` of a repeating event: its RRULEs and RDATEs, less its EXDATEs."""
    from dateutil.rrule import rrulestr, rruleset

    all_day = not isinstance(start_value, datetime)
    first = datetime.combine(start_value, time(0)) if all_day else start_value
    rules = rruleset()
    recurs = vevent.get("RRULE")
    for rule in recurs if isinstance(recurs, list) else [recurs] if recurs is not None else []:
        text = rule.to_ical().decode()
        if first.tzinfo is None and "UNTIL=" in text:  # a floating or all-day start with an UNTIL in UTC
            text = ";".join(p.rstrip("Z") if p.startswith("UNTIL=") else p for p in text.split(";"))
        rules.rrule(rrulestr(text, dtstart=first))
    for field, add in (("RDATE", rules.rdate), ("EXDATE", rules.exdate)):
        values = vevent.get(field)
        for value in values if isinstance(values, list) else [values] if values is not None else []:
            for item in value.dts:
                moment = item.dt if isinstance(item.dt, datetime) else datetime.combine(item.dt, time(0))
                if (moment.tzinfo is None) != (first.tzinfo is None):
                    moment = moment.replace(tzinfo=first.tzinfo) if first.tzinfo else moment.astimezone(
                        timezone.utc).replace(tzinfo=None)  # fmt: skip
                add(moment)
    rules.rdate(first)
    return rules


def _repeats(rules: Any, all_day: bool, now: datetime) -> Iterator[date | datetime]:
    """The occurrences of a repeating event up to ``now``, and the next one."""
    for count, occurrence in enumerate(rules, start=1):
        yield occurrence.date() if all_day else occurrence
        if _instant(occurrence.date() if all_day else occurrence) > now or count >= MAX_OCCURRENCES:
            return


def _instant(value: date | datetime) -> datetime:
    """A DTSTART or RECURRENCE-ID as an aware instant: a floating time is local, a day starts at local midnight."""
    if not isinstance(value, datetime):
        return datetime.combine(value, time(0)).astimezone()
    return value.astimezone() if value.tzinfo is None else value


def _key_time(at: datetime) -> str:
    return at.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def _people(vevent: Any) -> Iterator[tuple[str, str]]:
    attendees = vevent.get("ATTENDEE")
    values = [vevent.get("ORGANIZER")] + (attendees if isinstance(attendees, list) else [attendees])
    for value in values:
        if value is None:
            continue
        address = str(value).strip()
        if address.lower().startswith("mailto:"):
            address = address[7:]
        address = address.strip().lower()
        if "@" in address and " " not in address:
            name = getattr(value, "params", {}).get("CN", "")
            yield " ".join(str(name).split()), address
