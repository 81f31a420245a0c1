"""Use cases and business rules.

Every function takes the store and an explicit ``now`` (an aware local
datetime) and returns models; nothing here prints, reads the clock or the
environment. User input is checked and normalised here, so every entry point
(CLI today, import tomorrow) gets the same rules.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from minicrm import dates, lifecycle
from minicrm.errors import Ambiguous, Conflict, InvalidValue, NotFound
from minicrm.models import KINDS, STAGES, Contact, ContactDetail, Interaction, Reminder
from minicrm.store import Store
from minicrm.store.api import CONTACT_SORTS, ContactQuery

MAX_LINE = 200  # names, organisations, reminder texts
MAX_BLOCK = 100_000  # notes and interaction texts
MAX_AMOUNT = Decimal("1e12")
MAX_ID = 2**63 - 1  # SQLite's largest integer: a bigger id or count matches nothing
MAX_DAYS = 100 * 366
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_LINE_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
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


# An address this pattern accepts is one email-validator accepts and normalises to
# itself with the domain lowercased (tests/test_quality.py checks the agreement):
# plain ASCII dot-atoms and host names (no "xn--"-style label: those are IDNA and
# email-validator turns them into Unicode), not a special-use domain. Everything else
# goes through email-validator, which costs ~40 us an address.
_SIMPLE_EMAIL = re.compile(
    r"^(?=.{1,64}@)[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?=.{4,253}$)(?:(?![a-z0-9]{2}--)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"
)
_SPECIAL_USE = ("arpa", "invalid", "local", "localhost", "onion", "test")


def normalise_email(value: str) -> str:
    """A valid address, normalised (email-validator) and lowercased: ``Ann@Example.COM`` -> ``ann@example.com``."""
    text = str(value).strip()
    email = text.lower()
    if len(email) <= 254 and _SIMPLE_EMAIL.match(email) and email.rsplit(".", 1)[1] not in _SPECIAL_USE:
        return email
    from email_validator import EmailNotValidError, validate_email

    try:
        checked = validate_email(text, check_deliverability=False, allow_smtputf8=True)
    except EmailNotValidError as error:
        reason = str(error).rstrip(".")
        raise InvalidValue(f"{value!r} is not an email address ({reason})",
                           "Use the form name@example.com") from None  # fmt: skip
    return checked.normalized.lower()


def normalise_phone(value: str, region: str | None = None) -> str:
    """A valid phone number in E.164 (``+442079460958``), an extension as ``;ext=12``.

    ``region`` (ISO country code, e.g. ``GB``) is the country of numbers written
    without a ``+`` country code; without it such numbers are refused.
    """
    import phonenumbers

    text = " ".join(str(value).split())
    if len(text) > 40 or sum(ch.isdigit() for ch in text) < 3 or _LINE_CONTROL.search(text):
        raise InvalidValue(f"{value!r} is not a phone number", "Write it with its country code, e.g. +44 20 7946 0958")
    if text.startswith("00"):
        text = "+" + text[2:]
    if region and region.upper() not in phonenumbers.SUPPORTED_REGIONS:
        raise InvalidValue(f"{region!r} is not a country for phone numbers",
                           "Use a two-letter code such as GB, US or DE (MINICRM_REGION or --region)")  # fmt: skip
    try:
        number = phonenumbers.parse(text, region.upper() if region else None)
    except phonenumbers.NumberParseException as error:
        if error.error_type == phonenumbers.NumberParseException.INVALID_COUNTRY_CODE:
            raise InvalidValue(f"{value!r} has no country code",
                               "Write it as +<country> <number>, or set MINICRM_REGION (e.g. GB)") from None  # fmt: skip
        raise InvalidValue(f"{value!r} is not a phone number",
                           "Write it with its country code, e.g. +44 20 7946 0958") from None  # fmt: skip
    if not phonenumbers.is_valid_number(number):
        raise InvalidValue(f"{value!r} is not a valid phone number",
                           "Check the digits and the country code, e.g. +44 20 7946 0958")  # fmt: skip
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return f"{e164};ext={number.extension}" if number.extension else e164


def normalise_tag(value: str) -> str:
    tag = str(value).strip().lower()
    if not tag or len(tag) > 50 or not _TAG.match(tag) or _LINE_CONTROL.search(tag):
        raise InvalidValue(f"{value!r} is not a tag", "Tags are single words without commas, e.g. gluten-free")
    return tag


def normalise_purpose(value: str) -> str:
    """A consent purpose: one lower-case word, e.g. email-marketing or sms."""
    purpose = str(value).strip().lower()
    if not purpose or len(purpose) > 50 or not _TAG.match(purpose) or _LINE_CONTROL.search(purpose):
        raise InvalidValue(f"{value!r} is not a consent purpose", "Use one word, e.g. email-marketing or sms")
    return purpose


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


def erasure_hashes(store: Store, emails: Iterable[str] = (), phones: Iterable[str] = ()) -> list[str]:
    """Salted hashes by which an erased person is remembered (emails lower-case, phones digits only)."""
    import hashlib

    salt = store.privacy_salt()
    keys = [f"email:{e.strip().lower()}" for e in emails]
    keys += [f"phone:{''.join(ch for ch in p if ch.isdigit())}" for p in phones]
    return [hashlib.sha256(f"{salt}:{key}".encode()).hexdigest() for key in keys]


def _check_not_erased(store: Store, emails: Sequence[str], phones: Sequence[str]) -> None:
    for kind, values in (("email", emails), ("phone", phones)):
        for value in values:
            args = ([value], []) if kind == "email" else ([], [value])
            if store.erased_hashes(erasure_hashes(store, *args)):
                raise Conflict(f"the {kind} {value} belongs to a person erased at their request",
                               "Add them again only if they asked to come back: add --force")  # fmt: skip


def resolve_contact(store: Store, ref: str) -> Contact:
    """Find the one contact ``ref`` means: an id, an exact email, or a name or part of one."""
    text = str(ref).strip()
    if not text:
        raise InvalidValue("the contact is empty", "Give an id, an email or a name")
    if text.isascii() and text.isdigit():
        contact = store.get_contact(int(text)) if int(text) <= MAX_ID else None
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


def validate_contact(name: str, *, emails: Sequence[str] = (), phones: Sequence[str] = (),
                     org: str | None = None, tags: Sequence[str] = (), stage: str | None = None,
                     birthday: str | None = None, note: str | None = None,
                     fields: dict[str, str | None] | None = None, region: str | None = None,
                     today: date | None = None) -> dict:  # fmt: skip
    """A contact's values checked and normalised: the rules ``add`` and ``import`` share.

    ``today`` (when given) refuses birthdays in the future.
    """
    return dict(
        name=clean_line(name, "name"),
        org=clean_line(org, "organisation", required=False) if org is not None else None,
        stage=choose(stage, STAGES, "stage") if stage else STAGES[0],
        birthday=dates.parse_birthday(birthday, today) if birthday else None,
        note=clean_block(note, "note"),
        fields={k: v for k, v in (fields or {}).items() if v is not None},
        emails=_unique(normalise_email(e) for e in emails),
        phones=_unique(normalise_phone(p, region) for p in phones),
        tags=_unique(normalise_tag(t) for t in tags),
    )


def add_contact(store: Store, now: datetime, name: str, *, emails: Sequence[str] = (),
                phones: Sequence[str] = (), org: str | None = None, tags: Sequence[str] = (),
                stage: str | None = None, birthday: str | None = None, note: str | None = None,
                fields: Sequence[str] = (), region: str | None = None, force: bool = False) -> Contact:  # fmt: skip
    """Create a contact. Refuses an email or phone of an erased person unless ``force``."""
    values = validate_contact(name, emails=emails, phones=phones, org=org, tags=tags, stage=stage,
                              birthday=birthday, note=note, fields=parse_fields(fields), region=region,
                              today=now.date())  # fmt: skip
    with store.write():
        _check_emails_free(store, values["emails"])
        if not force:
            _check_not_erased(store, values["emails"], values["phones"])
        contact_id = store.insert_contact(at=now, **values)
        store.insert_stage_change(contact_id, None, values["stage"], now, "add")
    return store.get_contact(contact_id)


def edit_contact(store: Store, now: datetime, contact: Contact, *, name: str | None = None,
                 emails: Sequence[str] = (), remove_emails: Sequence[str] = (),
                 phones: Sequence[str] = (), remove_phones: Sequence[str] = (),
                 org: str | None = None, tags: Sequence[str] = (), remove_tags: Sequence[str] = (),
                 stage: str | None = None, birthday: str | None = None, note: str | None = None,
                 fields: Sequence[str] = (), region: str | None = None) -> Contact:  # fmt: skip
    """Change what is given. An empty ``org``, ``birthday`` or ``note`` clears it."""
    columns: dict[str, object] = {}
    if name is not None:
        columns["name"] = clean_line(name, "name")
    if org is not None:
        columns["org"] = clean_line(org, "organisation", required=False)
    if birthday is not None:
        columns["birthday"] = dates.parse_birthday(birthday, now.date()) if birthday.strip() else None
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
    new_phones = merge(contact.phones, [normalise_phone(p, region) for p in phones],
                       [normalise_phone(p, region) for p in remove_phones], "phone")
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


def contact_query(now: datetime, *, tags: Sequence[str] = (), stage: str | None = None,
                   org: str | None = None, search: str | None = None, stale_days: int | None = None,
                   sort: str = "name", limit: int | None = None,
                   consent: str | None = None) -> ContactQuery:  # fmt: skip
    descending = sort.startswith("-")
    key = sort.lstrip("-").replace("-", "_")
    if key not in CONTACT_SORTS:
        raise InvalidValue(f"cannot sort by {sort!r}", f"Use one of: {', '.join(CONTACT_SORTS)} (prefix - to reverse)")
    if stale_days is not None and not 0 <= stale_days <= MAX_DAYS:
        raise InvalidValue(f"--stale takes a number of days (0 to {MAX_DAYS})", "E.g. --stale 30")
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
        limit=min(limit, MAX_ID) if limit is not None else None,
        consent=normalise_purpose(consent) if consent else None,
        now=now,
    )


def list_contacts(store: Store, now: datetime, **filters: object) -> Iterator[Contact]:
    """Contacts matching the filters of ``minicrm list`` (see ``contact_query``)."""
    return store.list_contacts(contact_query(now, **filters))


def count_contacts(store: Store, now: datetime, **filters: object) -> int:
    return store.count_contacts(contact_query(now, **filters))


def show_contact(store: Store, now: datetime, contact: Contact, recent: int = 10) -> ContactDetail:
    today = now.date()
    return ContactDetail(
        contact=contact,
        interactions=tuple(store.list_interactions(contact_id=contact.id, limit=recent)),
        reminders=tuple(store.open_reminders(contact_id=contact.id, today=today)),
        stage_history=tuple(store.stage_history(contact.id)),
        consent=tuple(store.current_consent(contact.id)),
    )


# ------------------------------------------------------------------ interactions


def log_interaction(store: Store, now: datetime, contact: Contact, kind: str, text: str | None = None,
                    *, at: str | None = None, amount: str | None = None,
                    referred: Contact | None = None) -> Interaction:  # fmt: skip
    """Record an interaction and apply the lifecycle rules (``lifecycle``) in the same transaction."""
    clean_kind = choose(kind, KINDS, "kind of interaction")
    clean_text = clean_block(text, "text")
    moment = dates.parse_when(at, now, prefer="past").instant(now) if at else now
    if moment.date() > now.date():
        raise InvalidValue(f"--at {at} is in the future; log what has happened",
                           "For what is still to come, set a reminder: minicrm remind")  # fmt: skip
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
        limit=min(limit, MAX_ID) if limit is not None else None,
    )


# ------------------------------------------------------------------ reminders


def add_reminder(store: Store, now: datetime, contact: Contact, text: str, on: str,
                 every: str | None = None) -> Reminder:  # fmt: skip
    clean_text = clean_line(text, "reminder text", limit=1000)
    when = dates.parse_when(on, now, prefer="future")
    rule = str(dates.parse_rule(every)) if every else None
    with store.write():
        reminder_id = store.insert_reminder(
            contact_id=contact.id, text=clean_text, due_on=when.day, due_time=when.time, rule=rule, created=now
        )
    return store.get_reminders([reminder_id], today=now.date())[reminder_id]


def due(store: Store, now: datetime, *, overdue: bool = False, today: bool = False,
        week: bool = False) -> list[Reminder]:  # fmt: skip
    """The morning list. No flag: overdue and due today. ``week``: through 7 days from today, overdue included."""
    day = now.date()
    if not (overdue or today or week):
        overdue = today = True
    due_from = None if (overdue or week) else day
    due_until = day + timedelta(days=7) if week else day if today else day - timedelta(days=1)
    return store.open_reminders(due_from=due_from, due_until=due_until, today=day)


def _reminders(store: Store, ids: Iterable[int]) -> list[Reminder]:
    wanted = _unique(ids)
    found = store.get_reminders([i for i in wanted if 0 <= i <= MAX_ID])
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
    updated = store.get_reminders([r.id for r in reminders], today=today)
    return [updated[r.id] for r in reminders]


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
    return store.get_reminders([reminder.id], today=now.date())[reminder.id]
