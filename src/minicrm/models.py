"""Records minicrm works with: frozen dataclasses, no I/O.

The order of each dataclass's fields is the output vocabulary: JSON keys, CSV
headers and TSV columns all follow it (see ``render``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date, datetime, time
from decimal import Decimal

STAGES = ("awareness", "consideration", "purchase", "retention", "advocacy")
KINDS = ("call", "email", "meeting", "note", "order", "message", "visit", "ticket", "referral")


@dataclass(frozen=True)
class Contact:
    id: int
    uid: str
    name: str
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    org: str | None = None
    stage: str = "awareness"
    tags: tuple[str, ...] = ()
    birthday: str | None = None  # YYYY-MM-DD, or --MM-DD when the year is unknown
    note: str | None = None
    fields: dict[str, str] = field(default_factory=dict)
    last_contact_at: datetime | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True)
class Interaction:
    id: int
    uid: str
    contact_id: int
    contact_name: str
    kind: str
    at: datetime
    text: str | None = None
    amount: Decimal | None = None
    created_at: datetime | None = None


@dataclass(frozen=True)
class Reminder:
    id: int
    uid: str
    contact_id: int
    contact_name: str
    contact_email: str | None
    contact_phone: str | None
    text: str
    due_on: date
    due_time: time | None = None
    rule: str | None = None
    status: str = "open"  # open | done
    state: str = "upcoming"  # overdue | today | upcoming | done (relative to today)
    days_late: int = 0
    snoozed: bool = False
    done_at: datetime | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True)
class StageChange:
    id: int
    contact_id: int
    from_stage: str | None
    to_stage: str
    at: datetime
    source: str  # add | user | rule


@dataclass(frozen=True)
class Consent:
    """A grant or revocation of consent for one purpose (email-marketing, sms...)."""

    id: int
    contact_id: int
    contact_name: str
    purpose: str
    granted: bool
    at: datetime
    source: str | None = None
    recorded_at: datetime | None = None


@dataclass(frozen=True)
class ContactDetail:
    """What ``show`` prints: one contact with its recent activity."""

    contact: Contact
    interactions: tuple[Interaction, ...]
    reminders: tuple[Reminder, ...]
    stage_history: tuple[StageChange, ...]
    consent: tuple[Consent, ...] = ()  # the current state, one per purpose


# ------------------------------------------------------------------ trust (issue 6)


@dataclass(frozen=True)
class HealthCheck:
    """One line of ``minicrm doctor``."""

    check: str
    ok: bool
    detail: str


@dataclass(frozen=True)
class Change:
    """One write transaction in the audit trail (what ``undo`` reverts)."""

    id: int
    at: datetime
    user: str | None
    command: str | None
    rows: int
    undoable: bool = True


@dataclass(frozen=True)
class AuditEntry:
    """One row changed by one change: its image before and after."""

    change_id: int
    at: datetime
    user: str | None
    command: str | None
    table: str
    action: str  # insert | update | delete
    contact_id: int | None
    summary: str
    old: dict | None = None
    new: dict | None = None


@dataclass(frozen=True)
class AccessReport:
    """Everything minicrm holds about one person (``minicrm access``)."""

    generated_at: datetime
    contact: Contact
    interactions: tuple[Interaction, ...]
    reminders: tuple[Reminder, ...]
    consent: tuple[Consent, ...]  # the full history, oldest first
    stage_history: tuple[StageChange, ...]
    audit: tuple[AuditEntry, ...]


@dataclass(frozen=True)
class Erasure:
    """What ``minicrm forget`` did."""

    contact_id: int
    name: str
    interactions_removed: int
    amounts_kept: int
    hashes_kept: int
    files_scrubbed: bool


def field_names(record_type: type) -> list[str]:
    return [f.name for f in fields(record_type)]
