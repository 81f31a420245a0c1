"""The store's backend-neutral vocabulary: queries, sort names, result records, repository Protocols.

Services speak to the store only in these terms (and ``models``): no SQL, no rows, no stored text.
A second backend fills the same Protocols and returns the same records. Stdlib only, so that
importing it costs ``minicrm due`` nothing it would notice.
"""

from collections.abc import Iterator, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

# The anonymous contact that keeps erased people's amounts (``minicrm forget``): counted in
# totals, never listed, found or shown as a person. SQL: ``NOT_PLACEHOLDER`` on contacts ``c``.
PLACEHOLDER_UID = "erased-people"
NOT_PLACEHOLDER = "c.uid <> 'erased-people'"

SCORE_DAYS = 90  # the score's recency and frequency window

# Sort keys of ``ContactQuery.sort``, by name ("score" sorts highest first).
CONTACT_SORTS = ("name", "id", "org", "stage", "created", "updated", "last_contact", "score")

# Orders of ``customers.values``.
CUSTOMER_ORDERS = ("value", "orders", "recent")


class ContactQuery(NamedTuple):
    """Which contacts ``contacts.list`` returns, in which order (change one with ``_replace``)."""

    tags: tuple[str, ...] = ()
    stage: str | None = None
    org: str | None = None
    search: str | None = None
    stale_before: datetime | None = None  # no interaction since, and created before
    sort: str = "name"  # one of CONTACT_SORTS
    descending: bool = False
    limit: int | None = None
    consent: str | None = None  # only contacts whose current consent for this purpose is granted
    now: datetime | None = None  # for sort by score (recency counts from it)


# ------------------------------------------------------------------ result records


class CustomerRow(NamedTuple):
    """A customer (a contact with orders that carry an amount): value, rhythm, RFM scores."""

    contact_id: int
    name: str
    orders: int
    cents: int  # lifetime value in cents
    first_at: datetime  # first order
    last_at: datetime  # latest order
    median_gap: float | None  # median days between orders
    risk_at: datetime | None  # after this the customer is at risk (twice the median gap)
    reorder_at: datetime | None  # the predicted next order
    r: int | None = None  # recency score 1-5 (None when not scored)
    f: int | None = None  # frequency score 1-5
    m: int | None = None  # monetary score 1-5
    rfm_group: str | None = None  # champions, loyal, new, at-risk, hibernating, lost


class Touch(NamedTuple):
    """A contact whose keep-in-touch cadence says to get in touch."""

    id: int  # the contact's id
    uid: str
    name: str
    touch_days: int  # the cadence in force
    next_touch_at: datetime
    last_contact_at: datetime | None
    created_at: datetime
    email: str | None  # first email
    phone: str | None  # first phone


class Reorder(NamedTuple):
    """A customer whose predicted reorder is near."""

    contact_id: int
    orders: int
    cents: int  # lifetime value in cents
    last_at: datetime  # latest order
    median_gap: float  # median days between orders
    reorder_at: datetime  # predicted next order
    uid: str
    name: str
    last_contact_at: datetime | None
    email: str | None  # first email
    phone: str | None  # first phone


class ScoreInputs(NamedTuple):
    """What a contact's score is made of."""

    stage: str
    last_contact_at: datetime | None
    recent: int  # interactions in the last SCORE_DAYS days
    orders: int
    cents: int  # lifetime value in cents
    tags: tuple[str, ...]


class AuditRow(NamedTuple):
    """One row image of the audit trail, with its change."""

    id: int
    change_id: int
    at: datetime
    user: str | None
    command: str | None
    table: str
    action: str  # insert, update, delete
    contact_id: int | None
    old: dict | None  # the row before (None for an insert)
    new: dict | None  # the row after (None for a delete)
    batch: tuple[int, int] | None = None  # rows inserted in bulk: their first and last id (no images)


class Trace(NamedTuple):
    """Where the audit trail holds one person: the contact ids (theirs, and of copies merged into
    them or removed), with the names, emails and phones those rows hold."""

    ids: frozenset[int]
    names: tuple[str, ...]
    emails: tuple[str, ...]
    phones: tuple[str, ...]


class ContactHit(NamedTuple):
    """A contact found by full-text search."""

    id: int
    name: str
    rank: float  # bm25: lower is better
    texts: dict[str, str]  # the indexed texts that are not empty, by column


