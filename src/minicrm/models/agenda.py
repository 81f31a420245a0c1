"""The ranked morning list (``minicrm due``): one record for every kind of item."""

from datetime import date, datetime, time
from typing import NamedTuple


DUE_KINDS = ("reminder", "cadence", "deal", "reorder", "occasion")


class DueItem(NamedTuple):
    """One line of the ranked morning list.

    The first fields are a reminder's, so scripts written for reminders keep
    working; ``kind``, ``item_id``, ``reason`` and ``urgency`` come last. ``id`` is
    the reminder id, and null for the other kinds. ``item_id`` names the item as
    ``kind:number`` (the reminder, the contact for cadence and reorder, the deal,
    the occasion); ``minicrm done`` and ``snooze`` take it for every kind.
    """

    id: int | None
    uid: str
    contact_id: int
    contact_name: str
    contact_email: str | None
    contact_phone: str | None
    text: str
    due_on: date
    due_time: time | None = None
    rule: str | None = None
    status: str = "open"
    state: str = "upcoming"  # overdue | today | upcoming
    days_late: int = 0
    snoozed: bool = False
    done_at: datetime | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    kind: str = "reminder"  # reminder | cadence | deal | reorder | occasion
    item_id: str = ""  # "reminder:5", "cadence:12" (contact), "deal:3", "reorder:7" (contact), "occasion:2"
    reason: str = ""
    urgency: int = 0
