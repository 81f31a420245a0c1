"""Reminders: setting, completing (a recurring one rolls to its next date), snoozing, editing, cancelling.

The morning list that shows them is ``agenda``. Nothing here prints, reads the
clock or the environment.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time

from minicrm import dates, recurrence
from minicrm.errors import Conflict, InvalidValue, NotFound
from minicrm.models import Contact, Reminder
from minicrm.services.values import MAX_ID, choose, clean_line, unique
from minicrm.store import Store


STATUSES = ("open", "done", "cancelled")


def validate(now: datetime, text: str | None, on: str | date, *, due_time: time | None = None,
             every: str | None = None, status: str = "open", date_order: str | None = None) -> dict:  # fmt: skip
    """A reminder's values checked and normalised: the rules ``remind`` and ``import`` share.

    ``on`` is a WHEN phrase as typed (``tomorrow 9am``: read as a future day,
    its time the due time), or a day as a file holds it, with ``due_time``.
    ``every`` is a RULE (``weekly``); ``status`` is open, or done for an imported one.
    ``date_order`` reads a slashed date (``slashed.slashed``).
    """
    clean_text = clean_line(text, "reminder text", limit=1000)
    if isinstance(on, date):
        due_on = on
    else:
        when = dates.parse_when(on, now, prefer="future", order=date_order)
        due_on, due_time = when.day, when.time
    rule = str(recurrence.parse_rule(every)) if every else None
    return dict(text=clean_text, due_on=due_on, due_time=due_time, rule=rule,
                status=choose(status, STATUSES, "reminder status"))  # fmt: skip


def add(store: Store, now: datetime, contact: Contact, text: str, on: str,
        every: str | None = None, date_order: str | None = None) -> Reminder:  # fmt: skip
    values = validate(now, text, on, every=every, date_order=date_order)
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
    with store.write():
        reminders = _found(store, ids)  # read inside the write: no lost update
        for reminder in reminders:
            if reminder.status != "open":
                raise Conflict(f"reminder {reminder.id} is already {reminder.status}", "See: minicrm due")
            anchor, scheduled = store.reminders.schedule(reminder.id)
            store.reminders.add_completion(reminder.id, scheduled, now)
            if reminder.rule:
                following = recurrence.next_occurrence(anchor, recurrence.parse_rule(reminder.rule), max(scheduled, today))
                store.reminders.update(reminder.id, now, due_on=following, scheduled_on=following, snoozed=False)
            else:
                store.reminders.update(reminder.id, now, status="done", done_at=now)
    updated = store.reminders.get_many([r.id for r in reminders], today=today)
    return [updated[r.id] for r in reminders]


def snooze(store: Store, now: datetime, reminder_id: int, until: str, date_order: str | None = None) -> Reminder:
    """Postpone a reminder; its recurrence still counts from the original date."""
    when = dates.parse_when(until, now, prefer="future", order=date_order)
    if when.day < now.date() or (when.time and when.start() <= now):
        raise InvalidValue(f"{until!r} is in the past", "Snooze to a later time, e.g. --until tomorrow")
    with store.write():
        (reminder,) = _found(store, [reminder_id])
        if reminder.status != "open":
            raise Conflict(f"reminder {reminder.id} is already {reminder.status}", "Only open reminders can be snoozed")
        store.reminders.update(
            reminder.id, now, due_on=when.day, due_time=when.time or reminder.due_time, snoozed=True
        )
    return store.reminders.get_many([reminder.id], today=now.date())[reminder.id]


def edit(store: Store, now: datetime, reminder_id: int, *, text: str | None = None, on: str | None = None,
         every: str | None = None, no_repeat: bool = False, date_order: str | None = None) -> Reminder:  # fmt: skip
    """Change an open reminder's text, date or rule. A new date restarts its rhythm from that date;
    ``no_repeat`` makes a recurring reminder one-off (done once its current date is done)."""
    if every is not None and no_repeat:
        raise InvalidValue("--every and --no-repeat contradict each other", "Give one of them")
    if text is None and on is None and every is None and not no_repeat:
        raise InvalidValue("nothing to change", "Give --text, --on, --every or --no-repeat")
    clean_text = clean_line(text, "reminder text", limit=1000) if text is not None else None
    when = dates.parse_when(on, now, prefer="future", order=date_order) if on is not None else None
    rule = str(recurrence.parse_rule(every)) if every is not None else None
    with store.write():
        (reminder,) = _found(store, [reminder_id])
        if reminder.status != "open":
            raise Conflict(f"reminder {reminder.id} is {reminder.status}",
                           f"Set a new one: minicrm remind {reminder.contact_id} TEXT --on WHEN")  # fmt: skip
        changes: dict = {}
        if clean_text is not None:
            changes["text"] = clean_text
        if when is not None:
            changes.update(due_on=when.day, due_time=when.time, anchor_on=when.day, scheduled_on=when.day,
                           snoozed=False)  # fmt: skip
        if rule is not None:
            changes["rule"] = rule
            if when is None:  # a new rhythm counts from the occurrence it stands at
                anchor, scheduled = store.reminders.schedule(reminder.id)
                changes["anchor_on"] = scheduled
        if no_repeat:
            changes["rule"] = None
        store.reminders.update(reminder.id, now, **changes)
    return store.reminders.get_many([reminder.id], today=now.date())[reminder.id]


def cancel(store: Store, now: datetime, ids: Iterable[int]) -> list[Reminder]:
    """Cancel open reminders, all in one change: they leave ``due`` and keep their history."""
    with store.write():
        reminders = _found(store, ids)
        for reminder in reminders:
            if reminder.status != "open":
                raise Conflict(f"reminder {reminder.id} is already {reminder.status}", "See: minicrm show "
                               f"{reminder.contact_id}")  # fmt: skip
            store.reminders.cancel(reminder.id, now)
    updated = store.reminders.get_many([r.id for r in reminders], today=now.date())
    return [updated[r.id] for r in reminders]


def complete_ids(store: Store, typed: str, limit: int = 50) -> list[tuple[str, str]]:
    """(id, "text — contact, due day") of open reminders whose id begins with ``typed``, soonest first,
    for shell completion."""
    typed = str(typed).strip()
    if not typed.isdigit() and typed:
        return []
    return [(str(number), f"{text} — {name}, {day:%a %d %b}")
            for number, text, name, day in store.reminders.open_ids_starting(typed, limit)]  # fmt: skip
