"""People's rights over their data: consent, access, erasure.

An erased person is remembered only by salted hashes of their emails and phones,
so that adding or importing them again is noticed. Takes the store and an
explicit ``now``, returns models, never prints, never reads the clock or the
environment.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from minicrm import dates
from minicrm.errors import Conflict, InvalidValue
from minicrm.models import AccessReport, Consent, Contact, Erasure
from minicrm.services.values import choose, clean_line, normalise_purpose
from minicrm.store import Store
from minicrm.store.api import Trace

PLACEHOLDER = "(erased people)"


def erasure_hashes(store: Store, emails: Iterable[str] = (), phones: Iterable[str] = ()) -> list[str]:
    """Salted hashes by which an erased person is remembered (emails lower-case, phones digits only)."""
    import hashlib

    salt = store.privacy.salt()
    keys = [f"email:{e.strip().lower()}" for e in emails]
    keys += [f"phone:{''.join(ch for ch in p if ch.isdigit())}" for p in phones]
    return [hashlib.sha256(f"{salt}:{key}".encode()).hexdigest() for key in keys]


def check_not_erased(store: Store, emails: Sequence[str], phones: Sequence[str]) -> None:
    for kind, values in (("email", emails), ("phone", phones)):
        for value in values:
            args = ([value], []) if kind == "email" else ([], [value])
            if store.privacy.erased_hashes(erasure_hashes(store, *args)):
                raise Conflict(f"the {kind} {value} belongs to a person erased at their request",
                               "Add them again only if they asked to come back: add --force")  # fmt: skip


def record_consent(store: Store, now: datetime, contact: Contact, action: str, purpose: str, *,
                   source: str | None = None, at: str | None = None, date_order: str | None = None) -> Consent:  # fmt: skip
    """Record that ``contact`` granted or revoked consent for ``purpose`` (history is kept)."""
    granted = choose(action, ("grant", "revoke"), "consent action") == "grant"
    clean_purpose = normalise_purpose(purpose)
    clean_source = clean_line(source, "source", required=False) if source is not None else None
    moment = dates.parse_when(at, now, prefer="past", order=date_order).instant(now) if at else now
    if moment > now:
        raise InvalidValue(f"{at!r} is in the future", "Consent is recorded when it was given, e.g. --at today")
    with store.write():
        consent_id = store.privacy.add_consent(contact_id=contact.id, purpose=clean_purpose, granted=granted,
                                          at=moment, source=clean_source, recorded=now)  # fmt: skip
    return next(k for k in store.privacy.consent_history(contact.id) if k.id == consent_id)


def consent_history(store: Store, contact: Contact) -> list[Consent]:
    return store.privacy.consent_history(contact.id)


def access_report(store: Store, now: datetime, contact: Contact) -> AccessReport:
    """Everything minicrm holds about one person."""
    from minicrm.services import audit

    today = now.date()
    return AccessReport(
        generated_at=now,
        contact=contact,
        interactions=tuple(store.activity.list(contact_id=contact.id)),
        reminders=tuple(store.reminders.of_contact(contact.id, today)),
        consent=tuple(store.privacy.consent_history(contact.id)),
        stage_history=tuple(store.contacts.stage_history(contact.id)),
        audit=tuple(audit.entries(store, contact)),
        cadence_days=store.cadence.touch_of(contact.id)[0],
        held=held_about(store, contact.id),
    )


def held_about(store: Store, contact_id: int) -> dict[str, list[dict]]:
    """The person's rows of every table beyond contacts, interactions and reminders that ``export all``
    carries (``store.tables.OWNED``), by record type, in the shape export writes them; consent has
    its own section of the report."""
    from minicrm.store.tables import OWNED

    held: dict[str, list[dict]] = {}
    for table in OWNED:
        if table.type == "consent":
            continue
        rows = [{k: v for k, v in row.items() if k != "type"} for row in store.tables.rows(table, contact_id)]
        if rows:
            held[table.type] = rows
    return held


def forget(store: Store, now: datetime, contact: Contact) -> Erasure:
    """Erase a person for good: every table, the search indexes, the audit trail, the file's free space.

    The audit trail is searched for every copy of them: a duplicate merged into them, an earlier
    record removed with ``rm`` (found by a shared email, phone or uid), and those images go too.
    Amounts they paid stay, without text, on an anonymous placeholder contact so
    that totals still add up. Their emails and phones are remembered only as
    salted hashes, so that adding them again is noticed. Never undoable.
    """
    if contact.uid == "erased-people":
        raise InvalidValue("the placeholder for erased people's amounts holds no personal data",
                           "Delete it with minicrm rm if you no longer need those amounts")  # fmt: skip
    interactions = list(store.activity.list(contact_id=contact.id))
    amounts = [i for i in interactions if i.amount is not None]
    trace = store.privacy.traces(contact.id, contact.emails, contact.phones, [contact.uid])
    hashes = erasure_hashes(store, sorted({*contact.emails, *trace.emails}), sorted({*contact.phones, *trace.phones}))
    with store.write():
        store.audit.mark_final()
        keep = store.privacy.placeholder_contact(PLACEHOLDER, now) if amounts else None
        store.privacy.erase(contact.id, hashes, now, keep, sorted(trace.ids - {contact.id}))
    scrubbed = store.privacy.scrub_files()
    return Erasure(contact_id=contact.id, name=contact.name, interactions_removed=len(interactions) - len(amounts),
                   amounts_kept=len(amounts), hashes_kept=len(hashes), files_scrubbed=scrubbed)  # fmt: skip


def removed_person(store: Store, ref: str) -> Trace | None:
    """A person no longer among the contacts (removed with ``rm``, or merged away) whom the audit
    trail still holds, found by an exact email, phone or uid; None when it holds nobody by that."""
    text = str(ref).strip()
    if not text or (text.isascii() and text.isdigit() and len(text) < 6):  # an id: reused, so not enough
        return None
    emails = [text] if "@" in text else []
    phones = [text] if not emails and sum(ch.isdigit() for ch in text) >= 6 else []
    trace = store.privacy.traces(None, emails, phones, [text])
    return trace if trace.ids else None


def forget_removed(store: Store, now: datetime, trace: Trace) -> Erasure:
    """Erase what the audit trail still holds of a person who is no longer a contact (see ``removed_person``)."""
    hashes = erasure_hashes(store, trace.emails, trace.phones)
    with store.write():
        store.audit.mark_final()
        store.privacy.erase_traces(sorted(trace.ids))
        store.privacy.remember_erased(hashes, now)
    scrubbed = store.privacy.scrub_files()
    return Erasure(contact_id=min(trace.ids), name=trace.names[0] if trace.names else "(removed contact)",
                   interactions_removed=0, amounts_kept=0, hashes_kept=len(hashes), files_scrubbed=scrubbed)  # fmt: skip
