"""Records minicrm works with: named tuples, no I/O.

The order of each record's fields is the output vocabulary: JSON keys, CSV
headers and TSV columns all follow it (see ``render``).

Records are ``typing.NamedTuple`` classes rather than frozen dataclasses: just as
immutable, but defining one costs ~0.1 ms against ~1 ms, because Python 3.11
compiles six methods for every frozen dataclass. With 29 records that was
~25 ms on every run of every command (docs/performance.md). Only ``render``
walks a record's fields in order, to write it; everything else reads them by
name. A default must be immutable (a tuple, not a list or dict). No ``from __future__ import
annotations`` here: typing compiles every string annotation of a NamedTuple (~2 ms over the records).
"""

import re
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, NamedTuple

STAGES = ("awareness", "consideration", "purchase", "retention", "advocacy")
KINDS = ("call", "email", "meeting", "note", "order", "message", "visit", "ticket", "referral", "refund")


class Contact(NamedTuple):
    id: int
    uid: str
    name: str
    emails: tuple[str, ...]
    phones: tuple[str, ...]
    org: str | None
    stage: str
    tags: tuple[str, ...]
    birthday: str | None  # YYYY-MM-DD, or --MM-DD when the year is unknown
    note: str | None
    fields: dict[str, str]  # no default: a NamedTuple's default would be one shared dict
    last_contact_at: datetime | None
    created_at: datetime | None
    updated_at: datetime | None
    unverified_phones: tuple[str, ...] = ()  # those of ``phones`` kept as typed: libphonenumber could not place them


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


class Reminder(NamedTuple):
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
    status: str = "open"  # open | done | cancelled
    state: str = "upcoming"  # overdue | today | upcoming | done | cancelled (relative to today)
    days_late: int = 0
    snoozed: bool = False
    done_at: datetime | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


def reminder_state(status: str, due_on: date, today: date) -> tuple[str, int]:
    """(state, days_late) of a reminder seen from ``today``."""
    if status in ("done", "cancelled"):
        return status, 0
    late = (today - due_on).days
    return ("overdue" if late > 0 else "today" if late == 0 else "upcoming"), max(late, 0)


class StageChange(NamedTuple):
    id: int
    contact_id: int
    from_stage: str | None
    to_stage: str
    at: datetime
    source: str  # add | user | rule


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


class ContactDetail(NamedTuple):
    """What ``show`` prints: one contact, the whole page."""

    contact: Contact
    interactions: tuple[Interaction, ...]
    reminders: tuple[Reminder, ...]
    stage_history: tuple[StageChange, ...]
    consent: tuple[Consent, ...] = ()  # the current state, one per purpose
    value: Any = None  # a CustomerValue (lifetime value, orders, average, usual gap), None before any order
    score: float | None = None
    cadence_days: int | None = None  # the keep-in-touch cadence in force (own, else their tags')
    next_touch_on: date | None = None
    deals: tuple[Any, ...] = ()  # open deals
    occasions: tuple[Any, ...] = ()
    interactions_more: int = 0  # how many older interactions ``history`` has beyond ``interactions``


# ------------------------------------------------------------------ trust


class HealthCheck(NamedTuple):
    """One line of ``minicrm doctor``."""

    check: str
    ok: bool
    detail: str


class Change(NamedTuple):
    """One write transaction in the audit trail (what ``undo`` reverts)."""

    id: int
    at: datetime
    user: str | None
    command: str | None
    rows: int
    undoable: bool = True


class AuditEntry(NamedTuple):
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


class AccessReport(NamedTuple):
    """Everything minicrm holds about one person (``minicrm access``)."""

    generated_at: datetime
    contact: Contact
    interactions: tuple[Interaction, ...]
    reminders: tuple[Reminder, ...]
    consent: tuple[Consent, ...]  # the full history, oldest first
    stage_history: tuple[StageChange, ...]
    audit: tuple[AuditEntry, ...]


