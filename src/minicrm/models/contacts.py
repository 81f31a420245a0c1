"""Contacts: the person, their stage history, the whole page ``show`` prints, and the records
of finding them (search hits, saved segments, duplicates and merges)."""

from datetime import date, datetime
from typing import Any, NamedTuple

from minicrm.models.activity import Interaction
from minicrm.models.reminders import Reminder

STAGES = ("awareness", "consideration", "purchase", "retention", "advocacy")


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


class StageChange(NamedTuple):
    id: int
    contact_id: int
    from_stage: str | None
    to_stage: str
    at: datetime
    source: str  # add | user | rule


class ContactDetail(NamedTuple):
    """What ``show`` prints: one contact, the whole page."""

    contact: Contact
    interactions: tuple[Interaction, ...]
    reminders: tuple[Reminder, ...]
    stage_history: tuple[StageChange, ...]
    consent: tuple[Any, ...] = ()  # Consent records (privacy): the current state, one per purpose
    value: Any = None  # a CustomerValue (lifetime value, orders, average, usual gap), None before any order
    score: float | None = None
    cadence_days: int | None = None  # the keep-in-touch cadence in force (own, else their tags')
    next_touch_on: date | None = None
    deals: tuple[Any, ...] = ()  # open deals
    occasions: tuple[Any, ...] = ()
    interactions_more: int = 0  # how many older interactions ``history`` has beyond ``interactions``


class SearchHit(NamedTuple):
    """One ``search`` result: a contact or an interaction, with the matching snippet."""

    kind: str  # contact | interaction
    id: int
    contact_id: int
    contact_name: str
    at: datetime | None
    rank: float  # bm25: lower is better, comparable within one kind
    snippet: str


class Segment(NamedTuple):
    """A saved filter of ``minicrm list``, re-evaluated at each use."""

    name: str
    filters: dict[str, object]
    contacts: int  # how many match now
    created_at: datetime | None = None


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


_FOLD_EXTRA = str.maketrans({"ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "æ": "ae", "œ": "oe", "ı": "i"})


def fold(text: str) -> str:
    """``text`` as names are matched: case and accents ignored (``Zoë Müller`` -> ``zoe muller``)."""
    import unicodedata

    # Unicode's compatibility caseless match (NFKD(casefold(NFKD(casefold(NFD(x)))))): casefolding
    # once is not enough, since a compatibility form can decompose to an upper-case letter (𝐀 -> A).
    folded = unicodedata.normalize("NFD", str(text)).casefold()
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", folded).casefold().translate(_FOLD_EXTRA))
    return "".join(ch for ch in folded if not unicodedata.combining(ch)).translate(_FOLD_EXTRA)
