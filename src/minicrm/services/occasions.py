"""Occasions: birthdays and anniversaries, every year, with a lead time to prepare.

Each occasion keeps its next date (``next_on``) and the day to start reminding
(``notify_on``); ``agenda`` lists those inside their lead time, with last year's
order around the same day.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from minicrm import recurrence
from minicrm.errors import InvalidValue, NotFound
from minicrm.models import Contact, Occasion
from minicrm.recurrence import next_yearly
from minicrm.services.cadence import parse as parse_period
from minicrm.services.values import clean_line
from minicrm.store import Store

MAX_LEAD = 90
LAST_YEAR_BEFORE = 30  # days before last year's occasion in which an order counts as "for" it
LAST_YEAR_AFTER = 7


def next_occurrence(stored: str, today: date) -> date:
    """The occasion's next date on or after ``today`` (29 Feb falls on 28 Feb in other years)."""
    return next_yearly(stored, today)


def current(occasion: Occasion, today: date) -> Occasion:
    """The occasion as seen ``today``: a passed one already at its next date (the stored dates
    roll forward on the next write, see ``store.occasions``; a read never writes)."""
    if occasion.next_on >= today:
        return occasion
    next_on = next_yearly(occasion.date, today)
    return occasion._replace(next_on=next_on, notify_on=next_on - timedelta(days=occasion.lead_days))


def add(store: Store, now: datetime, contact: Contact, when: str, *, label: str = "birthday",
        lead: str = "14d", note: str | None = None, date_order: str | None = None) -> Occasion:  # fmt: skip
    """A yearly occasion; ``when`` is a date with or without a year, or ``birthday`` for the contact's."""
    if str(when).strip().lower() == "birthday":
        if not contact.birthday:
            raise InvalidValue(f"{contact.name} has no birthday on file", f"Add one: minicrm edit {contact.id} --birthday 05-17")
        stored = contact.birthday
    else:
        stored = recurrence.parse_birthday(when, order=date_order)
    lead_days = parse_period(lead) if str(lead).strip() not in ("0", "0d") else 0
    if lead_days is None or lead_days > MAX_LEAD:
        raise InvalidValue(f"the lead time {lead!r} is not between 0 and {MAX_LEAD} days", "E.g. --lead 14d")
    clean_label = clean_line(label, "label", limit=50)
    next_on = next_occurrence(stored, now.date())
    with store.write():
        occasion_id = store.occasions.add(contact_id=contact.id, label=clean_label, day=stored, lead_days=lead_days,
                                            note=clean_line(note, "note", required=False) if note else None,
                                            next_on=next_on, notify_on=next_on - timedelta(days=lead_days),
                                            created=now)  # fmt: skip
    return store.occasions.get(occasion_id)


def find(store: Store, today: date) -> list[Occasion]:
    """Every occasion as seen ``today``, by next date."""
    return sorted((current(o, today) for o in store.occasions.list()), key=lambda o: (o.next_on, o.id))


def delete(store: Store, occasion_id: int) -> None:
    """Delete an occasion, with its snoozed or cleared item of the morning list (one change)."""
    with store.write():
        if not store.occasions.delete(occasion_id):
            raise NotFound(f"there is no occasion with id {occasion_id}", "See: minicrm occasion list")
        store.agenda.release(f"occasion:{occasion_id}")
