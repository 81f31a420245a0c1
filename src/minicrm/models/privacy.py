"""Consent, the access report and erasure."""

from datetime import datetime
from typing import Any, NamedTuple

from minicrm.models.activity import Interaction
from minicrm.models.audit import AuditEntry
from minicrm.models.contacts import Contact, StageChange
from minicrm.models.reminders import Reminder


class Consent(NamedTuple):
    """A grant or revocation of consent for one purpose (email-marketing, sms...)."""

    id: int
    contact_id: int
    contact_name: str
    purpose: str
    granted: bool
    at: datetime
    source: str | None = None
    recorded_at: datetime | None = None


class AccessReport(NamedTuple):
    """Everything minicrm holds about one person (``minicrm access``)."""

    generated_at: datetime
    contact: Contact
    interactions: tuple[Interaction, ...]
    reminders: tuple[Reminder, ...]
    consent: tuple[Consent, ...]  # the full history, oldest first
    stage_history: tuple[StageChange, ...]
    audit: tuple[AuditEntry, ...]
    cadence_days: int | None = None  # their own keep-in-touch cadence
    held: Any = None  # type -> that person's rows of every other table (deals, occasions...), as export writes them


class Erasure(NamedTuple):
    """What ``minicrm forget`` did."""

    contact_id: int
    name: str
    interactions_removed: int
    amounts_kept: int
    hashes_kept: int
    files_scrubbed: bool