class Erasure(NamedTuple):
    """What ``minicrm forget`` did."""

    contact_id: int
    name: str
    interactions_removed: int
    amounts_kept: int
    hashes_kept: int
    files_scrubbed: bool


def field_names(record_type: type) -> list[str]:
    return list(record_type._fields)  # type: ignore[attr-defined]


_SCALARS = frozenset({str, int, float, bool, type(None)})


def plain(value: Any) -> Any:
    """A value as JSON sees it: ISO dates, numbers, lists, objects."""
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind is datetime:
        return value.isoformat(timespec="seconds")
    if kind is date:
        return value.isoformat()
    if kind is time:
        return value.strftime("%H:%M")
    if kind is Decimal:
        return float(value)
    if kind is tuple or kind is list:
        return [plain(v) for v in value]
    if kind is dict:
        return {k: plain(v) for k, v in value.items()}
    if hasattr(kind, "_fields"):  # a record (models)
        return record_dict(value)
    return str(value)


def record_dict(record: Any) -> dict[str, Any]:
    return dict(zip(record._fields, map(plain, record)))


class ImportAction(NamedTuple):
    """What ``import`` did, or would do (``--dry-run``), with one record of the file."""

    line: int
    action: str  # create | update | skip | reject
    kind: str  # contact | interaction | reminder
    uid: str | None
    name: str
    detail: str | None = None
    file: str | None = None  # when an import reads several files


class SearchHit(NamedTuple):
    """One ``search`` result: a contact or an interaction, with the matching snippet."""

    kind: str  # contact | interaction
    id: int
    contact_id: int
    contact_name: str
    at: datetime | None
    rank: float  # bm25: lower is better, comparable within one kind
    snippet: str


class DuplicatePair(NamedTuple):
    """Two contacts that are probably one person, and why (``minicrm dupes``)."""

    id: int
    name: str
    other_id: int
    other_name: str
    reason: str  # "same email ann@x.example; similar name (92) and same organisation"
    score: int  # 100 for a shared email or phone; the name similarity otherwise


class MergeResult(NamedTuple):
    """What ``minicrm merge KEEP OTHER`` moved onto KEEP before deleting OTHER."""

    id: int
    name: str
    merged_id: int
    merged_name: str
    interactions: int
    reminders: int
    stage_changes: int
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    fields: tuple[str, ...] = ()  # keys taken from OTHER
    filled: tuple[str, ...] = ()  # org, birthday, note taken from OTHER


# ------------------------------------------------------------------ insight

DEAL_STAGES = ("lead", "proposal", "negotiation", "won", "lost")


class Referral(NamedTuple):
    """A referral: who introduced whom (``log A referral --referred B``)."""

    id: int  # the referral interaction's id
    at: datetime
    referrer_id: int
    referrer_name: str
    referred_id: int | None
    referred_name: str | None
    text: str | None = None

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


class Metric(NamedTuple):
    """One number of the report, for tsv and csv (the report flattened)."""

    section: str
    key: str
    value: str

DUE_KINDS = ("reminder", "cadence", "deal", "reorder", "occasion")


class DueItem(NamedTuple):
    """One line of the ranked morning list.

    The first fields are a reminder's, so scripts written for reminders keep
    working; ``kind``, ``item_id``, ``reason`` and ``urgency`` come last. ``id`` is
    the reminder id, and null for the other kinds. ``item_id`` names the item as
    ``kind:number`` (the reminder, the contact for cadence and reorder, the deal,
    the occasion); ``minicrm done`` and ``snooze`` take it for every kind.
    """

    id: int | None
    uid: str
    contact_id: int
    contact_name: str
    contact_email: str | None
    contact_phone: str | None
    text: str
    due_on: date
    due_time: time | None = None
    rule: str | None = None
    status: str = "open"
    state: str = "upcoming"  # overdue | today | upcoming
    days_late: int = 0
    snoozed: bool = False
    done_at: datetime | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    kind: str = "reminder"  # reminder | cadence | deal | reorder | occasion
    item_id: str = ""  # "reminder:5", "cadence:12" (contact), "deal:3", "reorder:7" (contact), "occasion:2"
    reason: str = ""
    urgency: int = 0


