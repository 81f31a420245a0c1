"""Keep-in-touch cadences, on a contact or on a tag."""

from datetime import date
from typing import NamedTuple


class Cadence(NamedTuple):
    """A keep-in-touch cadence, on a contact or on a tag."""

    target: str  # contact | tag
    contact_id: int | None
    name: str  # the contact's name, or the tag
    days: int | None  # None: cleared
    next_touch_on: date | None = None
