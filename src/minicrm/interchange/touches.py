"""Touches found in files: e-mails and meetings with known contacts, logged once each, every item counted.

``log_mail`` and ``log_events`` take what ``mail`` and ``meetings`` read and log an ``email``
or ``meeting`` interaction for each known contact an item names, through ``Toucher``, in one
transaction (``--remind`` makes future events reminders instead). ``Tally`` puts every item
scanned under exactly one outcome (``OUTCOMES``), so the counts always sum to the items
scanned, and writes the ``--report`` line of each.

Once each: the uid of every interaction logged here is derived (a UUID v5) from the item's
key (its Message-ID, else a hash of its identifying headers; an event's UID and
RECURRENCE-ID) and the contact's address in it. Importing the same mailbox again finds each
interaction already there ("already logged"); an export and import into another database
keeps the uids, and so the promise; removing an interaction (or undoing the import) lets the
next import log it again. One message is one interaction per contact it names: a thread is
not merged.

The interactions are written in batches (``activity.add_many``), which keep the derived state
(last contact, next touch of the keep-in-touch cadence, the search index) true like ``log``;
the lifecycle rules are applied to each, as ``log`` does. Nothing here prints or reads the
clock or the environment.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta
from typing import IO, Any

from minicrm.errors import MiniCrmError
from minicrm.interchange.mail import Mail, Unreadable
from minicrm.interchange.meetings import Event
from minicrm.services import activity, contacts, privacy, reminders
from minicrm.store import Store

# A fixed namespace: the same item and address give the same uid in every database.
NAMESPACE = uuid.UUID("5f0c6d2e-8a53-4d1b-9c07-6b7f3e1a2c44")
BATCH = 2000

OUTCOMES = ("logged", "already logged", "reminded", "before --since", "future", "no known contact", "bulk",
            "cancelled", "unreadable")  # fmt: skip
# Always named in a summary (the others only when they occurred).
MAIL_OUTCOMES = ("logged", "already logged", "no known contact", "bulk", "unreadable")
EVENT_OUTCOMES = ("logged", "already logged", "no known contact", "unreadable")


def derived_uid(key: str, address: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{key}\n{address}"))


def _cell(text: object) -> str:
    return " ".join(str(text).split()) if text is not None else ""


class Tally:
    """Each item scanned under one outcome; the --report line of each (tab-separated)."""

    HEADER = "where\toutcome\tdetail\tat\tkey\tsubject\n"

    def __init__(self, report: IO[str] | None = None, noun: str = "message") -> None:
        self.report = report
        self.noun = noun
        self.counts: Counter[str] = Counter()
        self.reasons: Counter[str] = Counter()  # why items were unreadable
        self.scanned = 0
        self.interactions = 0  # interactions logged (one per contact an item names)
        self.reminders = 0
        self.created: list[str] = []  # contacts made with --create-contacts
        if report is not None:
            report.write(self.HEADER)

    def count(self, where: str, outcome: str, detail: str = "", *, at: datetime | None = None, key: str = "",
              subject: str = "") -> None:  # fmt: skip
        assert outcome in OUTCOMES, outcome
        self.scanned += 1
        self.counts[outcome] += 1
        if outcome == "unreadable":
            self.reasons[detail] += 1
        if self.report is not None:
            cells = (where, outcome, detail, at.isoformat() if at else "", key, subject)
            self.report.write("\t".join(_cell(c) for c in cells) + "\n")

    def summary(self, always: Iterable[str] = MAIL_OUTCOMES) -> str:
        """``120 messages scanned: 80 logged (95 interactions), ... 2 unreadable (1 no readable date, ...)``."""
        always = set(always)
        parts = []
        for outcome in OUTCOMES:
            n = self.counts[outcome]
            if not n and outcome not in always:
                continue
            text = f"{n} {outcome}"
            if outcome == "logged" and self.interactions != n:
                text += f" ({self.interactions} interactions)"
            if outcome == "reminded" and self.reminders != n:
                text += f" ({self.reminders} reminders)"
            if outcome == "unreadable" and self.reasons:
                text += " (" + "; ".join(f"{v} {k}" for k, v in self.reasons.most_common()) + ")"
            parts.append(text)
        noun = self.noun if self.scanned == 1 else self.noun + "s"
        return f"{self.scanned} {noun} scanned: " + ", ".join(parts)


class _DryRun(Exception):
    pass


class Toucher:
    """Finds the contacts of addresses and logs interactions for them, in batches, once each."""

    def __init__(self, store: Store, now: datetime, kind: str, tally: Tally, *, me: Iterable[str] = ()) -> None:
        self.store, self.now, self.kind, self.tally = store, now, kind, tally
        self.me = set(me)
        self.by_address: dict[str, int | None] = {}
        self.pending: set[str] = set()
        self.rows: list[dict] = []
        self.erased: set[str] | None = None

    def contact_of(self, address: str) -> int | None:
        if address not in self.by_address:
            found = self.store.contacts.ids_by_email(address)
            self.by_address[address] = min(found) if found else None
        return self.by_address[address]

    def contacts_of(self, addresses: Iterable[str]) -> dict[int, list[str]]:
        """The known contacts among ``addresses`` (your own left out): contact id -> its addresses here."""
        found: dict[int, list[str]] = {}
        for address in addresses:
            if address in self.me:
                continue
            contact_id = self.contact_of(address)
            if contact_id is not None and address not in found.setdefault(contact_id, []):
                found[contact_id].append(address)
        return found

    def create(self, name: str, address: str) -> int | None:
        """A new contact in the awareness stage for an unknown correspondent; None when the address
        cannot be one (not an address, or a person erased at their request)."""
        if address in self.me or self.contact_of(address) is not None:
            return None
        if self.erased is None:
            self.erased = set(self.store.privacy.all_erased_hashes())
        if self.erased.intersection(privacy.erasure_hashes(self.store, [address])):
            return None
        label = name if name and "@" not in name and len(name) <= 200 else address
        try:
            made = contacts.add(self.store, self.now, label, emails=[address], stage="awareness")
        except MiniCrmError:
            return None
        self.tally.created.append(made.name)
        for email in made.emails:
            self.by_address[email] = made.id
        self.by_address[address] = made.id
        return made.id

    def log(self, key: str, at: datetime, text: str, found: dict[int, list[str]]) -> int:
        """Log one interaction for each contact in ``found`` that does not have this item yet; how many."""
        values = activity.validate(self.now, self.kind, text, at=at)
        logged = 0
        for contact_id, addresses in found.items():
            uids = [derived_uid(key, address) for address in addresses]
            if any(uid in self.pending or self.store.uid_exists("interactions", uid) for uid in uids):
                continue
            self.pending.add(uids[0])
            self.rows.append(dict(values, uid=uids[0], contact_id=contact_id, amount=None, created_at=self.now))
            logged += 1
        self.tally.interactions += logged
        if len(self.rows) >= BATCH:
            self.flush()
        return logged

    def remind(self, key: str, on: datetime, all_day: bool, text: str, found: dict[int, list[str]]) -> int:
        """A reminder on the day (and time) of a future event, for each contact that has none for it yet."""
        local = on.astimezone()
        clock = None if all_day else local.time().replace(second=0, microsecond=0, tzinfo=None)
        values = reminders.validate(self.now, text[:1000], local.date(), due_time=clock)
        made = 0
        for contact_id, addresses in found.items():
            uids = [derived_uid(key, address) for address in addresses]
            if any(self.store.uid_exists("reminders", uid) for uid in uids):
                continue
            self.store.reminders.add(contact_id=contact_id, text=values["text"], due_on=values["due_on"],
                                     due_time=values["due_time"], rule=None, created=self.now, uid=uids[0])  # fmt: skip
            made += 1
        self.tally.reminders += made
        return made

    def flush(self) -> None:
        if not self.rows:
            return
        with self.store.bulk("interactions"):
            self.store.activity.add_many(self.rows)
        for contact_id in dict.fromkeys(row["contact_id"] for row in self.rows):
            activity.apply_rules(self.store, self.now, contact_id, self.kind)
        self.rows = []


def _run(store: Store, tally: Tally, items: Iterator[tuple[str, Any]], toucher: Toucher, dry_run: bool,
         one: Callable[[Any], tuple[str, str]]) -> Tally:  # fmt: skip
    """Each ``(where, item)`` counted under the outcome ``one(item)`` gives (an ``Unreadable`` as such),
    in one write transaction; a dry run does it all, then rolls it back."""

    def work() -> None:
        for where, item in items:
            facts = {}
            if isinstance(item, Unreadable):
                outcome, detail = "unreadable", item.reason
            else:
                facts = dict(at=item.at, key=item.key, subject=item.subject)
                try:
                    outcome, detail = one(item)
                except MiniCrmError as error:  # a value no interaction can hold: this item is lost, counted
                    outcome, detail = "unreadable", error.message
            tally.count(where, outcome, detail, **facts)
        toucher.flush()

    try:
        with store.write():
            work()
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return tally


def log_mail(store: Store, now: datetime, messages: Iterator[tuple[str, Any]], tally: Tally, *,
             me: Iterable[str] = (), since: datetime | None = None, create: bool = False,
             dry_run: bool = False) -> Tally:  # fmt: skip
    """Log the ``(where, Mail | Unreadable)`` of ``mail.scan`` as ``email`` interactions.

    ``me``: your own addresses (lowercased); a message from one of them is ``Sent``, any other
    ``Received`` (without ``me``, the direction is not said). ``since``: older messages are
    counted, not logged. ``create``: unknown correspondents of a message that is not mass
    mail become contacts in the awareness stage.
    """
    toucher = Toucher(store, now, "email", tally, me=me)

    def one(item: Mail) -> tuple[str, str]:
        if since is not None and item.at < since:
            return "before --since", ""
        if item.at > now + timedelta(days=1):  # a sender's clock gone wrong must not push a cadence into the future
            return "future", "dated after now"
        if item.bulk:
            return "bulk", item.bulk
        people = ([item.sender] if item.sender else []) + list(item.recipients)
        found = toucher.contacts_of(address for _, address in people)
        if create:
            for name, address in people:
                made = toucher.create(name, address)
                if made is not None:
                    found.setdefault(made, []).append(address)
        if not found:
            return "no known contact", ", ".join(dict.fromkeys(a for _, a in people if a not in toucher.me))
        text = item.subject or "(no subject)"
        if toucher.me:
            text = ("Sent: " if item.sender and item.sender[1] in toucher.me else "Received: ") + text
        if item.excerpt:
            text += "\n\n" + item.excerpt
        logged = toucher.log(item.key, item.at, text, found)
        return "logged" if logged else "already logged", "contacts " + ", ".join(str(i) for i in found)

    return _run(store, tally, messages, toucher, dry_run, one)


def log_events(store: Store, now: datetime, events: Iterator[tuple[str, Any]], tally: Tally, *,
               remind: bool = False, dry_run: bool = False) -> Tally:  # fmt: skip
    """Log the ``(where, Event | Unreadable)`` of ``meetings.scan`` as ``meeting`` interactions at their
    start; a future event is counted as ``future``, or with ``remind`` becomes a reminder."""
    toucher = Toucher(store, now, "meeting", tally)

    def one(item: Event) -> tuple[str, str]:
        if item.cancelled:
            return "cancelled", ""
        found = toucher.contacts_of(address for _, address in item.people)
        if not found:
            return "no known contact", ", ".join(dict.fromkeys(a for _, a in item.people))
        detail = "contacts " + ", ".join(str(i) for i in found)
        text = item.subject or "(no title)"
        if item.at > now:
            if not remind:
                return "future", "not held yet; --remind makes it a reminder"
            made = toucher.remind(item.key, item.at, item.all_day, f"Meeting: {text}", found)
            return ("reminded", detail) if made else ("already logged", "reminder already set; " + detail)
        if item.excerpt:
            text += "\n\n" + item.excerpt
        logged = toucher.log(item.key, item.at, text, found)
        return "logged" if logged else "already logged", detail

    return _run(store, tally, events, toucher, dry_run, one)
