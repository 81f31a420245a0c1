"""Yearly occasions (birthdays, anniversaries) with a lead time."""

from datetime import date
from typing import NamedTuple


class Occasion(NamedTuple):
    """A yearly date (birthday, anniversary) with a lead time."""

    id: int
    uid: str
    contact_id: int
    contact_name: str
    label: str
    date: str  # YYYY-MM-DD, or --MM-DD without a year
    lead_days: int
    note: str | None
    next_on: date
    notify_on: date
