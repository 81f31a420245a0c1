"""The daily digest: what was sent, when, and through which channel."""

from datetime import date, datetime
from typing import NamedTuple


class DigestSent(NamedTuple):
    """A digest delivered through one channel (``minicrm digest --log``)."""

    sent_at: datetime
    day: date  # the day the digest covered (its first day for a week)
    span: str  # day | week
    channel: str  # notify | mail | command:PROG
    items: int  # how many items it listed
    format: str  # text | markdown | html | json
