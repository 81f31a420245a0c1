"""Owned tables: what a user made beyond contacts, interactions and reminders, described once.

``OWNED`` lists, in the order an import needs them, every other table that holds something a user
made or chose (deals, occasions, completions of recurring reminders, consents, cadences,
segments, score weights, settings, the morning list's holds, erasures, the digests sent). ``export all`` writes
each of their rows as one record, ``import`` writes them back, ``access`` gives the rows of one
person: each from this one description, so a new table is one ``Table`` entry here. Contacts
(with their lists, stage history and own cadence), interactions and reminders have paths of their
own, checked by the services' rules. ``LEFT_OUT`` names every other table and why it is not
exported; ``tests/test_export.py`` fails when a table is in neither.

A column's form says how its stored value is written out and read back:

- ``text``, ``int``, ``real``, ``bool``, ``json``: as they are (bool as true/false, json as an object);
- ``day``: an ISO date; ``instant``: an ISO date-time in local time (stored as UTC text);
- ``money``: cents stored, an amount written, under the column's name without ``_cents``;
- ``contact``: a contact id stored, the contact's uid written as ``contact_uid``;
- ``reminder``: a reminder id stored, its uid written as ``reminder_uid``;
- ``item``: a morning-list item (``deal:3``) stored, written with the uid of its subject
  (``deal:<uid>``), since ids differ between databases.

Derived columns (occasions' next dates) are carried as stored; a table whose rows feed another's
derived columns names what to refresh (``then``).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

from minicrm.errors import InvalidValue
from minicrm.store.rows import from_utc_text, to_utc_text
from minicrm.store.session import Repository


class Table(NamedTuple):
    type: str  # the record's ``type`` in an export
    name: str  # the SQL table
    key: tuple[str, ...]  # the columns that say "the same row" in any database
    columns: tuple[tuple[str, str], ...]  # (column, form), in the order they are written
    replace: bool = False  # a row whose key is already there takes the file's values (a setting), if asked
    then: Callable[[Any, dict], None] | None = None  # after a row is written: refresh what derives from it
    order: str = "rowid"  # the export's order: rowid is the order rows were made in; a key for WITHOUT ROWID


def _refresh_tag_cadence(conn: Any, row: dict) -> None:
    from minicrm.store.contacts import refresh_touch

    refresh_touch(conn, "id IN (SELECT contact_id FROM contact_tags WHERE tag = ?)", (row["tag"],))


OWNED: tuple[Table, ...] = (
    Table("deal", "deals", ("uid",), (
        ("uid", "text"), ("contact_id", "contact"), ("title", "text"), ("value_cents", "money"),
        ("stage", "text"), ("close_on", "day"), ("closed_at", "instant"), ("created_at", "instant"),
        ("updated_at", "instant"))),
    Table("occasion", "occasions", ("uid",), (
        ("uid", "text"), ("contact_id", "contact"), ("label", "text"), ("date", "text"), ("lead_days", "int"),
        ("note", "text"), ("next_on", "day"), ("notify_on", "day"), ("created_at", "instant"))),
    Table("reminder_completion", "reminder_completions", ("reminder_id", "occurrence_on", "done_at"), (
        ("reminder_id", "reminder"), ("occurrence_on", "day"), ("done_at", "instant"))),
    Table("consent", "consents", ("contact_id", "purpose", "granted", "at"), (
        ("contact_id", "contact"), ("purpose", "text"), ("granted", "bool"), ("at", "instant"),
        ("source", "text"), ("recorded_at", "instant"))),
    Table("tag_cadence", "tag_cadences", ("tag",), (("tag", "text"), ("days", "int")),
          replace=True, then=_refresh_tag_cadence, order="tag"),
    Table("segment", "segments", ("name",), (("name", "text"), ("filters", "json"), ("created_at", "instant")),
          replace=True, order="name"),
    Table("score_weight", "score_weights", ("name",), (("name", "text"), ("weight", "real")), replace=True, order="name"),
    Table("setting", "settings", ("key",), (("key", "text"), ("value", "text"), ("updated_at", "instant")),
          replace=True, order="key"),
    Table("due_hold", "due_holds", ("item",), (
        ("item", "item"), ("contact_id", "contact"), ("until_on", "day"), ("through_on", "day"), ("at", "instant")),
          replace=True, order="item"),
    Table("erasure", "erased", ("hash",), (("hash", "text"), ("erased_at", "instant")), order="erased_at, hash"),
    Table("digest_send", "digest_sends", ("sent_at", "day", "span", "channel"), (  # so a restore sends no digest twice
        ("sent_at", "instant"), ("day", "day"), ("span", "text"), ("channel", "text"), ("items", "int"),
        ("format", "text"))),
)  # fmt: skip

# Every other table, and why an export leaves it out.
LEFT_OUT = {
    "contacts": "exported as contact records (with contact_emails, contact_phones, contact_tags, stage_changes)",
    "contact_emails": "part of the contact record", "contact_phones": "part of the contact record",
    "contact_tags": "part of the contact record", "stage_changes": "part of the contact record",
    "interactions": "exported as interaction records (with their order_lines)",
    "order_lines": "part of the interaction record", "reminders": "exported as reminder records",
    "products": "exported as product records (with product_prices, product_tags)",
    "product_prices": "part of the product record", "product_tags": "part of the product record",
    "customer_stats": "derived from interactions by triggers",
    "contact_search": "the full-text index, rebuilt by import", "interactions_fts": "the full-text index",
    "changes": "the audit trail: undo history belongs to one database (an import is one change there)",
    "audit": "the audit trail", "audit_state": "the audit trail", "change_batches": "the audit trail",
    "privacy_salt": "carried inside the erasure records (hashes only match with their salt)",
    "_migrations": "the schema version of one file",
}  # fmt: skip

BY_TYPE = {table.type: table for table in OWNED}
ITEM_TABLES = {"deal": "deals", "occasion": "occasions", "reminder": "reminders", "cadence": "contacts",
               "reorder": "contacts"}  # fmt: skip


def out_key(column: str, form: str) -> str:
    """The key a column is written under."""
    if form == "contact":
        return "contact_uid"
    if form == "reminder":
        return "reminder_uid"
    if form == "money":
        return column.removesuffix("_cents")
    return column


class Tables(Repository):
    """Rows of the ``OWNED`` tables in their exported shape, and back."""

    def rows(self, table: Table, contact_id: int | None = None) -> Iterator[dict]:
        """Every row of ``table`` as an export record (``type`` first), in rowid order, streamed;
        with ``contact_id``, only that person's rows (none for a table that names no person)."""
        select = ", ".join(f"t.{column}" for column, _ in table.columns)
        joins, where, params = "", "", []
        for column, form in table.columns:
            if form == "contact":
                joins += f" LEFT JOIN contacts c_{column} ON c_{column}.id = t.{column}"
                select += f", c_{column}.uid AS {column}__uid"
            elif form == "reminder":
                joins += f" LEFT JOIN reminders r_{column} ON r_{column}.id = t.{column}"
                select += f", r_{column}.uid AS {column}__uid, r_{column}.contact_id AS {column}__contact"
        if table.name == "erased":
            select += ", (SELECT salt FROM privacy_salt WHERE id = 1) AS salt"
        if contact_id is not None:
            person = [f"t.{c}" if f == "contact" else f"r_{c}.contact_id" for c, f in table.columns
                      if f in ("contact", "reminder")]  # fmt: skip
            if not person:
                return
            where = " WHERE " + " OR ".join(f"{p} = ?" for p in person)
            params = [contact_id] * len(person)
        order = ", ".join("t." + c.strip() for c in table.order.split(","))
        cursor = self._conn.execute(f"SELECT {select} FROM {table.name} t{joins}{where} ORDER BY {order}", params)
        while batch := cursor.fetchmany(1000):
            for row in batch:
                record: dict[str, Any] = {"type": table.type}
                for column, form in table.columns:
                    record[out_key(column, form)] = self._out(row, column, form)
                if any(form == "item" and record[column] is None for column, form in table.columns):
                    continue  # a hold on a deal or occasion deleted before holds went with them
                if table.name == "erased":
                    record["salt"] = row["salt"]
                yield record

    def _out(self, row: Any, column: str, form: str) -> Any:
        value = row[column]
        if value is None:
            return None
        if form in ("contact", "reminder"):
            return row[f"{column}__uid"]
        if form == "bool":
            return bool(value)
        if form == "json":
            return json.loads(value)
        if form == "instant":
            return from_utc_text(value).isoformat(timespec="seconds")
        if form == "money":
            return float(Decimal(value) / 100)
        if form == "item":
            kind, _, subject = value.partition(":")
            found = self._one(f"SELECT uid FROM {ITEM_TABLES[kind]} WHERE id = ?", (int(subject),)) \
                if kind in ITEM_TABLES and subject.isdigit() else None  # fmt: skip
            return f"{kind}:{found[0]}" if found else None
        return value

    def stored(self, table: Table, record: dict, contact_ids: Callable[[str], int | None]) -> dict:
        """An exported record of ``table`` as the values its columns store; ``contact_ids`` finds a
        contact by uid (contacts of the same import may not be written yet). Raises InvalidValue."""
        values: dict[str, Any] = {}
        for column, form in table.columns:
            key = out_key(column, form)
            values[column] = self._in(record.get(key), column, key, form, contact_ids)
        missing = [out_key(c, f) for c, f in table.columns if c in table.key and values[c] is None]
        if missing:
            raise InvalidValue(f"the {table.type.replace('_', ' ')} has no {missing[0]}")
        return values

    def _in(self, value: Any, column: str, key: str, form: str, contact_ids: Callable[[str], int | None]) -> Any:
        if value is None or value == "":
            return None
        try:
            if form in ("text", "contact", "reminder", "item") and not isinstance(value, str):
                raise ValueError
            if form == "contact":
                found = contact_ids(value)
                if found is None:
                    raise InvalidValue(f"no contact has the uid {value}",
                                       "Import the contact first (export all keeps the order)")  # fmt: skip
                return found
            if form == "reminder":
                row = self._one("SELECT id FROM reminders WHERE uid = ?", (value,))
                if row is None:
                    raise InvalidValue(f"no reminder has the uid {value}", "Import the reminder first")
                return row[0]
            if form == "item":
                kind, _, subject = value.partition(":")
                if kind not in ITEM_TABLES or not subject:
                    raise ValueError
                if kind in ("cadence", "reorder"):
                    found = contact_ids(subject)
                else:
                    row = self._one(f"SELECT id FROM {ITEM_TABLES[kind]} WHERE uid = ?", (subject,))
                    found = row[0] if row else None
                if found is None:
                    raise InvalidValue(f"the item {value} names nothing in this database")
                return f"{kind}:{found}"
            if form == "int":
                if isinstance(value, bool) or not isinstance(value, int):
                    raise ValueError
                return value
            if form == "real":
                if isinstance(value, bool) or not isinstance(value, int | float):
                    raise ValueError
                return float(value)
            if form == "bool":
                if not isinstance(value, bool):
                    raise ValueError
                return int(value)
            if form == "json":
                if not isinstance(value, dict | list):
                    raise ValueError
                return json.dumps(value, ensure_ascii=False)
            if form == "day":
                return date.fromisoformat(value).isoformat()
            if form == "instant":
                moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
                return to_utc_text(moment if moment.tzinfo else moment.astimezone())
            if form == "money":
                if isinstance(value, bool) or not isinstance(value, int | float | str):
                    raise ValueError
                return int((Decimal(str(value)) * 100).to_integral_value())
            return value
        except (ValueError, TypeError, InvalidOperation):
            raise InvalidValue(f"the {key} {value!r} is not {_FORM_NAMES[form]}") from None

    def write(self, table: Table, values: dict, *, replace: bool) -> str:
        """Insert one row (``create``); a row with the same key is left (``skip``) or, with ``replace``
        and a table that allows it, given these values (``update``). What was done."""
        key_sql = " AND ".join(f"{c} IS ?" for c in table.key)
        key_values = [values[c] for c in table.key]
        existing = self._one(f"SELECT {', '.join(c for c, _ in table.columns)} FROM {table.name} WHERE {key_sql}",
                             key_values)  # fmt: skip
        if existing is not None:
            if not (replace and table.replace) or all(existing[c] == values[c] for c, _ in table.columns):
                return "skip"
            others = [c for c, _ in table.columns if c not in table.key]
            try:
                self._conn.execute(f"UPDATE {table.name} SET {', '.join(f'{c} = ?' for c in others)}"
                                   f" WHERE {key_sql}", [values[c] for c in others] + key_values)
            except sqlite3.IntegrityError as error:
                raise _refused(table, error) from None
            action = "update"
        else:
            columns = [c for c, _ in table.columns]
            try:
                self._conn.execute(f"INSERT INTO {table.name} ({', '.join(columns)})"
                                   f" VALUES ({', '.join('?' * len(columns))})", [values[c] for c in columns])
            except sqlite3.IntegrityError as error:  # a CHECK (a deal stage, a cadence of 0 days), a value missing
                raise _refused(table, error) from None
            action = "create"
        if table.then:
            table.then(self._conn, values)
        return action

    def adopt_salt(self, salt: str) -> bool:
        """Take ``salt`` for the erasure hashes when this database has none of its own in use (no
        erasure yet), so that imported hashes match; whether the salt is now ``salt``."""
        if self._one("SELECT salt FROM privacy_salt WHERE id = 1")[0] == salt:
            return True
        if self._one("SELECT 1 FROM erased LIMIT 1") is not None:
            return False
        self._conn.execute("UPDATE privacy_salt SET salt = ? WHERE id = 1", (salt,))
        return True

    def own_cadences(self, contact_ids: Sequence[int]) -> dict[int, int]:
        """contact id -> the contact's own keep-in-touch cadence, for those that have one."""
        if not contact_ids:
            return {}
        rows = self._all(f"SELECT id, cadence_days FROM contacts WHERE cadence_days IS NOT NULL"
                         f" AND id IN ({', '.join('?' * len(contact_ids))})", list(contact_ids))  # fmt: skip
        return {row[0]: row[1] for row in rows}


def _refused(table: Table, error: sqlite3.IntegrityError) -> InvalidValue:
    """A row the database refused, as a sentence: what is missing, or the rule it breaks."""
    text, what = str(error), table.type.replace("_", " ")
    if text.startswith("NOT NULL constraint failed: "):
        column = text.rsplit(".", 1)[-1]
        return InvalidValue(f"the {what} has no {out_key(column, dict(table.columns).get(column, 'text'))}")
    return InvalidValue(f"the {what} is not one minicrm can hold ({text})")


_FORM_NAMES = {"text": "text", "contact": "a contact uid", "reminder": "a reminder uid", "item": "an item (kind:uid)",
               "int": "a whole number", "real": "a number", "bool": "true or false", "json": "an object",
               "day": "an ISO date", "instant": "an ISO date-time", "money": "an amount"}  # fmt: skip
