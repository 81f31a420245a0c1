"""Contacts: resolving a CONTACT reference, adding, editing, staging, deleting, listing, showing.

Every function takes the store and an explicit ``now`` where time matters, and
returns models; nothing here prints, reads the clock or the environment.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime, timedelta

from minicrm import dates, recurrence
from minicrm.errors import Ambiguous, Conflict, InvalidValue, NotFound
from minicrm.models import STAGES, Contact, ContactDetail, ScoredContact, fold
from minicrm.services import privacy
from minicrm.services.values import (MAX_DAYS, MAX_ID, ValueWarning, check_phone, choose, clean_block, clean_line,
                                     normalise_email, normalise_phone, normalise_purpose, normalise_tag,
                                     parse_fields, search_text, unique)
from minicrm.store import Store
from minicrm.store.api import CONTACT_SORTS, PLACEHOLDER_UID, ContactQuery

# The custom field in which an import keeps a card's structured name (N: family;given;...) when the
# name alone cannot say it; a new name drops it, so that an export derives N from the new name.
N_FIELD = "vcard_n"


def _check_emails_free(store: Store, emails: Iterable[str], contact_id: int | None = None) -> None:
    for email in emails:
        owners = [owner for owner in store.contacts.ids_by_email(email) if owner != contact_id]
        if owners:
            other = store.contacts.get(owners[0])
            raise Conflict(f"{email} already belongs to contact {other.id} ({other.name})",
                           f"Use: minicrm edit {other.id} ...")  # fmt: skip


def resolve(store: Store, ref: str) -> Contact:
    """Find the one contact ``ref`` means: an id, an exact email, or a name or part of one."""
    text = str(ref).strip()
    if not text:
        raise InvalidValue("the contact is empty", "Give an id, an email or a name")
    if text.isascii() and text.isdigit():
        contact = store.contacts.get(int(text)) if int(text) <= MAX_ID else None
        if contact is None or contact.uid == PLACEHOLDER_UID:  # erased people are never shown as one
            raise NotFound(f"there is no contact with id {text}", "Try: minicrm list")
        return contact
    if "@" in text:
        ids = store.contacts.ids_by_email(text.lower())
        if len(ids) == 1:
            return store.contacts.get(ids[0])
    folded = fold(text)
    candidates = store.contacts.named(folded, exact=True, limit=11)
    if not candidates:
        candidates = store.contacts.named(folded, exact=False, limit=11)
    if len(candidates) == 1:
        return store.contacts.get(candidates[0][0])
    if not candidates:
        raise NotFound(f'no contact matches "{text}"', f'Try: minicrm list --search "{text}"')
    shown = ", ".join(f"{cid} {name}" for cid, name in candidates[:10])
    more = " and more" if len(candidates) > 10 else ""
    raise Ambiguous(f'"{text}" matches several contacts: {shown}{more}', "Use the id")


def validate(name: str, *, emails: Sequence[str] = (), phones: Sequence[str] = (),
             org: str | None = None, tags: Sequence[str] = (), stage: str | None = None,
             birthday: str | None = None, note: str | None = None,
             fields: dict[str, str | None] | None = None, region: str | None = None,
             today: date | None = None, strict: bool = False,
             date_order: str | None = None) -> tuple[dict, list[ValueWarning]]:  # fmt: skip
    """A contact's values checked and normalised, and what was kept unverified: the rules ``add`` and ``import`` share.

    Returns ``(values, warnings)``: ``values`` are the store's keyword arguments
    (``unverified_phones`` lists the phones kept as typed), ``warnings`` one
    ``ValueWarning`` per such phone, for the caller to report. ``strict`` refuses a
    phone that cannot be placed instead. ``today`` (when given) refuses birthdays in
    the future; ``date_order`` reads a slashed birthday (``slashed.slashed``).
    """
    checked_phones, warnings = check_phones(phones, region, strict=strict)
    values = dict(
        name=clean_line(name, "name"),
        org=clean_line(org, "organisation", required=False) if org is not None else None,
        stage=choose(stage, STAGES, "stage") if stage else STAGES[0],
        birthday=recurrence.parse_birthday(birthday, today, date_order) if birthday else None,
        note=clean_block(note, "note"),
        fields={k: v for k, v in (fields or {}).items() if v is not None},
        emails=unique(normalise_email(e) for e in emails),
        phones=unique(checked_phones),
        tags=unique(normalise_tag(t) for t in tags),
        unverified_phones=[w.value for w in warnings],
    )
    return values, warnings


def check_phones(phones: Iterable[str], region: str | None, *,
                 strict: bool = False) -> tuple[list[str], list[ValueWarning]]:  # fmt: skip
    """Phones as stored (E.164, or as typed when they cannot be placed) and a warning for each kept as typed."""
    stored: list[str] = []
    warnings: list[ValueWarning] = []
    for phone in phones:
        if strict:
            stored.append(normalise_phone(phone, region))
            continue
        value, why = check_phone(phone, region)
        stored.append(value)
        if why and value not in (w.value for w in warnings):
            warnings.append(ValueWarning("phone", value, why))
    return stored, warnings


def add(store: Store, now: datetime, name: str, *, emails: Sequence[str] = (),
        phones: Sequence[str] = (), org: str | None = None, tags: Sequence[str] = (),
        stage: str | None = None, birthday: str | None = None, note: str | None = None,
        fields: Sequence[str] = (), region: str | None = None, force: bool = False,
        warnings: list[ValueWarning] | None = None, date_order: str | None = None) -> Contact:  # fmt: skip
    """Create a contact. Refuses an email or phone of an erased person unless ``force``.

    A phone kept as typed is added to ``warnings`` (when given), for the caller to report.
    """
    values, kept = validate(name, emails=emails, phones=phones, org=org, tags=tags, stage=stage,
                      birthday=birthday, note=note, fields=parse_fields(fields), region=region,
                      today=now.date(), date_order=date_order)  # fmt: skip
    if warnings is not None:
        warnings.extend(kept)
    with store.write():
        _check_emails_free(store, values["emails"])
        if not force:
            privacy.check_not_erased(store, values["emails"], values["phones"])
        contact_id = store.contacts.add(at=now, **values)
        store.contacts.add_stage_change(contact_id, None, values["stage"], now, "add")
    return store.contacts.get(contact_id)


def edit(store: Store, now: datetime, contact: Contact, *, name: str | None = None,
         emails: Sequence[str] = (), remove_emails: Sequence[str] = (),
         phones: Sequence[str] = (), remove_phones: Sequence[str] = (),
         org: str | None = None, tags: Sequence[str] = (), remove_tags: Sequence[str] = (),
         stage: str | None = None, birthday: str | None = None, note: str | None = None,
         fields: Sequence[str] = (), region: str | None = None,
         warnings: list[ValueWarning] | None = None, date_order: str | None = None) -> Contact:  # fmt: skip
    """Change what is given. An empty ``org``, ``birthday`` or ``note`` clears it. A new name drops
    the structured name an import kept (``N_FIELD``), unless ``fields`` sets it again.

    A phone added as typed (libphonenumber could not place it) is added to ``warnings``
    (when given); a phone to remove is matched as stored, E.164 or as typed.
    """
    columns: dict[str, object] = {}
    if name is not None:
        columns["name"] = clean_line(name, "name")
    if org is not None:
        columns["org"] = clean_line(org, "organisation", required=False)
    if birthday is not None:
        columns["birthday"] = recurrence.parse_birthday(birthday, now.date(), date_order) if birthday.strip() else None
    if note is not None:
        columns["note"] = clean_block(note, "note")
    field_changes = parse_fields(fields) if fields else {}
    add_emails, drop_emails = list(map(normalise_email, emails)), list(map(normalise_email, remove_emails))
    added_phones, kept = check_phones(phones, region)
    add_tags, drop_tags = list(map(normalise_tag, tags)), list(map(normalise_tag, remove_tags))
    new_stage = choose(stage, STAGES, "stage") if stage else None
    if warnings is not None:
        warnings.extend(kept)

    with store.write():
        # Read what is there inside the write transaction: another edit at the same moment
        # waits for this one, and then adds to what this one wrote (no lost update).
        current = store.contacts.get(contact.id)
        if current is None:
            raise NotFound(f"contact {contact.id} ({contact.name}) was deleted meanwhile", "See: minicrm list")

        def merge(present: Sequence[str], add: list[str], remove: list[str], what: str) -> list[str] | None:
            if not add and not remove:
                return None
            missing = [value for value in remove if value not in present]
            if missing:
                raise InvalidValue(f"{current.name} has no {what} {missing[0]!r}",
                                   f"Their {what}s: {', '.join(present) or 'none'}")  # fmt: skip
            return unique([v for v in present if v not in remove] + add)

        if "name" in columns and columns["name"] != current.name and N_FIELD in current.fields:
            field_changes.setdefault(N_FIELD, None)  # the card's N named the old name
        if field_changes:
            merged = dict(current.fields)
            for key, value in field_changes.items():
                if value is None:
                    merged.pop(key, None)
                else:
                    merged[key] = value
            columns["fields"] = merged
        new_emails = merge(current.emails, add_emails, drop_emails, "email")
        removed_phones = [p if p in current.phones else check_phone(p, region)[0] for p in remove_phones]
        new_phones = merge(current.phones, added_phones, removed_phones, "phone")
        unverified_phones = unique([*(p for p in current.unverified_phones if p not in removed_phones),
                                    *(w.value for w in kept)])  # fmt: skip
        new_tags = merge(current.tags, add_tags, drop_tags, "tag")
        if new_emails:
            _check_emails_free(store, new_emails, current.id)
        if columns or any(v is not None for v in (new_emails, new_phones, new_tags)):
            store.contacts.update(current.id, now, **columns)
            store.contacts.replace_lists(current.id, emails=new_emails, phones=new_phones, tags=new_tags,
                                         unverified_phones=unverified_phones)
        if new_stage and new_stage != current.stage:
            change_stage(store, now, current.id, current.stage, new_stage, "user")
    return store.contacts.get(contact.id)


def edit_many(store: Store, now: datetime, found: Sequence[Contact], *, name: str | None = None,
              **changes) -> list[Contact]:  # fmt: skip
    """``edit`` each contact alike, all in one transaction (one change, one undo)."""
    if name is not None and len(found) > 1:
        raise InvalidValue("--name renames one contact", "Give one CONTACT to rename")
    with store.write():
        return [edit(store, now, contact, name=name, **changes) for contact in found]


def delete_many(store: Store, found: Sequence[Contact]) -> None:
    """Delete contacts, all in one transaction (one change, one undo)."""
    with store.write():
        for contact in found:
            delete(store, contact)


def resolve_many(store: Store, refs: Sequence[str]) -> list[Contact]:
    """Each CONTACT reference resolved (see ``resolve``), each contact once, in the order given."""
    found: dict[int, Contact] = {}
    for ref in refs:
        contact = resolve(store, ref)
        found.setdefault(contact.id, contact)
    return list(found.values())


def change_stage(store: Store, now: datetime, contact_id: int, old: str, new: str, source: str) -> None:
    store.contacts.update(contact_id, now, stage=new)
    store.contacts.add_stage_change(contact_id, old, new, now, source)


def set_stage(store: Store, now: datetime, contact: Contact, stage: str) -> tuple[Contact, bool]:
    """Move a contact to ``stage`` (history kept). Returns the contact and whether it moved."""
    new = choose(stage, STAGES, "stage")
    with store.write():
        current = store.contacts.stage_of(contact.id)  # read inside the write: no lost update
        if current is None:
            raise NotFound(f"contact {contact.id} ({contact.name}) was deleted meanwhile", "See: minicrm list")
        if new == current:
            return contact._replace(stage=current), False
        change_stage(store, now, contact.id, current, new, "user")
    return store.contacts.get(contact.id), True


def delete(store: Store, contact: Contact) -> None:
    with store.write():
        store.contacts.delete(contact.id)


def query(now: datetime, *, tags: Sequence[str] = (), stage: str | None = None,
          org: str | None = None, search: str | None = None, stale_days: int | None = None,
          sort: str = "name", limit: int | None = None,
          consent: str | None = None, bought: Sequence[int] | None = None,
          bought_since: str | None = None) -> ContactQuery:  # fmt: skip
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
        search=search_text(search),
        stale_before=(now - timedelta(days=stale_days)) if stale_days is not None else None,
        sort=key,
        descending=descending,
        limit=min(limit, MAX_ID) if limit is not None else None,
        consent=normalise_purpose(consent) if consent else None,
        now=now,
        bought=tuple(bought) if bought is not None else None,
        bought_since=dates.parse_when(bought_since, now, prefer="past").start() if bought_since else None,
    )


def query_for(store: Store, now: datetime, **filters: object) -> ContactQuery:
    """``query`` with ``bought`` (a product, or a product tag: ``products.bought``) resolved to products."""
    bought = filters.pop("bought", None)
    if bought is None or bought == "":
        if filters.get("bought_since"):
            raise InvalidValue("--bought-since goes with --bought", "E.g. --bought gluten-free --bought-since '90 days ago'")
        return query(now, **filters)  # type: ignore[arg-type]
    from minicrm.services import products

    ids, _ = products.bought(store, str(bought), now.date())
    return query(now, **filters, bought=ids)  # type: ignore[arg-type]


def find(store: Store, now: datetime, **filters: object) -> Iterator[Contact] | Iterator[ScoredContact]:
    """Contacts matching the filters of ``minicrm list`` (see ``query_for``); sorted by score,
    each with its score (``record_type``), as ``minicrm score`` rounds it."""
    chosen = query_for(store, now, **filters)
    if chosen.sort != "score":
        return store.contacts.list(chosen)
    return (ScoredContact(*contact, score=round(score or 0.0, 1)) for contact, score in store.contacts.scored(chosen))


def record_type(sort: str) -> type:
    """What ``list --sort SORT`` prints: contacts, with their score when sorted by it."""
    return ScoredContact if sort.lstrip("-") == "score" else Contact


def count(store: Store, now: datetime, **filters: object) -> int:
    return store.contacts.count(query_for(store, now, **filters))


def show(store: Store, now: datetime, contact: Contact, recent: int = 10) -> ContactDetail:
    """The whole page: details, stage history, value, score, cadence, open deals, occasions,
    consent, open reminders and the latest ``recent`` interactions (with how many more there are)."""
    from minicrm.services import customers, occasions, scoring

    today = now.date()
    stats = store.customers.of_contact(contact.id)
    _own, touch_days, next_touch = store.cadence.touch_of(contact.id)
    total = store.activity.count(contact.id)
    latest = tuple(store.activity.list(contact_id=contact.id, limit=recent))
    return ContactDetail(
        contact=contact,
        interactions=latest,
        reminders=tuple(store.reminders.open(contact_id=contact.id, today=today)),
        stage_history=tuple(store.contacts.stage_history(contact.id)),
        consent=tuple(store.privacy.current_consent(contact.id)),
        value=customers.customer_value(stats, now) if stats else None,
        score=scoring.breakdown(store, now, contact)[-1].points,
        cadence_days=touch_days,
        next_touch_on=dates.local(next_touch).date() if next_touch else None,
        deals=tuple(store.deals.list(stages=("lead", "proposal", "negotiation"), contact_id=contact.id)),
        occasions=tuple(sorted((occasions.current(o, today) for o in store.occasions.of_contact(contact.id)),
                               key=lambda o: (o.next_on, o.id))),  # fmt: skip
        interactions_more=max(0, total - len(latest)),
    )


# ------------------------------------------------------------------ shell completion (reads only)

COMPLETIONS = 50  # at most this many suggestions: a shell shows no more usefully


def complete_names(store: Store, typed: str) -> list[tuple[str, str]]:
    """(value, description) of the contacts whose name begins with ``typed`` (no case, no accents),
    for shell completion: the name, or the id where several contacts share the name."""
    found = store.contacts.names_starting(fold(str(typed).strip()), COMPLETIONS)
    names = [name for _, name, _ in found]
    return [(name, email or "") if names.count(name) == 1 else (str(cid), f"{name} {email or ''}".strip())
            for cid, name, email in found]  # fmt: skip


def complete_tags(store: Store, typed: str) -> list[str]:
    """Tags in use beginning with ``typed``."""
    return store.contacts.tags_starting(str(typed).strip().lower(), COMPLETIONS)
