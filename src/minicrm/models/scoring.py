"""The lead score: its parts and weights."""

from datetime import datetime
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


class ScoredContact(NamedTuple):
    """A contact as ``list --sort score`` prints it: the fields of ``Contact``, then its score."""

    id: int
    uid: str
    name: str
    emails: tuple[str, ...]
    phones: tuple[str, ...]
    org: str | None
    stage: str
    tags: tuple[str, ...]
    birthday: str | None
    note: str | None
    fields: dict[str, str]
    last_contact_at: datetime | None
    created_at: datetime | None
    updated_at: datetime | None
    unverified_phones: tuple[str, ...] = ()
    score: float = 0.0  # as minicrm score shows it: rounded to one decimal
