"""Use cases and business rules.

Every function takes the store and an explicit ``now`` (an aware local
datetime) and returns models; nothing here prints, reads the clock or the
environment. User input is checked and normalised here, so every entry point
(CLI today, import tomorrow) gets the same rules.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from minicrm import dates, lifecycle
from minicrm.errors import Ambiguous, Conflict, InvalidValue, NotFound
from minicrm.models import KINDS, STAGES, Contact, ContactDetail, Interaction, Reminder
from minicrm.store import SORTS, ContactQuery, Store

MAX_LINE = 200  # names, organisations, reminder texts
MAX_BLOCK = 100_000  # notes and interaction texts
MAX_AMOUNT = Decimal("1e12")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_LINE_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_EMAIL = re.compile(r"^[^@\s,;<>()\[\]\"]+@[^@\s,;<>()\[\]\"]+\.[^@\s,;<>()\[\]\".]{2,}$")
_PHONE = re.compile(r"^\+?[0-9 ().\-/]+(?:\s*(?:x|ext\.?)\s*[0-9]+)?$")
_TAG = re.compile(r"^[^\s,]+$")
_FIELD_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]{0,63}$")


# ------------------------------------------------------------------ input checks


def clean_line(value: str, what: str, *, required: bool = True, limit: int = MAX_LINE) -> str | None:
    """A one-line text field: trimmed, no control characters, not too long."""
    text = str(value).strip() if value is not None else ""
    if _LINE_CONTROL.search(text):
        raise InvalidValue(f"the {what} contains a control character (such as a tab, newline or escape)",
                           f"Type the {what} as plain text")  # fmt: skip
    if not text:
        if required:
            raise InvalidValue(f"the {what} is empty", f"Give a {what}")
        return None
    if len(text) > limit:
        raise InvalidValue(f"the {what} is {len(text)} characters long", f"Keep it to {limit}")
    return text


def clean_block(value: str | None, what: str) -> str | None:
    """A multi-line text (note, interaction text): tabs and newlines allowed."""
    if value is None:
        return None
    text = str(value).replace("\r\n", "\n").replace("\r", "\n").strip()
    if _CONTROL.search(text):
        raise InvalidValue(f"the {what} contains a control character (such as an escape or NUL)",
                           f"Remove it from the {what}")  # fmt: skip
    if len(text) > MAX_BLOCK:
        raise InvalidValue(f"the {what} is {len(text)} characters long", f"Keep it to {MAX_BLOCK}")
    return text or None


def normalise_email(value: str) -> str:
    email = str(value).strip().lower()
    if len(email) > 254 or not _EMAIL.match(email):
        raise InvalidValue(f"{value!r} is not an email address", "Use the form name@example.com")
    return email


def normalise_phone(value: str) -> str:
    phone = " ".join(str(value).split())
    digits = sum(ch.isdigit() for ch in phone)
    if len(phone) > 40 or digits < 3 or not _PHONE.match(phone):
        raise InvalidValue(f"{value!r} is not a phone number", "Use digits, spaces and + - ( ), e.g. +44 20 7946 0958")
    return phone


def normalise_tag(value: str) -> str:
    tag = str(value).strip().lower()
    if not tag or len(tag) > 50 or not _TAG.match(tag) or _LINE_CONTROL.search(tag):
        raise InvalidValue(f"{value!r} is not a tag", "Tags are single words without commas, e.g. gluten-free")
    return tag


def choose(value: str, options: Sequence[str], what: str) -> str:
    """``value`` as one of ``options``: exact, or a unique prefix, case-insensitive."""
    key = str(value).strip().lower()
    if key in options:
        return key
    matches = [option for option in options if key and option.startswith(key)]
    if len(matches) == 1:
        return matches[0]
    raise InvalidValue(f"{value!r} is not a {what}", f"Use one of: {', '.join(options)}")


def parse_amount(value: str | float | Decimal | None) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        raise InvalidValue(f"{value!r} is not an amount", "Use a number such as 12.50") from None
    if not amount.is_finite() or abs(amount) >= MAX_AMOUNT:
        raise InvalidValue(f"{value!r} is not an amount", "Use a number such as 12.50")
    if amount != amount.quantize(Decimal("0.01")):
        raise InvalidValue(f"{value!r} has more than two decimals", "Round it to cents, e.g. 12.50")
    return amount.quantize(Decimal("0.01"))


def parse_fields(pairs: Iterable[str]) -> dict[str, str | None]:
    """``KEY=VALUE`` pairs; an empty value (``KEY=``) means remove the field."""
    fields: dict[str, str | None] = {}
    for pair in pairs:
        key, sep, value = str(pair).partition("=")
        key = key.strip()
        if not sep or not _FIELD_KEY.match(key):
            raise InvalidValue(f"{pair!r} is not a KEY=VALUE field", "Use e.g. --field allergy=nuts")
        fields[key] = clean_line(value, f"field {key}", required=False)
    return fields


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _check_emails_free(store: Store, emails: Iterable[str], contact_id: int | None = None) -> None:
    for email in emails:
        owners = [owner for owner in store.contact_ids_by_email(email) if owner != contact_id]
        if owners:
            other = store.get_contact(owners[0])
            raise Conflict(f"{email} already belongs to contact {other.id} ({other.name})",
                           f"Use: minicrm edit {other.id} ...")  # fmt: skip


# ------------------------------------------------------------------ contacts


def resolve_contact(store: Store, ref: str) -> Contact:
    """Find the one contact ``ref`` means: an id, an exact email, or a name or part of one."""
    text = str(ref).strip()
    if not text:
        raise InvalidValue("the contact is empty", "Give an id, an email or a name")
    if text.isdigit():
        contact = store.get_contact(int(text))
        if contact is None:
            raise NotFound(f"there is no contact with id {text}", "Try: minicrm list")
        return contact
    if "@" in text:
        ids = store.contact_ids_by_email(text.lower())
        if len(ids) == 1:
            return store.get_contact(ids[0])
    folded = text.casefold()
    candidates = store.contacts_named(folded, exact=True, limit=11)
    if not candidates:
        candidates = store.contacts_named(folded, exact=False, limit=11)
    if len(candidates) == 1:
        return store.get_contact(candidates[0][0])
    if not candidates:
        raise NotFound(f'no contact matches "{text}"', f'Try: minicrm list --search "{text}"')
    shown = ", ".join(f"{cid} {name}" for cid, name in candidates[:10])
    more = " and more" if len(candidates) > 10 else ""
    raise Ambiguous(f'"{text}" matches several contacts: {shown}{more}', "Use the id")


def add_contact(store: Store, now: datetime, name: str, *, emails: Sequence[str] = (),
                phones: Sequence[str] = (), org: str | None = None, tags: Sequence[str] = (),
                stage: str | None = None, birthday: str | None = None, note: str | None = None,
                fields: Sequence[str] = ()) -> Contact:  # fmt: skip
    clean_name = clean_line(name, "name")
    clean_emails = _unique(normalise_email(e) for e in emails)
    clean_phones = _unique(normalise_phone(p) for p in phones)
    clean_stage = choose(stage, STAGES, "stage") if stage else STAGES[0]
    custom = {k: v for k, v in parse_fields(fields).items() if v is not None}
    values = dict(
        name=clean_name,
        org=clean_line(org, "organisation", required=False) if org is not None else None,
        stage=clean_stage,
        birthday=dates.parse_birthday(birthday) if birthday else None,
        note=clean_block(note, "note"),
        fields=custom,
        emails=clean_emails,
        phones=clean_phones,
        tags=_unique(normalise_tag(t) for t in tags),
    )
    with store.write():
        _check_emails_free(store, clean_emails)
        contact_id = store.insert_contact(at=now, **values)
        store.insert_stage_change(contact_id, None, clean_stage, now, "add")
    return store.get_contact(contact_id)


def edit_contact(store: Store, now: datetime, contact: Contact, *, name: str | None = None,
                 emails: Sequence[str] = (), remove_emails: Sequence[str] = (),
                 phones: Sequence[str] = (), remove_phones: Sequence[str] = (),
                 org: str | None = None, tags: Sequence[str] = (), remove_tags: Sequence[str] = (),
                 stage: str | None = None, birthday: str | None = None, note: str | None = None,
                 fields: Sequence[str] = ()) -> Contact:  # fmt: skip
    """Change what is given. An empty ``org``, ``birthday`` or ``note`` clears it."""
    columns: dict[str, object] = {}
    if name is not None:
        columns["name"] = clean_line(name, "name")
    if org is not None:
        columns["org"] = clean_line(org, "organisation", required=False)
    if birthday is not None:
        columns["birthday"] = dates.parse_birthday(birthday) if birthday.strip() else None
    if note is not None:
        columns["note"] = clean_block(note, "note")
    if fields:
        merged = dict(contact.fields)
        for key, value in parse_fields(fields).items():
            if value is None:
                merged.pop(key, None)
            else:
                merged[key] = value
        columns["fields"] = merged

    def merge(current: Sequence[str], add: Iterable[str], remove: Iterable[str], what: str) -> list[str] | None:
        add, remove = list(add), list(remove)
        if not add and not remove:
            return None
        missing = [value for value in remove if value not in current]
        if missing:
            raise InvalidValue(f"{contact.name} has no {what} {missing[0]!r}",
                               f"Their {what}s: {', '.join(current) or 'none'}")  # fmt: skip
        return _unique([v for v in current if v not in remove] + add)

    new_emails = merge(contact.emails, map(normalise_email, emails), map(normalise_email, remove_emails), "email")
    new_phones = merge(contact.phones, map(normalise_phone, phones), map(normalise_phone, remove_phones), "phone")
    new_tags = merge(contact.tags, map(normalise_tag, tags), map(normalise_tag, remove_tags), "tag")
    new_stage = choose(stage, STAGES, "stage") if stage else None
    with store.write():
        if new_emails:
            _check_emails_free(store, new_emails, contact.id)
        if columns or any(v is not None for v in (new_emails, new_phones, new_tags)):
            store.update_contact(contact.id, now, **columns)
            store.replace_lists(contact.id, emails=new_emails, phones=new_phones, tags=new_tags)
        if new_stage and new_stage != contact.stage:
            _change_stage(store, now, contact.id, contact.stage, new_stage, "user")
    return store.get_contact(contact.id)


def _change_stage(store: Store, now: datetime, contact_id: int, old: str, new: str, source: str) -> None:
    store.update_contact(contact_id, now, stage=new)
    store.insert_stage_change(contact_id, old, new, now, source)


def set_stage(store: Store, now: datetime, contact: Contact, stage: str) -> tuple[Contact, bool]:
    """Move a contact to ``stage`` (history kept). Returns the contact and whether it moved."""
    new = choose(stage, STAGES, "stage")
    if new == contact.stage:
        return contact, False
    with store.write():
        _change_stage(store, now, contact.id, contact.stage, new, "user")
    return store.get_contact(contact.id), True


def delete_contact(store: Store, contact: Contact) -> None:
    with store.write():
        store.delete_contact(contact.id)


def _contact_query(now: datetime, *, tags: Sequence[str] = (), stage: str | None = None,
                   org: str | None = None, search: str | None = None, stale_days: int | None = None,
                   sort: str = "name", limit: int | None = None) -> ContactQuery:  # fmt: skip
    descending = sort.startswith("-")
    key = sort.lstrip("-").replace("-", "_")
    if key not in SORTS:
        raise InvalidValue(f"cannot sort by {sort!r}", f"Use one of: {', '.join(SORTS)} (prefix - to reverse)")
    if stale_days is not None and stale_days < 0:
        raise InvalidValue("--stale takes a number of days (0 or more)", "E.g. --stale 30")
    if limit is not None and limit < 0:
        raise InvalidValue("--limit takes a number (0 or more)", "E.g. --limit 50")
    return ContactQuery(
        tags=tuple(normalise_tag(t) for t in tags),
        stage=choose(stage, STAGES, "stage") if stage else None,
        org=org.strip() if org else None,
        search=search.strip() if search and search.strip() else None,
        stale_before=(now - timedelta(days=stale_days)) if stale_days is not None else None,
        sort=key,
        descending=descending,
        limit=limit,
        now=now,
    )


def list_contacts(store: Store, now: datetime, **filters: object) -> Iterator[Contact]:
    """Contacts matching the filters of ``minicrm list`` (see ``_contact_query``)."""
    return store.list_contacts(_contact_query(now, **filters))


def count_contacts(store: Store, now: datetime, **filters: object) -> int:
    return store.count_contacts(_contact_query(now, **filters))


def show_contact(store: Store, now: datetime, contact: Contact, recent: int = 10) -> ContactDetail:
    today = now.date()
    return ContactDetail(
        contact=contact,
        interactions=tuple(store.list_interactions(contact_id=contact.id, limit=recent)),
        reminders=tuple(with_state(r, today) for r in store.open_reminders(contact_id=contact.id)),
        stage_history=tuple(store.stage_history(contact.id)),
    )


# ------------------------------------------------------------------ interactions


def log_interaction(store: Store, now: datetime, contact: Contact, kind: str, text: str | None = None,
                    *, at: str | None = None, amount: str | None = None,
                    referred: Contact | None = None) -> Interaction:  # fmt: skip
    """Record an interaction and apply the lifecycle rules (``lifecycle``) in the same transaction."""
    clean_kind = choose(kind, KINDS, "kind of interaction")
    clean_text = clean_block(text, "text")
    moment = dates.parse_when(at, now, prefer="past").instant(now) if at else now
    value = parse_amount(amount)
    if referred is not None:
        if clean_kind != "referral":
            raise InvalidValue("--referred goes with a referral", f"Use: minicrm log {contact.id} referral --referred ...")
        if referred.id == contact.id:
            raise InvalidValue(f"{contact.name} cannot refer themselves", "Name the contact they introduced")
    with store.write():
        interaction_id = store.insert_interaction(
            contact_id=contact.id, kind=clean_kind, at=moment, text=clean_text, amount=value, created=now
        )
        if referred is not None:
            store.set_referred(interaction_id, referred.id)
        lifecycle.apply_rules(store, now, contact.id, clean_kind)
    return store.get_interaction(interaction_id)


def history(store: Store, now: datetime, contact: Contact | None = None, *, kinds: Sequence[str] = (),
            since: str | None = None, until: str | None = None,
            limit: int | None = None) -> Iterator[Interaction]:  # fmt: skip
    start = dates.parse_when(since, now, prefer="past").start() if since else None
    end = dates.parse_when(until, now, prefer="past").end() if until else None
    if start and end and start > end:
        raise InvalidValue("--since is later than --until", "Swap them")
    return store.list_interactions(
        contact_id=contact.id if contact else None,
        kinds=[choose(k, KINDS, "kind of interaction") for k in kinds],
        since=start,
        until=end,
        limit=limit,
    )


# ------------------------------------------------------------------ reminders


def with_state(reminder: Reminder, today: date) -> Reminder:
    """The reminder with ``state`` and ``days_late`` seen from ``today``."""
    if reminder.status == "done":
        return replace(reminder, state="done", days_late=0)
    late = (today - reminder.due_on).days
    state = "overdue" if late > 0 else "today" if late == 0 else "upcoming"
    return replace(reminder, state=state, days_late=max(late, 0))


def add_reminder(store: Store, now: datetime, contact: Contact, text: str, on: str,
                 every: str | None = None) -> Reminder:  # fmt: skip
    clean_text = clean_line(text, "reminder text", limit=1000)
    when = dates.parse_when(on, now, prefer="future")
    rule = str(dates.parse_rule(every)) if every else None
    with store.write():
        reminder_id = store.insert_reminder(
            contact_id=contact.id, text=clean_text, due_on=when.day, due_time=when.time, rule=rule, created=now
        )
    return with_state(store.get_reminders([reminder_id])[reminder_id], now.date())


def due(store: Store, now: datetime, *, overdue: bool = False, today: bool = False,
        week: bool = False) -> list[Reminder]:  # fmt: skip
    """The morning list. No flag: overdue and due today. ``week``: through 7 days from today, overdue included."""
    day = now.date()
    if not (overdue or today or week):
        overdue = today = True
    due_from = None if (overdue or week) else day
    due_until = day + timedelta(days=7) if week else day if today else day - timedelta(days=1)
    return [with_state(r, day) for r in store.open_reminders(due_from=due_from, due_until=due_until)]


def _reminders(store: Store, ids: Iterable[int]) -> list[Reminder]:
    wanted = _unique(ids)
    found = store.get_reminders(wanted)
    missing = [i for i in wanted if i not in found]
    if missing:
        raise NotFound(f"there is no reminder with id {missing[0]}", "Try: minicrm due --week")
    return [found[i] for i in wanted]


def complete(store: Store, now: datetime, ids: Iterable[int]) -> list[Reminder]:
    """Mark reminders done; a recurring one rolls forward to its next date instead."""
    today = now.date()
    reminders = _reminders(store, ids)
    with store.write():
        for reminder in reminders:
            if reminder.status == "done":
                raise Conflict(f"reminder {reminder.id} is already done", "See: minicrm due")
            anchor, scheduled = store.reminder_schedule(reminder.id)
            store.add_completion(reminder.id, scheduled, now)
            if reminder.rule:
                following = dates.next_occurrence(anchor, dates.parse_rule(reminder.rule), max(scheduled, today))
                store.update_reminder(reminder.id, now, due_on=following, scheduled_on=following, snoozed=False)
            else:
                store.update_reminder(reminder.id, now, status="done", done_at=now)
    updated = store.get_reminders([r.id for r in reminders])
    return [with_state(updated[r.id], today) for r in reminders]


def snooze(store: Store, now: datetime, reminder_id: int, until: str) -> Reminder:
    """Postpone a reminder; its recurrence still counts from the original date."""
    (reminder,) = _reminders(store, [reminder_id])
    if reminder.status == "done":
        raise Conflict(f"reminder {reminder.id} is already done", "Only open reminders can be snoozed")
    when = dates.parse_when(until, now, prefer="future")
    if when.day < now.date() or (when.time and when.start() <= now):
        raise InvalidValue(f"{until!r} is in the past", "Snooze to a later time, e.g. --until tomorrow")
    with store.write():
        store.update_reminder(
            reminder.id, now, due_on=when.day, due_time=when.time or reminder.due_time, snoozed=True
        )
    return with_state(store.get_reminders([reminder.id])[reminder.id], now.date())
