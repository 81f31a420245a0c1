"""Customers: contacts with orders that carry an amount; their value, rhythm, RFM group and risk.

Every number is aggregated by the store (``customer_stats``); here the rows become
``CustomerValue`` records. Formulas are documented in docs/insight.md.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from minicrm import dates
from minicrm.errors import InvalidValue
from minicrm.models import RFM_GROUPS, CustomerValue
from minicrm.services.values import choose
from minicrm.store import Store

CUSTOMER_SORTS = ("value", "orders", "recent")


def cents(amount: int) -> Decimal:
    """An amount in cents as money: 1250 -> Decimal("12.50")."""
    return (Decimal(amount) / 100).quantize(Decimal("0.01"))


def customer_value(row, now: datetime) -> CustomerValue:
    total = row.cents
    last = row.last_at
    return CustomerValue(
        contact_id=row.contact_id,
        contact_name=row.name,
        orders=row.orders,
        lifetime_value=cents(total),
        average_order_value=(Decimal(total) / 100 / row.orders).quantize(Decimal("0.01")),
        median_gap_days=round(row.median_gap, 1) if row.median_gap is not None else None,
        first_order_at=row.first_at,
        last_order_at=last,
        days_since_last_order=max(0, (now.date() - dates.local(last).date()).days),
        r_score=row.r,
        f_score=row.f,
        m_score=row.m,
        rfm_group=row.rfm_group,
    )


def find(store: Store, now: datetime, *, group: str | None = None, sort: str = "value",
         limit: int | None = None) -> list[CustomerValue]:  # fmt: skip
    """Customers (contacts with orders that carry an amount) with their value, rhythm and RFM group."""
    clean_group = choose(group, RFM_GROUPS, "customer group") if group else None
    clean_sort = choose(sort, CUSTOMER_SORTS, "sort order")
    if limit is not None and limit < 0:
        raise InvalidValue("--limit takes a number (0 or more)", "E.g. --limit 20")
    rows = store.customers.values(now, group=clean_group, order=clean_sort, limit=limit)
    return [customer_value(row, now) for row in rows]


def count(store: Store, now: datetime, *, at_risk: bool = False) -> int:
    """How many customers there are (at risk only, with ``at_risk``), for a table's "N more" line."""
    return store.customers.count(now, at_risk=at_risk)


def at_risk(store: Store, now: datetime, limit: int | None = None) -> list[CustomerValue]:
    """Customers silent for more than twice their own median gap between orders, most valuable first."""
    if limit is not None and limit < 0:
        raise InvalidValue("--limit takes a number (0 or more)", "E.g. --limit 20")
    return [customer_value(row, now) for row in store.customers.values(now, at_risk=True, limit=limit)]
