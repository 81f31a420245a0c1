"""Export: every record streamed in id order, in the shape ``import`` reads back.

``export_records`` yields each contact, product, interaction and reminder with what
a faithful copy needs beside it (stage history, a product's prices by day, the contact's
uid, the uid of each line's product, a reminder's anchor and scheduled days); ``export_dict`` is the JSON/NDJSON record shape
(the record's own keys, in the order of its fields, plus those); ``write_export``
writes JSON, NDJSON, vCard or iCalendar to a text stream. CSV is the table
``list --format csv`` writes, so the CLI hands ``export_rows`` to ``render``.
Nothing here prints: the CLI opens the output.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime
from itertools import islice
from typing import IO, Any

from minicrm.errors import UsageError
from minicrm.interchange.records import EXPORT_FORMATS, format_of
from minicrm.models import Contact, Interaction, Reminder, json_safe, plain, record_dict
from minicrm.money import priced
from minicrm.store import ContactQuery, Store

EXPORT_KINDS = ("contacts", "interactions", "reminders", "all")
RECORD_TYPES: dict[str, type] = {"contacts": Contact, "interactions": Interaction, "reminders": Reminder}
_DEFAULT_KIND = {"csv": "contacts", "vcf": "contacts", "ics": "reminders", "json": "all", "ndjson": "all"}


def plan_export(what: str | None, fmt: str | None = None, output: str | None = None) -> tuple[str, str]:
    """The format (``fmt``, else ``output``'s extension, else json) and the kind of
    records to export (``what``, else the format's natural one), checked together."""
    fmt = format_of(output, fmt, EXPORT_FORMATS, "--to") if (fmt or output not in (None, "-")) else "json"
    kind = (what or _DEFAULT_KIND[fmt]).strip().lower()
    if kind not in EXPORT_KINDS:
        raise UsageError(f"cannot export {what!r}", f"Use one of: {', '.join(EXPORT_KINDS)}")
    if fmt == "csv" and kind == "all":
        raise UsageError("a CSV file holds one kind of record",
                         "Export contacts, interactions or reminders one at a time, or use --to ndjson")  # fmt: skip
    if fmt == "vcf" and kind != "contacts":
        raise UsageError("vCard holds contacts only", "Use: minicrm export contacts --to vcf")
    if fmt == "ics" and kind not in ("reminders", "all"):
        raise UsageError("iCalendar holds reminders (and, with all, occasions and deals' close dates)",
                         "Use: minicrm export reminders --to ics, or minicrm export all --to ics")  # fmt: skip
    return fmt, kind


def export_records(store: Store, what: str, today: date, only: ContactQuery | None = None,
                   currency: str | None = None) -> Iterator[tuple[str, Any, dict]]:  # fmt: skip
    """``(type, record, extra)`` for every record of ``what``, in id order, streamed, from one
    snapshot of the database (one read transaction), in dependency order: every contact before
    the interactions and reminders that refer to it, so an export always imports back.

    ``extra`` holds what the record type does not carry but a faithful copy
    needs: a contact's stage history; the contact uid of an interaction or
    reminder; a reminder's anchor and scheduled days. ``only`` (a segment's
    query) keeps the contacts it selects, and their interactions and reminders.
    """
    if what not in EXPORT_KINDS:
        raise UsageError(f"cannot export {what!r}", f"Use one of: {', '.join(EXPORT_KINDS)}")
    with store.snapshot():  # one read transaction: no record whose contact another process added later
        yield from _records(store, what, today, only, currency)


def _records(store: Store, what: str, today: date, only: ContactQuery | None,
             currency: str | None) -> Iterator[tuple[str, Any, dict]]:  # fmt: skip
    """``export_records`` without the snapshot: contacts first, then what refers to them."""
    query = only._replace(sort="id", descending=False, limit=None) if only else ContactQuery(sort="id")
    members = {c.id for c in store.contacts.list(query)} if only else None
    member_uids: set[str] = set()
    if what in ("contacts", "all"):
        contacts = store.contacts.list(query)
        while chunk := list(islice(contacts, 500)):
            ids = [c.id for c in chunk]
            histories = store.contacts.stage_histories(ids)
            cadences = store.tables.own_cadences(ids)
            for contact in chunk:
                if members is not None:
                    member_uids.add(contact.uid)
                yield "contact", contact, {"stage_history": histories.get(contact.id, []),
                                           "cadence_days": cadences.get(contact.id)}  # fmt: skip
    if what == "all":  # the products the orders' lines name, before the orders
        for product, prices in store.products.export():
            yield "product", priced(product, currency), {"prices": prices}
    if what in ("interactions", "all"):
        product_uids: dict[int, str] | None = None
        for interaction, contact_uid in store.activity.export():
            if members is None or interaction.contact_id in members:
                if interaction.lines and product_uids is None:
                    product_uids = store.products.uids()
                yield "interaction", priced(interaction, currency), {"contact_uid": contact_uid,
                                                                     "product_uids": product_uids}
    reminder_uids: set[str] = set()
    if what in ("reminders", "all"):
        for reminder, contact_uid, anchor, scheduled in store.reminders.export(today=today):
            if members is None or reminder.contact_id in members:
                if members is not None:
                    reminder_uids.add(reminder.uid)
                yield "reminder", reminder, {"contact_uid": contact_uid, "anchor_on": anchor, "scheduled_on": scheduled}
    if what == "all":
        from minicrm.store.tables import OWNED

        for table in OWNED:  # every other table a user's data lives in (store/tables.py)
            for row in store.tables.rows(table):
                if members is None or row.get("contact_uid") in member_uids or row.get("reminder_uid") in reminder_uids:
                    yield table.type, row, {}


def export_rows(store: Store, what: str, today: date, only: ContactQuery | None = None,
                currency: str | None = None) -> Iterator[Any]:  # fmt: skip
    """The records alone (for CSV, one kind at a time: ``RECORD_TYPES[what]``)."""
    return (record for _, record, _ in export_records(store, what, today, only, currency))


def open_reminders(store: Store, only: ContactQuery | None = None) -> Iterator[tuple[Reminder, date, date]]:
    """Every open reminder with its anchor and scheduled day, in id order, streamed (for the calendar
    export); ``only`` as above."""
    with store.snapshot():
        members = {c.id for c in store.contacts.list(only._replace(limit=None))} if only else None
        yield from ((reminder, anchor, scheduled) for reminder, _, anchor, scheduled
                    in store.reminders.export(open_only=True)
                    if members is None or reminder.contact_id in members)  # fmt: skip


def _dated(store: Store, today: date, only: ContactQuery | None) -> tuple[list, list]:
    """(occasions as seen ``today``, open deals with a close date) for the calendar; ``only`` as above."""
    from minicrm.services import occasions

    members = {c.id for c in store.contacts.list(only._replace(limit=None))} if only else None
    dated = [o for o in occasions.find(store, today) if members is None or o.contact_id in members]
    deals = [d for d in store.deals.list(stages=("lead", "proposal", "negotiation"))
             if d.close_on and (members is None or d.contact_id in members)]  # fmt: skip
    return dated, deals


def export_dict(kind: str, record: Any, extra: dict) -> dict:
    """One exported record as JSON: its type, its fields (the contact's uid after
    ``contact_id``), then a contact's stage history or a reminder's schedule."""
    if isinstance(record, dict):  # a row of one of the other owned tables, already in its exported shape
        return record
    body: dict[str, Any] = {"type": kind}
    for key, value in record_dict(record).items():
        body[key] = value
        if key == "contact_id":
            body["contact_uid"] = extra["contact_uid"]
    if kind == "contact":
        body["stage_history"] = [{"from_stage": s.from_stage, "to_stage": s.to_stage, "at": plain(s.at),
                                  "source": s.source} for s in extra["stage_history"]]  # fmt: skip
        body["cadence_days"] = extra.get("cadence_days")
    elif kind == "interaction" and record.lines:  # each line names its product by uid too
        for line, shown in zip(record.lines, body["lines"]):
            shown["product_uid"] = extra["product_uids"][line.product_id]
    elif kind == "product":
        body["prices"] = [{"since_on": plain(day), "price": plain(price)} for day, price in extra["prices"]]
    elif kind == "reminder":
        body["anchor_on"] = plain(extra["anchor_on"])
        body["scheduled_on"] = plain(extra["scheduled_on"])
    return body


def dumps(value: dict) -> str:
    """A record on one line, as export writes it (UTF-8 kept, spaced like Python's repr), with
    exactly the escapes of ``--json`` (C1 controls, U+2028/U+2029)."""
    return json_safe(json.dumps(value, ensure_ascii=False, separators=(", ", ": ")))


def write_export(out: IO[str], store: Store, fmt: str, kind: str, now: datetime, only: ContactQuery | None = None,
                 currency: str | None = None) -> None:  # fmt: skip
    """Export ``kind`` records to ``out`` as json, ndjson, vcf or ics (see ``plan_export``);
    ``currency`` as in ``export_records``."""
    if fmt == "ics":
        from minicrm.interchange.ical import ics_text

        with store.snapshot():
            others = _dated(store, now.date(), only) if kind == "all" else ((), ())
            out.write(ics_text(open_reminders(store, only), now, *others))
        return
    records = export_records(store, kind, now.date(), only, currency)
    if fmt == "vcf":
        from minicrm.interchange.vcard_write import vcard_text

        for _, contact, _ in records:
            out.write(vcard_text(contact))
    elif fmt == "ndjson":
        for item in records:
            out.write(dumps(export_dict(*item)) + "\n")
    elif fmt == "json":
        first = True
        out.write("[")
        for item in records:
            out.write(("\n" if first else ",\n") + dumps(export_dict(*item)))
            first = False
        out.write("]\n" if first else "\n]\n")
    else:
        raise ValueError(f"write_export does not write {fmt!r}: CSV is render's table of export_rows")