class InteractionHit(NamedTuple):
    """An interaction found by full-text search."""

    id: int
    contact_id: int
    contact_name: str
    at: datetime
    rank: float  # bm25: lower is better
    snippet: str  # the text around the match, matches in «»


# ------------------------------------------------------------------ repositories
#
# One Protocol per repository: what a backend provides. They exist for the type checker (the
# facade's repository properties are annotated with them, so mypy checks each SQLite repository
# against its Protocol) and cost `minicrm due` nothing at run time; tests/store checks the names.

if TYPE_CHECKING:
    from typing import Protocol

    from minicrm.models import (Change, Consent, Contact, Deal, DigestSent, Interaction, Occasion, Referral, Reminder,
                                StageChange)


    class ContactsRepository(Protocol):
        def add(self, *, name: str, org: str | None, stage: str, birthday: str | None, note: str | None,
                fields: dict[str, str], emails: Sequence[str], phones: Sequence[str], tags: Sequence[str],
                at: datetime, uid: str | None = None, unverified_phones: Sequence[str] = ()) -> int: ...  # fmt: skip
        def add_many(self, rows: Sequence[dict]) -> None: ...
        def index_from(self, first_id: int) -> None: ...
        def update(self, contact_id: int, at: datetime, **columns: object) -> None: ...
        def replace_lists(self, contact_id: int, *, unverified_phones: Sequence[str] = (),
                          **lists: Sequence[str] | None) -> None: ...  # fmt: skip
        def delete(self, contact_id: int) -> None: ...
        def reindex(self, contact_id: int) -> None: ...
        def get(self, contact_id: int) -> Contact | None: ...
        def list(self, query: ContactQuery, batch: int = 500) -> Iterator[Contact]: ...
        def count(self, query: ContactQuery | None = None) -> int: ...
        def matching(self, query: ContactQuery, contact_ids: Sequence[int]) -> set[int]: ...
        def named(self, folded: str, *, exact: bool, limit: int) -> list[tuple[int, str]]: ...
        def names_starting(self, folded: str, limit: int) -> list[tuple[int, str, str | None]]: ...
        def tags_starting(self, prefix: str, limit: int) -> list[str]: ...
        def ids_by_email(self, email: str) -> list[int]: ...
        def ids_by_phone(self, phone: str) -> list[int]: ...
        def id_by_uid(self, uid: str) -> int | None: ...
        def stage_of(self, contact_id: int) -> str | None: ...
        def reach(self, contact_ids: Sequence[int]) -> dict[int, tuple[str | None, str | None]]: ...
        def add_stage_change(self, contact_id: int, from_stage: str | None, to_stage: str, at: datetime,
                             source: str) -> None: ...  # fmt: skip
        def stage_history(self, contact_id: int) -> list[StageChange]: ...
        def stage_histories(self, contact_ids: Sequence[int]) -> dict[int, list[StageChange]]: ...
        def move_records(self, from_id: int, to_id: int) -> dict[str, int]: ...


    class DuplicatesRepository(Protocol):
        def shared_values(self) -> Iterator[tuple[str, str, list[int]]]: ...
        def folded_names(self) -> Iterator[tuple[int, str, str | None]]: ...
        def sharing_an_org(self) -> Iterator[tuple[str, list[tuple[int, str]]]]: ...


    class SearchRepository(Protocol):
        def contacts(self, text: str, limit: int) -> list[ContactHit]: ...
        def interactions(self, words: Sequence[str], limit: int) -> list[InteractionHit]: ...


    class ActivityRepository(Protocol):
        def count(self, contact_id: int) -> int: ...
        def add(self, *, contact_id: int, kind: str, at: datetime, text: str | None, amount: Decimal | None,
                created: datetime, uid: str | None = None) -> int: ...  # fmt: skip
        def add_many(self, rows: Sequence[dict]) -> None: ...
        def update(self, interaction_id: int, *, kind: str | None = None, at: datetime | None = None,
                   text: str | None | bool = False, amount: Decimal | None | bool = False) -> None: ...  # fmt: skip
        def delete(self, interaction_id: int) -> None: ...
        def get(self, interaction_id: int) -> Interaction | None: ...
        def list(self, *, contact_id: int | None = None, kinds: Sequence[str] = (), since: datetime | None = None,
                 until: datetime | None = None, limit: int | None = None,
                 batch: int = 1000) -> Iterator[Interaction]: ...  # fmt: skip
        def export(self, batch: int = 2000) -> Iterator[tuple[Interaction, str]]: ...
        def set_referred(self, interaction_id: int, referred_id: int) -> None: ...
        def referrals(self, contact_id: int | None = None) -> list[Referral]: ...
        def order_count(self, contact_id: int) -> int: ...
        def order_near(self, contact_id: int, start: datetime, end: datetime) -> tuple[str | None, int | None] | None: ...


    class RemindersRepository(Protocol):
        def add(self, *, contact_id: int, text: str, due_on: date, due_time: time | None, rule: str | None,
                created: datetime, uid: str | None = None) -> int: ...  # fmt: skip
        def add_many(self, rows: Sequence[dict]) -> None: ...
        def update(self, reminder_id: int, at: datetime, *, due_on: date | None = None,
                   due_time: time | None | str = "keep", scheduled_on: date | None = None,
                   snoozed: bool | None = None, status: str | None = None,
                   done_at: datetime | None = None, text: str | None = None, rule: str | None = "keep",
                   anchor_on: date | None = None) -> None: ...  # fmt: skip
        def cancel(self, reminder_id: int, at: datetime) -> None: ...
        def schedule(self, reminder_id: int) -> tuple[date, date] | None: ...
        def add_completion(self, reminder_id: int, occurrence_on: date, at: datetime) -> None: ...
        def get_many(self, ids: Sequence[int], today: date | None = None) -> dict[int, Reminder]: ...
        def open(self, *, due_from: date | None = None, due_until: date | None = None,
                 contact_id: int | None = None, limit: int | None = None,
                 today: date | None = None) -> list[Reminder]: ...  # fmt: skip
        def of_contact(self, contact_id: int, today: date | None = None) -> list[Reminder]: ...
        def count_open(self, due_from: date | None, due_until: date) -> int: ...
        def export(self, *, open_only: bool = False, today: date | None = None,
                   batch: int = 2000) -> Iterator[tuple[Reminder, str, date, date]]: ...  # fmt: skip


    class DealsRepository(Protocol):
        def add(self, *, contact_id: int, title: str, value: Decimal, stage: str, close_on: date | None,
                created: datetime) -> int: ...  # fmt: skip
        def move(self, deal_id: int, stage: str, at: datetime) -> None: ...
        def update(self, deal_id: int, at: datetime, *, title: str | None = None, value: Decimal | None = None,
                   close_on: date | None | bool = False, contact_id: int | None = None) -> None: ...  # fmt: skip
        def delete(self, deal_id: int) -> None: ...
        def get(self, deal_id: int) -> Deal | None: ...
        def list(self, *, stages: Sequence[str] = (), contact_id: int | None = None) -> list[Deal]: ...
        def pipeline(self) -> dict[str, tuple[int, int]]: ...
        def closing_by(self, until: date) -> list[Deal]: ...


    class OccasionsRepository(Protocol):
        def of_contact(self, contact_id: int) -> list[Occasion]: ...
        def add(self, *, contact_id: int, label: str, day: str, lead_days: int, note: str | None, next_on: date,
                notify_on: date, created: datetime) -> int: ...  # fmt: skip
        def reschedule(self, occasion_id: int, next_on: date, notify_on: date) -> None: ...
        def get(self, occasion_id: int) -> Occasion | None: ...
        def list(self) -> list[Occasion]: ...
        def delete(self, occasion_id: int) -> bool: ...
        def notifying_by(self, day: date) -> list[Occasion]: ...
        def roll_passed(self, today: date) -> None: ...


    class AgendaRepository(Protocol):
        def holds(self) -> dict[str, tuple[date | None, date | None]]: ...
        def snooze(self, item: str, contact_id: int, until: date, at: datetime) -> None: ...
        def clear(self, item: str, contact_id: int, through: date, at: datetime) -> None: ...


    class CadenceRepository(Protocol):
        def set_contact(self, contact_id: int, days: int | None) -> None: ...
        def set_tag(self, tag: str, days: int | None) -> None: ...
        def tags(self) -> dict[str, int]: ...
        def touch_of(self, contact_id: int) -> tuple[int | None, int | None, datetime | None]: ...
        def touches_due(self, before: datetime, limit: int | None = None) -> list[Touch]: ...


    class SegmentsRepository(Protocol):
        def save(self, name: str, filters: dict, at: datetime) -> None: ...
        def get(self, name: str) -> tuple[dict, datetime] | None: ...
        def list(self) -> list[tuple[str, dict, datetime]]: ...
        def delete(self, name: str) -> bool: ...


    class CustomersRepository(Protocol):
        def count(self, now: datetime, *, at_risk: bool = False) -> int: ...
        def of_contact(self, contact_id: int) -> CustomerRow | None: ...
        def values(self, now: datetime, *, at_risk: bool = False, group: str | None = None, order: str = "value",
                   limit: int | None = None, scored: bool = True) -> list[CustomerRow]: ...  # fmt: skip
        def lifetime_cents(self, contact_ids: Sequence[int]) -> dict[int, int]: ...
        def reorders_due(self, before: datetime, still: datetime) -> list[Reorder]: ...
        def stage_counts(self) -> dict[str, int]: ...
        def stage_entries(self, start: datetime, end: datetime) -> dict[str, int]: ...
        def interaction_counts(self, bounds: Sequence[tuple[datetime, datetime]]) -> list[int]: ...
        def order_totals(self, bounds: Sequence[tuple[datetime, datetime]]) -> list[tuple[int, int]]: ...
        def count_stale(self, cutoff: datetime) -> int: ...


    class ScoringRepository(Protocol):
        def weights(self) -> dict[str, float]: ...
        def set_weight(self, name: str, weight: float | None) -> None: ...
        def inputs(self, contact_id: int, now: datetime) -> ScoreInputs | None: ...


    class PrivacyRepository(Protocol):
        def add_consent(self, *, contact_id: int, purpose: str, granted: bool, at: datetime, source: str | None,
                        recorded: datetime) -> int: ...  # fmt: skip
        def consent_history(self, contact_id: int) -> list[Consent]: ...
        def current_consent(self, contact_id: int) -> list[Consent]: ...
        def salt(self) -> str: ...
        def all_erased_hashes(self) -> set[str]: ...
        def erased_hashes(self, hashes: Sequence[str]) -> list[str]: ...
        def erase(self, contact_id: int, hashes: Sequence[str], at: datetime, keep_amounts_with: int | None,
                  also: Sequence[int] = ()) -> None: ...  # fmt: skip
        def remember_erased(self, hashes: Sequence[str], at: datetime) -> None: ...
        def erase_traces(self, contact_ids: Sequence[int], keep_amounts_with: int | None = None) -> None: ...
        def traces(self, contact_id: int | None, emails: Sequence[str] = (), phones: Sequence[str] = (),
                   uids: Sequence[str] = ()) -> Trace: ...  # fmt: skip
        def scrub_files(self) -> bool: ...
        def placeholder_contact(self, name: str, at: datetime) -> int: ...


    class AuditRepository(Protocol):
        def mark_final(self) -> None: ...
        def in_effect(self, limit: int, before: int) -> list[Change]: ...
        def mark_undo(self, change_ids: Sequence[int]) -> None: ...
        def last_undo(self, before: int) -> tuple[int, list[Change]] | None: ...
        def mark_redo(self, undo_id: int) -> None: ...
        def recent(self, limit: int, before: int | None = None) -> list[Change]: ...
        def entries(self, *, contact_id: int | None = None, limit: int | None = None,
                    batch: int = 500) -> Iterator[AuditRow]: ...  # fmt: skip
        def revert(self, change_ids: Sequence[int]) -> int: ...


    class FilesRepository(Protocol):
        def backup_to(self, target: Path) -> None: ...
        def restore_from(self, source: object) -> None: ...  # another opened store
        def upgrade(self, now: datetime) -> None: ...
        def health(self) -> dict[str, object]: ...
        def schema_differences(self) -> list[str]: ...
        def sizes(self) -> dict[str, int]: ...

    class SettingsRepository(Protocol):
        def all(self) -> dict[str, str]: ...
        def get(self, key: str) -> str | None: ...
        def set(self, key: str, value: str, at: datetime) -> None: ...
        def unset(self, key: str) -> bool: ...

    class DigestsRepository(Protocol):
        def sent(self, day: date, span: str, channel: str) -> bool: ...
        def record(self, sent: DigestSent) -> None: ...
        def log(self, limit: int | None = None) -> list[DigestSent]: ...