class Cadence(NamedTuple):
    """A keep-in-touch cadence, on a contact or on a tag."""

    target: str  # contact | tag
    contact_id: int | None
    name: str  # the contact's name, or the tag
    days: int | None  # None: cleared
    next_touch_on: date | None = None


class Segment(NamedTuple):
    """A saved filter of ``minicrm list``, re-evaluated at each use."""

    name: str
    filters: dict[str, object]
    contacts: int  # how many match now
    created_at: datetime | None = None


class ScorePart(NamedTuple):
    """One line of ``score --explain``: where some of a contact's points came from."""

    contact_id: int
    part: str  # recency | frequency | orders | value | stage | tag:NAME | total
    detail: str
    points: float


class Weight(NamedTuple):
    name: str
    weight: float


class Occasion(NamedTuple):
    """A yearly date (birthday, anniversary) with a lead time."""

    id: int
    uid: str
    contact_id: int
    contact_name: str
    label: str
    date: str  # YYYY-MM-DD, or --MM-DD without a year
    lead_days: int
    note: str | None
    next_on: date
    notify_on: date


def on_year(month_day: str, year: int) -> date:
    """``MM-DD`` in ``year``; 29 February falls on 28 February in other years."""
    month, day = int(month_day[:2]), int(month_day[3:])
    if (month, day) == (2, 29):
        try:
            return date(year, 2, 29)
        except ValueError:
            return date(year, 2, 28)
    return date(year, month, day)


def next_yearly(stored: str, today: date) -> date:
    """The next date on or after ``today`` of a yearly date stored as ``[YYYY-]MM-DD``."""
    month_day = stored[-5:]
    this_year = on_year(month_day, today.year)
    return this_year if this_year >= today else on_year(month_day, today.year + 1)


class Setting(NamedTuple):
    """One business setting (``minicrm config``): its value in force and where that comes from."""

    key: str  # region, currency, date_order, decimal, mail.host, mail.port ...
    value: str | None  # None: not set anywhere
    source: str  # database | environment | locale | default
    description: str = ""


class DigestSent(NamedTuple):
    """A digest delivered through one channel (``minicrm digest --log``)."""

    sent_at: datetime
    day: date  # the day the digest covered (its first day for a week)
    span: str  # day | week
    channel: str  # notify | mail | command:PROG
    items: int  # how many items it listed
    format: str  # text | markdown | html | json


_FOLD_EXTRA = str.maketrans({"ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "æ": "ae", "œ": "oe", "ı": "i"})


def fold(text: str) -> str:
    """``text`` as names are matched: case and accents ignored (``Zoë Müller`` -> ``zoe muller``)."""
    import unicodedata

    # Unicode's compatibility caseless match (NFKD(casefold(NFKD(casefold(NFD(x)))))): casefolding
    # once is not enough, since a compatibility form can decompose to an upper-case letter (𝐀 -> A).
    folded = unicodedata.normalize("NFD", str(text)).casefold()
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", folded).casefold().translate(_FOLD_EXTRA))
    return "".join(ch for ch in folded if not unicodedata.combining(ch)).translate(_FOLD_EXTRA)


_JSON_UNSAFE = re.compile(r"[\x7f-\x9f\u2028\u2029]")


def json_safe(text: str) -> str:
    """JSON text with DEL, the C1 controls and U+2028/U+2029 written as ``\\uXXXX`` escapes, as
    every JSON minicrm writes has them (``--json`` and exports alike): still the same JSON, but
    nothing a terminal or a JavaScript parser would act on."""
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
