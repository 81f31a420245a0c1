"""The importer: raw records checked with the same rules as the commands, written in bulk.

Each raw record (see ``records``) is checked by one call per kind, the call the
matching command makes: ``contacts.validate`` (``add``), ``activity.validate``
(``log``), ``reminders.validate`` (``remind``); what differs on purpose (a file
gives an exact instant, a done status, a uid) is passed as parameters. Records
are written in batches inside one transaction, and the rows it creates are recorded in the audit
trail as one batch of the import's change (``undo`` deletes them), not one image per row.

A person is never dropped for one doubtful value: a contact is imported with
everything that is valid, and a value that is not (an email that is not an
address, a phone libphonenumber cannot place, an odd birthday or stage) is kept as
typed, in a custom field named after the column or property it came from, with a
line-numbered warning in the report. Only a record with nothing to identify a
person (no name, organisation, email or phone), or one that cannot be read,
becomes a ``Reject``; the others are imported. ``strict`` is the old rule: any
invalid value rejects its record, and any reject fails the import as a whole
(nothing written) unless ``skip_invalid`` keeps the good ones.

Doubtful values are kept by ``kept``; ``plan`` checks what an import is asked to
do before a file is opened and reads the opened streams. Nothing here prints or
reads the clock or the environment.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from minicrm.errors import InvalidValue, MiniCrmError, UsageError
from minicrm.interchange.records import (ImportRejected, ImportReport, Notice, Reject, RowError, as_clock, as_day,
                                         as_instant, as_text, as_texts)
from minicrm.interchange.kept import Kept, custom_fields, one_line, region_of
from minicrm.interchange.orders import OrderImport
from minicrm.interchange.vcard_write import N_FIELD
from minicrm.models import STAGES, ImportAction
from minicrm.services import activity, contacts, privacy, reminders
from minicrm.services.values import choose, clean_line
from minicrm.store import Store, new_uid
from minicrm.interchange import owned

ON_DUPLICATE = ("skip", "update", "create")
_BATCH = 2000


class _DryRun(Exception):
    pass


class Importer(OrderImport):
    """Checks records one by one and writes them in batches (inside the caller's transaction)."""

    def __init__(self, store: Store, now: datetime, *, on_duplicate: str = "skip", region: str | None = None,
                 keep_actions: bool = False, report: ImportReport | None = None,
                 include_erased: bool = False, strict: bool = False, decimal: str = ".",
                 date_order: str | None = None):  # fmt: skip
        if on_duplicate not in ON_DUPLICATE:
            raise UsageError(f"--on-duplicate {on_duplicate!r} is not one of {', '.join(ON_DUPLICATE)}")
        self.store, self.now, self.on_duplicate, self.region = store, now, on_duplicate, region
        self.include_erased = include_erased
        self.decimal = decimal  # the decimal mark of amounts and quantities in a CSV (minicrm config decimal)
        self.strict, self.date_order = strict, date_order  # date_order: how slashed dates (03/04/1984) are read
        self.erased_uids: set[str] = set()  # their interactions and reminders are skipped with them
        self.keep_actions = keep_actions
        self.report = report or ImportReport()
        self.contacts: list[dict] = []
        self.interactions: list[dict] = []
        self.reminders: list[dict] = []
        self.by_uid: dict[str, int] = {}
        self.by_email: dict[str, int] = {}
        self.by_phone: dict[str, int] = {}
        self.pending_uids: set[tuple[str, str]] = set()  # interactions and reminders not yet written
        self.flushed = False
        self.product_ids: dict[str, int] = {}  # a product's uid in the file -> its id here
        self.lines: dict[str, list[dict]] = {}  # an order's uid -> its lines, written after the order
        self.orders: dict[int, int] = {}  # contact id -> orders imported (for the lifecycle rules)
        self.with_history: set[int] = set()  # contacts whose stage history came with them: rules already in it
        self.open_order: tuple | None = None  # (key, line, source, raw order) of the CSV order lines being read

    def start(self) -> None:
        self.erased = set() if self.include_erased else self.store.privacy.all_erased_hashes()
        self.first_id = self.next_id = self.store.next_id("contacts")
        self.had_contacts = self.first_id > 1 or self.store.contacts.count() > 0
        self.replace_kept = self.on_duplicate == "update" or not self.had_contacts  # a restore: see owned

    # -------------------------------------------------------------- bookkeeping

    def _note(self, line: int, action: str, kind: str, uid: str | None, name: str, detail: str | None = None) -> None:
        key = (kind, action)
        self.report.counts[key] = self.report.counts.get(key, 0) + 1
        if self.keep_actions:
            self.report.actions.append(ImportAction(line, action, kind, uid, name, detail, self.report.current_file))

    def reject(self, line: int, reason: str, raw: Any, kind: str = "contact") -> None:
        self.report.rejects.append(Reject(line, reason, raw, self.report.current_file))
        self._note(line, "reject", kind, None, "", reason)

    def feed(self, line: int, raw: Any, source: Any = None) -> None:
        """One record a reader gave: ``raw`` (or a ``RowError``), and ``source``, what the file held
        (None for a JSON ``null``, whose reject is written as ``null``)."""
        source = raw if source is None and isinstance(raw, dict) else source
        if isinstance(raw, Notice):
            self.report.warn(line, str(raw))
            return
        if isinstance(raw, dict):
            for at, text in raw.pop("_warnings", None) or ():
                self.report.warn(at, text)
        if isinstance(raw, RowError):
            self.reject(line, str(raw), source)
            return
        kind = raw.get("type", "contact")
        if kind != "order_line":
            self._close_order()
        try:
            if kind == "contact":
                self._contact(line, raw)
            elif kind == "interaction":
                self._interaction(line, raw)
            elif kind == "reminder":
                self._reminder(line, raw)
            elif kind == "product":
                self._product(line, raw)
            elif kind == "order_line":
                self._order_line(line, raw, source)
            elif table := owned.table_of(kind):
                owned.feed(self, line, raw, table)
            else:
                raise InvalidValue(f"unknown record type {kind!r}", owned.TYPES_HINT)
        except MiniCrmError as error:
            self.reject(line, str(error), source, owned.kind_of(kind))

    # -------------------------------------------------------------- contacts

    def _duplicate(self, values: dict, uid: str | None) -> tuple[int, str] | None:
        look = self.had_contacts
        if uid:
            found = self.by_uid.get(uid) or (look and self.store.contacts.id_by_uid(uid))
            if found:
                return found, "same uid"
        for email in values["emails"]:
            found = self.by_email.get(email) or (look and next(iter(self.store.contacts.ids_by_email(email)), None))
            if found:
                return found, f"same email {email}"
        for phone in values["phones"]:
            if phone in values.get("unverified_phones", ()):
                continue  # a number as typed ("12345", a shared switchboard) says too little about who it is
            found = self.by_phone.get(phone) or (look and next(iter(self.store.contacts.ids_by_phone(phone)), None))
            if found:
                return found, f"same phone {phone}"
        return None

    def _contact(self, line: int, raw: dict) -> None:
        emails, phones = as_texts(raw.get("emails"), "emails"), as_texts(raw.get("phones"), "phones")
        org = as_text(raw.get("org"), "organisation")
        name = as_text(raw.get("name"), "name") or " ".join(
            p for p in (as_text(raw.get(k), k) for k in ("first_name", "middle_name", "last_name")) if p
        )
        name = " ".join(name.split())  # a name is one line
        custom = raw.get("fields") or {}
        if not isinstance(custom, dict):
            raise InvalidValue("the fields are not an object of KEY: VALUE")
        tags = as_texts(raw.get("tags"), "tags")
        stage, birthday = as_text(raw.get("stage"), "stage"), as_text(raw.get("birthday"), "birthday")
        named = bool(name)  # else the name is made up from other values: an update keeps the old one
        if not named:
            name = org or (emails[0] if emails else "") or (phones[0] if phones else "")
        if not name.strip():
            raise InvalidValue("the record has no name, organisation, email or phone", "Give it a name")
        region = self.region or region_of(raw.get("_countries"))
        if self.strict:
            fields = custom_fields(custom)
        else:
            kept = Kept(self.report, line, raw.get("_origin") or {}, custom, self.date_order)
            emails = kept.emails(emails)
            phones = kept.phones(phones, region)
            tags = kept.tags(tags)
            stage, birthday = kept.stage(stage), kept.birthday(birthday)
            fields = kept.fields()
        values, unverified = contacts.validate(
            name, emails=emails, phones=phones, org=org, tags=tags, stage=stage, birthday=birthday,
            note=as_text(raw.get("note"), "note"), fields=fields, region=region, strict=self.strict,
            date_order=self.date_order,
        )  # fmt: skip
        if not self.strict:
            kept.unverified(phones, unverified)
        if raw.get("_n"):  # a card's structured name, when the name alone cannot say it
            values["fields"].setdefault(N_FIELD, ";".join(part.replace(";", ",") for part in raw["_n"]))
        uid = clean_line(raw.get("uid") or "", "uid", required=False)
        created = as_instant(raw.get("created_at"), "created_at", self.now)
        updated = as_instant(raw.get("updated_at"), "updated_at", created)
        history = self._history(raw.get("stage_history"), values["stage"], created)

        if self.erased and self.erased.intersection(
            privacy.erasure_hashes(self.store, values["emails"], values["phones"])
        ):
            self._note(line, "skip", "contact", uid, values["name"],
                       "erased at their request; --include-erased brings them back")  # fmt: skip
            self.report.erased += 1
            if uid:
                self.erased_uids.add(uid)
            return
        duplicate = self._duplicate(values, uid)
        if duplicate and self.on_duplicate != "create":
            existing, why = duplicate
            if uid:
                self.by_uid.setdefault(uid, existing)  # its interactions and reminders go to the one kept
            if self.on_duplicate == "skip":
                self._note(line, "skip", "contact", uid, values["name"], f"{why} as contact {existing}")
                return
            self._flush_contacts()
            current = self.store.contacts.get(existing)
            changed = contacts.edit(
                self.store, self.now, current, name=values["name"] if named else None, emails=values["emails"],
                phones=values["phones"], org=values["org"], tags=values["tags"],
                stage=values["stage"] if raw.get("stage") else None, birthday=values["birthday"],
                note=values["note"], fields=[f"{k}={v}" for k, v in values["fields"].items() if one_line(v)],
                region=region, warnings=[],  # reported when the record was checked
            )  # fmt: skip
            long = {k: v for k, v in values["fields"].items() if not one_line(v)}
            if long:  # an address of several lines, or a long one: kept as the import checked it
                self.store.contacts.update(changed.id, self.now, fields={**changed.fields, **long})
                changed = self.store.contacts.get(changed.id)
            self._remember(changed.id, changed.emails, changed.phones, None)
            self._note(line, "update", "contact", changed.uid, changed.name, f"{why} as contact {existing}")
            return
        if uid and duplicate and duplicate[1] == "same uid":
            uid = None  # --on-duplicate create: a new contact needs a uid of its own
        given, uid = uid, uid or new_uid()
        contact_id = self.next_id
        self.next_id += 1
        self.contacts.append(dict(values, id=contact_id, uid=uid, created_at=created, updated_at=updated,
                                  stage_history=history, cadence_days=owned.cadence(raw.get("cadence_days"))))  # fmt: skip
        if raw.get("stage_history"):
            self.with_history.add(contact_id)
        self._remember(contact_id, values["emails"], values["phones"], given)  # a made-up uid is never referred to
        self._note(line, "create", "contact", uid, values["name"])
        if len(self.contacts) >= _BATCH:
            self._flush_contacts()

    def _history(self, raw: Any, stage: str, created: datetime) -> list[tuple]:
        if not raw:
            return [(None, stage, created, "import")]
        if not isinstance(raw, list) or not all(isinstance(h, dict) for h in raw):
            raise InvalidValue("the stage_history is not a list of objects")
        history = []
        for change in raw:
            old = change.get("from_stage")
            history.append((choose(old, STAGES, "stage") if old else None,
                            choose(as_text(change.get("to_stage"), "stage") or "", STAGES, "stage"),
                            as_instant(change.get("at"), "stage change time", created),
                            choose(change.get("source") or "import", ("add", "user", "rule", "import"),
                                            "stage change source")))  # fmt: skip
        return history

    def _remember(self, contact_id: int, emails: Iterable[str], phones: Iterable[str], uid: str | None) -> None:
        for email in emails:
            self.by_email.setdefault(email, contact_id)
        for phone in phones:
            self.by_phone.setdefault(phone, contact_id)
        if uid:
            self.by_uid[uid] = contact_id

    def _flush_contacts(self) -> None:
        if self.contacts:
            with self.store.bulk("contacts"):
                self.store.contacts.add_many(self.contacts)
            self.contacts = []
            # Written: later duplicates are found through the indexes, so memory stays flat with size.
            self.by_email.clear()
            self.by_phone.clear()
            self.had_contacts = True

    # -------------------------------------------------------------- interactions and reminders

    def _known(self, table: str, uid: str | None) -> bool:
        if not uid:
            return False
        if (table, uid) in self.pending_uids:
            return True
        return (self.had_contacts or self.flushed) and self.store.uid_exists(table, uid)

    def _erased_owner(self, line: int, raw: dict, kind: str) -> bool:
        if self.erased_uids and raw.get("contact_uid") in self.erased_uids:
            self._note(line, "skip", kind, raw.get("uid"), "", "its contact was erased at their request")
            return True
        return False

    def _interaction(self, line: int, raw: dict) -> None:
        if self._erased_owner(line, raw, "interaction"):
            return
        contact_id = self._owner(raw)
        uid = clean_line(raw.get("uid") or "", "uid", required=False)
        at = as_instant(raw.get("at"), "time")
        if at is None:
            raise InvalidValue("the interaction has no time (at)")
        raw_lines = raw.get("lines") or []
        if not isinstance(raw_lines, list) or not all(isinstance(item, dict) for item in raw_lines):
            raise InvalidValue("the lines are not a list of objects", "Each line has product, quantity and unit_price")
        values = activity.validate(self.now, as_text(raw.get("kind"), "kind") or "", as_text(raw.get("text"), "text"),
                                   at=at, amount=as_text(raw.get("amount"), "amount"), lines=bool(raw_lines))  # fmt: skip
        created = as_instant(raw.get("created_at"), "created_at", self.now)
        label = raw.get("contact_name") or str(contact_id)
        if self._known("interactions", uid):
            self._note(line, "skip", "interaction", uid, str(label), "already imported (same uid)")
            return
        lines = [self._line(line, item, at) for item in raw_lines]
        if lines and values["amount"] is None:
            values["amount"] = sum((item["amount"] for item in lines), Decimal("0.00"))
        uid = uid or new_uid()
        self.pending_uids.add(("interactions", uid))
        if lines:
            self.lines[uid] = lines
        if values["kind"] == "order":
            self.orders[contact_id] = self.orders.get(contact_id, 0) + 1
        self.interactions.append(dict(values, uid=uid, contact_id=contact_id, created_at=created))
        self._note(line, "create", "interaction", uid, str(label))
        if len(self.interactions) >= _BATCH:
            self._flush_interactions()

    def _reminder(self, line: int, raw: dict) -> None:
        if self._erased_owner(line, raw, "reminder"):
            return
        contact_id = self._owner(raw)
        uid = clean_line(raw.get("uid") or "", "uid", required=False)
        due_on = as_day(raw.get("due_on"), "due_on")
        due_time = as_clock(raw.get("due_time"), "due_time")
        values = reminders.validate(self.now, as_text(raw.get("text"), "text"), due_on, due_time=due_time,
                                    every=raw.get("rule"), status=raw.get("status") or "open")  # fmt: skip
        status = values["status"]
        created = as_instant(raw.get("created_at"), "created_at", self.now)
        label = raw.get("contact_name") or str(contact_id)
        if self._known("reminders", uid):
            self._note(line, "skip", "reminder", uid, str(label), "already imported (same uid)")
            return
        uid = uid or new_uid()
        self.pending_uids.add(("reminders", uid))
        self.reminders.append(dict(
            values, uid=uid, contact_id=contact_id,
            anchor_on=as_day(raw["anchor_on"], "anchor_on") if raw.get("anchor_on") else due_on,
            scheduled_on=as_day(raw["scheduled_on"], "scheduled_on") if raw.get("scheduled_on") else due_on,
            snoozed=bool(raw.get("snoozed")),
            done_at=as_instant(raw.get("done_at"), "done_at", self.now if status == "done" else None),
            created_at=created, updated_at=as_instant(raw.get("updated_at"), "updated_at", created),
        ))  # fmt: skip
        self._note(line, "create", "reminder", uid, str(label))
        if len(self.reminders) >= _BATCH:
            self._flush_reminders()

    def _flush_interactions(self) -> None:
        self._flush_contacts()
        if self.interactions:
            with self.store.bulk("interactions"):
                self.store.activity.add_many(self.interactions)
            ordered = [r["uid"] for r in self.interactions if r["uid"] in self.lines]
            for uid, interaction_id in self.store.activity.ids_by_uid(ordered).items():
                self.store.products.add_lines(interaction_id, self.lines.pop(uid))
            self.pending_uids -= {("interactions", r["uid"]) for r in self.interactions}
            self.interactions = []
            self.flushed = True

    def _flush_reminders(self) -> None:
        self._flush_contacts()
        if self.reminders:
            with self.store.bulk("reminders"):
                self.store.reminders.add_many(self.reminders)
            self.pending_uids -= {("reminders", r["uid"]) for r in self.reminders}
            self.reminders = []
            self.flushed = True

    def finish(self) -> None:
        self._close_order()
        self._flush_contacts()
        self._flush_interactions()
        self._flush_reminders()
        if self.next_id > self.first_id:
            self.store.contacts.index_from(self.first_id)
        # The lifecycle rules, as logging the orders would (after the new contacts' search rows: a move
        # reindexes). A contact of this import moves inside its batch (undo deletes it whole); the
        # others with row images, so that undo moves them back.
        for contact_id, added in self.orders.items():
            if contact_id in self.with_history:
                continue
            if contact_id >= self.first_id:
                with self.store.bulk():
                    activity.apply_order_rules(self.store, self.now, contact_id, added)
            else:
                activity.apply_order_rules(self.store, self.now, contact_id, added)


def import_records(store: Store, now: datetime, records: Iterable[tuple[int, Any, Any]], *,
                   on_duplicate: str = "skip", region: str | None = None, dry_run: bool = False,
                   skip_invalid: bool = False, report: ImportReport | None = None,
                   include_erased: bool = False, strict: bool = True, decimal: str = ".",
                   date_order: str | None = None) -> ImportReport:  # fmt: skip
    """Import ``(line, raw, source)`` records in one transaction: all of them, or (with
    ``skip_invalid``) the valid ones, or nothing. ``dry_run`` does it all, then rolls back."""
    importer = Importer(store, now, on_duplicate=on_duplicate, region=region, keep_actions=dry_run,
                        report=report, include_erased=include_erased, strict=strict, decimal=decimal,
                        date_order=date_order)  # fmt: skip
    try:
        with store.write():
            importer.start()
            for line, raw, source in records:
                importer.feed(line, raw, source)
            importer.finish()
            if importer.report.rejects and not skip_invalid:
                raise ImportRejected(importer.report)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return importer.report
