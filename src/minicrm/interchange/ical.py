"""iCalendar: open reminders written as a calendar of events (RFC 5545).

icalendar is imported inside ``ics_text``, so nothing else pays for it.
Nothing here prints: the caller writes the text ``ics_text`` returns.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta, timezone

from minicrm import recurrence
from minicrm.models import Reminder

_FREQ = {"days": "DAILY", "weeks": "WEEKLY", "months": "MONTHLY", "years": "YEARLY"}
EVENT_MINUTES = 15  # how long a timed reminder's event lasts in a calendar


def ics_text(reminders: Iterable[Reminder], now: datetime) -> str:
    """Open reminders as an iCalendar (RFC 5545) of events, for a calendar to subscribe to.

    Events (VEVENT) rather than to-dos: every calendar shows events, while
    several (Google Calendar among them) ignore VTODO. A reminder without a
    time is an all-day event on its due day; one with a time lasts
    ``EVENT_MINUTES`` and is written in floating local time, so 9:00 stays
    9:00 across daylight-saving changes. A recurring reminder carries an RRULE
    from its current due day. Each event's UID is the reminder's uid, so a
    calendar that reads the file again updates its events instead of adding copies.
    """
    import icalendar

    cal = icalendar.Calendar()
    cal.add("prodid", "-//minicrm//minicrm//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", "minicrm reminders")
    stamp = now.astimezone(timezone.utc).replace(microsecond=0)
    for reminder in reminders:
        event = icalendar.Event()
        event.add("uid", reminder.uid)
        event.add("dtstamp", stamp)
        event.add("summary", f"{reminder.text} ({reminder.contact_name})")
        reach = [v for v in (reminder.contact_phone, reminder.contact_email) if v]
        event.add("description", "\n".join([f"minicrm contact #{reminder.contact_id}: {reminder.contact_name}",
                                             *reach, f"Done: minicrm done {reminder.id}"]))  # fmt: skip
        if reminder.due_time:
            start = datetime.combine(reminder.due_on, reminder.due_time)  # floating: the calendar's local time
            event.add("dtstart", start)
            event.add("dtend", start + timedelta(minutes=EVENT_MINUTES))
        else:
            event.add("dtstart", reminder.due_on)
            event.add("dtend", reminder.due_on + timedelta(days=1))
        if reminder.rule:
            rule = recurrence.parse_rule(reminder.rule)
            event.add("rrule", {"freq": _FREQ[rule.unit], "interval": rule.interval})
        event.add("categories", ["minicrm"])
        event.add("transp", "TRANSPARENT")  # a reminder does not make you busy
        if reminder.updated_at:
            event.add("last-modified", reminder.updated_at.astimezone(timezone.utc).replace(microsecond=0))
        cal.add_component(event)
    return cal.to_ical().decode("utf-8")
