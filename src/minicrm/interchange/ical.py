"""iCalendar: open reminders (and occasions, open deals' close dates) as calendar events that give
minicrm's own dates (RFC 5545).

A recurring reminder's RRULE is written from its anchor (the day its rule counts from), so that a
calendar expands exactly the dates ``recurrence.occurrence`` gives, in the forms that khal, calcurse,
ical.js (Thunderbird), recurring-ical-events and Home Assistant all read alike:

- a monthly rule from the 31st lands on the last day of every month: ``BYMONTHDAY=-1``;
- a monthly rule from the 29th or 30th lands on that day, or on the last day of a shorter month:
  ``BYMONTHDAY=30`` for the months that have it, and an ``RDATE`` for each shorter month in the
  next ``HORIZON_YEARS`` (``BYSETPOS``, which says it in one rule, is misread by ical.js and calcurse);
- a yearly rule from 29 February lands on 28 February in other years: ``BYMONTH=2;BYMONTHDAY=-1``;
- a snoozed occurrence is an ``EXDATE`` on the series and an event of its own on the day it was
  snoozed to.

icalendar is imported inside ``ics_text``, so nothing else pays for it. Nothing here prints:
the caller writes the text ``ics_text`` returns.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta, timezone
from typing import Any

from minicrm import recurrence
from minicrm.models import Deal, Occasion, Reminder

_FREQ = {"days": "DAILY", "weeks": "WEEKLY", "months": "MONTHLY", "years": "YEARLY"}
EVENT_MINUTES = 15  # how long a timed reminder's event lasts in a calendar
HORIZON_YEARS = 10  # how far ahead the dates an RRULE cannot say (30 February...) are listed as RDATEs


def series(anchor: date, rule: recurrence.Rule, scheduled: date) -> tuple[date, dict, list[date]]:
    """(first day, RRULE, extra days) of a calendar series whose dates are exactly the occurrences
    of ``rule`` from ``anchor`` that fall on or after ``scheduled``."""
    rrule: dict[str, Any] = {"freq": _FREQ[rule.unit], "interval": rule.interval}
    start = scheduled
    extra: list[date] = []
    if rule.unit == "months" and anchor.day == 31:
        rrule["bymonthday"] = -1
    elif rule.unit == "months" and anchor.day > 28:
        rrule["bymonthday"] = anchor.day
        horizon = scheduled.replace(day=1, year=min(scheduled.year + HORIZON_YEARS, 9998))
        k = 0
        while recurrence.occurrence(anchor, rule, k) < scheduled:
            k += 1
        ahead = []
        while (day := recurrence.occurrence(anchor, rule, k)) <= horizon:
            ahead.append(day)
            k += 1
        true = [day for day in ahead if day.day == anchor.day]
        extra = [day for day in ahead if day.day != anchor.day]
        start = true[0] if true else scheduled  # the first day must be one the rule itself gives
    elif rule.unit == "years" and (anchor.month, anchor.day) == (2, 29):
        rrule.update(bymonth=2, bymonthday=-1)
    return start, rrule, extra


def ics_text(reminders: Iterable[tuple[Reminder, date, date]], now: datetime, occasions: Iterable[Occasion] = (),
             deals: Iterable[Deal] = ()) -> str:
    """Open reminders (with their anchor and scheduled day) as an iCalendar of events.

    Events (VEVENT) rather than to-dos: every calendar shows events, while several (Google
    Calendar among them) ignore VTODO. A reminder without a time is an all-day event; one with a
    time lasts ``EVENT_MINUTES``, in floating local time (9:00 stays 9:00 across daylight-saving
    changes), and carries an alarm at its time. Each event's UID is the reminder's uid, so a
    calendar that reads the file again updates its events instead of adding copies; a snoozed
    occurrence's own event has the uid followed by ``-snoozed``. ``occasions`` are yearly all-day
    events from their next date (29 February as the last day of February); ``deals`` (open, with a
    close date) an all-day event on that date. Their UIDs are their own uids.
    """
    import icalendar

    cal = icalendar.Calendar()
    cal.add("prodid", "-//minicrm//minicrm//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", "minicrm reminders")
    stamp = now.astimezone(timezone.utc).replace(microsecond=0)
    for reminder, anchor, scheduled in reminders:
        if not reminder.rule:
            cal.add_component(_event(icalendar, reminder, reminder.uid, reminder.due_on, stamp))
            continue
        rule = recurrence.parse_rule(reminder.rule)
        start, rrule, extra = series(anchor, rule, scheduled)
        event = _event(icalendar, reminder, reminder.uid, start, stamp)
        event.add("rrule", rrule)
        if extra:
            event.add("rdate", [_moment(reminder, day) for day in extra])
        if reminder.snoozed and reminder.due_on != scheduled:
            event.add("exdate", [_moment(reminder, scheduled)])
            cal.add_component(event)
            cal.add_component(_event(icalendar, reminder, f"{reminder.uid}-snoozed", reminder.due_on, stamp))
        else:
            cal.add_component(event)
    for occasion in occasions:
        event = _day_event(icalendar, occasion.uid, f"{occasion.label.capitalize()}: {occasion.contact_name}",
                           occasion.next_on, stamp, occasion.note)  # fmt: skip
        leap = occasion.date.endswith("02-29")
        event.add("rrule", {"freq": "YEARLY", **({"bymonth": 2, "bymonthday": -1} if leap else {})})
        cal.add_component(event)
    for deal in deals:
        cal.add_component(_day_event(icalendar, deal.uid, f"Close the deal: {deal.title} ({deal.contact_name})",
                                     deal.close_on, stamp, f"{deal.stage}; minicrm deal move {deal.id} won"))  # fmt: skip
    return cal.to_ical().decode("utf-8")


def _day_event(icalendar: Any, uid: str, summary: str, day: date, stamp: datetime, note: str | None) -> Any:
    event = icalendar.Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    event.add("summary", summary)
    if note:
        event.add("description", note)
    event.add("dtstart", day)
    event.add("dtend", day + timedelta(days=1))
    event.add("categories", ["minicrm"])
    event.add("transp", "TRANSPARENT")
    return event


def _moment(reminder: Reminder, day: date) -> date | datetime:
    """A day of the reminder as its events start: the day, or the day at its time (floating)."""
    return datetime.combine(day, reminder.due_time) if reminder.due_time else day


def _event(icalendar: Any, reminder: Reminder, uid: str, day: date, stamp: datetime) -> Any:
    event = icalendar.Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    summary = f"{reminder.text} ({reminder.contact_name})"
    event.add("summary", summary)
    reach = [v for v in (reminder.contact_phone, reminder.contact_email) if v]
    event.add("description", "\n".join([f"minicrm contact #{reminder.contact_id}: {reminder.contact_name}",
                                         *reach, f"Done: minicrm done {reminder.id}"]))  # fmt: skip
    start = _moment(reminder, day)
    event.add("dtstart", start)
    event.add("dtend", start + (timedelta(minutes=EVENT_MINUTES) if reminder.due_time else timedelta(days=1)))
    event.add("categories", ["minicrm"])
    event.add("transp", "TRANSPARENT")  # a reminder does not make you busy
    if reminder.updated_at:
        event.add("last-modified", reminder.updated_at.astimezone(timezone.utc).replace(microsecond=0))
    if reminder.due_time:
        alarm = icalendar.Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", summary)
        alarm.add("trigger", timedelta(0))
        event.add_component(alarm)
    return event
