"""What happened with a contact: interactions (calls, e-mails, orders, refunds...) and referrals."""

from datetime import datetime
from decimal import Decimal
from typing import Any, NamedTuple


KINDS = ("call", "email", "meeting", "note", "order", "message", "visit", "ticket", "referral", "refund")


class Interaction(NamedTuple):
    id: int
    uid: str
    contact_id: int
    contact_name: str
    kind: str
    at: datetime
    text: str | None = None
    amount: Decimal | None = None
    created_at: datetime | None = None
    currency: str | None = None  # of ``amount`` (the ``currency`` setting, see ``money.priced``); None without one
    lines: tuple[Any, ...] = ()  # OrderLine (models.products): what an order (or a refund) was made of


class Referral(NamedTuple):
    """A referral: who introduced whom (``log A referral --referred B``)."""

    id: int  # the referral interaction's id
    at: datetime
    referrer_id: int
    referrer_name: str
    referred_id: int | None
    referred_name: str | None
    text: str | None = None
