"""Deals and the pipeline."""

from datetime import date, datetime
from decimal import Decimal
from typing import NamedTuple


DEAL_STAGES = ("lead", "proposal", "negotiation", "won", "lost")


DEAL_PROBABILITY = {"lead": 0.1, "proposal": 0.3, "negotiation": 0.6, "won": 1.0, "lost": 0.0}


class Deal(NamedTuple):
    id: int
    uid: str
    contact_id: int
    contact_name: str
    title: str
    value: Decimal
    stage: str  # lead | proposal | negotiation | won | lost
    close_on: date | None = None
    closed_at: datetime | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    currency: str | None = None  # of ``value`` (the ``currency`` setting)


class PipelineStage(NamedTuple):
    """One row of the pipeline: a deal stage with its count and value."""

    stage: str
    count: int
    value: Decimal
    probability: float
    weighted_value: Decimal
    currency: str | None = None  # of the values (the ``currency`` setting)
