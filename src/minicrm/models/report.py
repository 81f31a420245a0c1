"""The report: funnel, buckets over time, and its numbers flattened for tsv and csv."""

from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

from minicrm.models.customers import CustomerValue
from minicrm.models.deals import PipelineStage

class FunnelStage(NamedTuple):
    stage: str
    contacts: int  # at this stage now
    reached: int  # at this stage or a later one now
    conversion: float | None  # reached / the previous stage's reached (None for the first)
    entered: int  # distinct contacts moved to this stage within the window


class Bucket(NamedTuple):
    start: date
    label: str
    count: int
    amount: Decimal = Decimal("0.00")


class Report(NamedTuple):
    since: date
    until: date
    contacts: int
    funnel: tuple[FunnelStage, ...]
    new_customers: int  # contacts moved to purchase within the window
    interactions_in_window: int
    orders_in_window: int
    revenue_in_window: Decimal
    interactions_per_week: tuple[Bucket, ...]
    revenue_per_month: tuple[Bucket, ...]
    top_customers: tuple[CustomerValue, ...]
    at_risk: tuple[CustomerValue, ...]
    stale_days: int
    stale_contacts: int
    overdue_reminders: int
    due_today_reminders: int
    pipeline: tuple[PipelineStage, ...]
    currency: str | None = None  # of every amount in the report (the ``currency`` setting)
    top_products: tuple[Any, ...] = ()  # SalesRow (models.products) by product: the first 10 by revenue


class Metric(NamedTuple):
    """One number of the report, for tsv and csv (the report flattened)."""

    section: str
    key: str
    value: str
