"""Reminders: setting, completing (a recurring one rolls to its next date) and snoozing.

The morning list that shows them is ``agenda``. Nothing here prints, reads the
clock or the environment.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time

from minicrm import dates
from minicrm.errors import Conflict, InvalidValue, NotFound
from minicrm.models import Contact, Reminder
from minicrm.services.values import MAX_ID, choose, clean_line, unique
from minicrm.store import Store


STATUSES = ("open", "done")


def validate(now: datetime, text: str | None, on: str | date, *, due_time: time | None = None,
             every: str | None = None, status: str = "open") -> dict:  # fmt: skip
    """A reminder's values checked and normalised: the rules ``remind`` and ``import`` share.

    ``on`` is a WHEN phrase as typed (``tomorrow 9am``: read as a future day,
    its time the due time), or a day as a file holds it, with ``due_time``.
    ``every`` is a RULE (``weekly``); ``status`` is open, or done for an imported one.
    """
    clean_text = clean_line(text, "reminder text", limit=1000)
    if isinstance(on, date):
        due_on = on
    else:
        when = dates.parse_when(on, now, prefer="future")
        due_on, due_time = when.day, when.time
    rule = str(dates.parse_rule(every)) if every else None
    return dict(text=clean_text, due_on=due_on, due_time=due_time, rule=rule,
                status=choose(status, STATUSES, "reminder status"))  # fmt: skip


def add(store: Store, now: datetime, contact: Contact, text: str, on: str,
        every: str | None = None) -> Reminder:  # fmt: skip
    values = validate(now, text, on, every=every)
    with store.write():
        reminder_id = store.reminders.add(
            contact_id=contact.id, text=values["text"], due_on=values["due_on"], due_time=values["due_time"],
            rule=values["rule"], created=now,
        )
    return store.reminders.get_many([reminder_id], today=now.date())[reminder_id]


def _found(store: Store, ids: Iterable[int]) -> list[Reminder]:
    wanted = unique(ids)
    found = store.reminders.get_many([i for i in wanted if 0 <= i <= MAX_ID])
    missing = [i for i in wanted if i not in found]
    if missing:
        raise NotFound(f"there is no reminder with id {missing[0]}", "Try: minicrm due --week")
    return [found[i] for i in wanted]


def complete(store: Store, now: datetime, ids: Iterable[int]) -> list[Reminder]:
    """Mark reminders done; a recurring one rolls forward to its next date instead."""
    today = now.date()
    reminders = _found(store, ids)
    with store.write():
        for reminder in reminders:
            if reminder.status == "done":
                raise Conflict(f"reminder {reminder.id} is already done", "See: minicrm due")
            anchor, scheduled = store.reminders.schedule(reminder.id)
            store.reminders.add_completion(reminder.id, scheduled, now)
            if reminder.rule:
                following = dates.next_occurrence(anchor, dates.parse_rule(reminder.rule), max(scheduled, today))
                store.reminders.update(reminder.id, now, due_on=following, scheduled_on=following, snoozed=False)
            else:
                store.reminders.update(reminder.id, now, status="done", done_at=now)
    updated = store.reminders.get_many([r.id for r in reminders], today=today)
    return [updated[r.id] for r in reminders]


def snooze(store: Store, now: datetime, reminder_id: int, until: str) -> Reminder:
    """Postpone a reminder; its recurrence still counts from the original date."""
    (reminder,) = _found(store, [reminder_id])
    if reminder.status == "done":
        raise Conflict(f"reminder {reminder.id} is already done", "Only open reminders can be snoozed")
    when = dates.parse_when(until, now, prefer="future")
    if when.day < now.date() or (when.time and when.start() <= now):
        raise InvalidValue(f"{until!r} is in the past", "Snooze to a later time, e.g. --until tomorrow")
    with store.write():
        store.reminders.update(
            reminder.id, now, due_on=when.day, due_time=when.time or reminder.due_time, snoozed=True
        )
    return store.reminders.get_many([reminder.id], today=now.date())[reminder.id]
