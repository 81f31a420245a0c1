"""The lead score: its parts and weights."""

from typing import NamedTuple


class ScorePart(NamedTuple):
    """One line of ``score --explain``: where some of a contact's points came from."""

    contact_id: int
    part: str  # recency | frequency | orders | value | stage | tag:NAME | total
    detail: str
    points: float


class Weight(NamedTuple):
    name: str
    weight: float
