"""Customer value and rhythm from orders (RFM)."""

from datetime import datetime
from decimal import Decimal
from typing import NamedTuple


RFM_GROUPS = ("champions", "loyal", "new", "at-risk", "hibernating", "lost")


class CustomerValue(NamedTuple):
    """A customer's value and rhythm, from their orders with an amount."""

    contact_id: int
    contact_name: str
    orders: int
    lifetime_value: Decimal
    average_order_value: Decimal
    median_gap_days: float | None  # None with a single order
    first_order_at: datetime
    last_order_at: datetime
    days_since_last_order: int
    r_score: int | None = None  # None where not computed (the report's lists)
    f_score: int | None = None
    m_score: int | None = None
    rfm_group: str | None = None
    currency: str | None = None  # of the values (the ``currency`` setting)
