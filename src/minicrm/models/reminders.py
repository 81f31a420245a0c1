"""Follow-up reminders and their state seen from a day."""

from datetime import date, datetime, time
from typing import NamedTuple


class Reminder(NamedTuple):
    id: int
    uid: str
    contact_id: int
    contact_name: str
    contact_email: str | None
    contact_phone: str | None
    text: str
    due_on: date
    due_time: time | None = None
    rule: str | None = None
    status: str = "open"  # open | done | cancelled
    state: str = "upcoming"  # overdue | today | upcoming | done | cancelled (relative to today)
    days_late: int = 0
    snoozed: bool = False
    done_at: datetime | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


def reminder_state(status: str, due_on: date, today: date) -> tuple[str, int]:
    """(state, days_late) of a reminder seen from ``today``."""
    if status in ("done", "cancelled"):
        return status, 0
    late = (today - due_on).days
    return ("overdue" if late > 0 else "today" if late == 0 else "upcoming"), max(late, 0)
