"""Keep-in-touch cadence: hear from a contact, or everyone with a tag, every PERIOD.

A contact's cadence in force is their own, else the shortest of their tags'; the
store keeps the next touch date (``next_touch_at``) true on every write, and
``agenda`` lists the contacts whose touch is due.
"""

from __future__ import annotations

import re
from datetime import datetime

from minicrm import dates
from minicrm.errors import UsageError
from minicrm.models import Cadence, Contact
from minicrm.services.values import normalise_tag
from minicrm.store import Store

_PERIOD = re.compile(r"^(?:every\s+)?(\d+)\s*(d|days?|w|weeks?|m|months?)?$")
_UNIT_DAYS = {"d": 1, "w": 7, "m": 30}


def parse(text: str) -> int | None:
    """``30d``, ``2w``, ``3m`` (30 days a month), ``30`` (days), or ``off`` (None)."""
    phrase = " ".join(str(text).lower().split())
    if phrase in ("off", "none", "clear"):
        return None
    m = _PERIOD.match(phrase)
    if not m or int(m.group(1)) <= 0 or int(m.group(1)) > 3650:
        raise UsageError(f"{text!r} is not a cadence", "Use e.g. 30d, 2w, 3m or off")
    days = int(m.group(1)) * _UNIT_DAYS[(m.group(2) or "d")[0]]
    if days > 3650:
        raise UsageError(f"{text!r} is longer than ten years", "Use e.g. 30d, 2w, 3m or off")
    return days


def change(store: Store, now: datetime, period: str, *, contact: Contact | None = None,
           tag: str | None = None) -> Cadence:  # fmt: skip
    """Set (or clear, with ``off``) a contact's or a tag's keep-in-touch cadence."""
    if (contact is None) == (tag is None):
        raise UsageError("give a CONTACT or --tag, not both", "E.g. minicrm cadence ann 30d")
    days = parse(period)
    with store.write():
        if contact is not None:
            store.cadence.set_contact(contact.id, days)
        else:
            tag = normalise_tag(tag)
            store.cadence.set_tag(tag, days)
    if contact is not None:
        _, _, next_touch = store.cadence.touch_of(contact.id)
        return Cadence(target="contact", contact_id=contact.id, name=contact.name, days=days,
                       next_touch_on=dates.local(next_touch).date() if next_touch else None)  # fmt: skip
    return Cadence(target="tag", contact_id=None, name=tag, days=days)
