"""The SQLite store: the only module that speaks SQL.

Opening a store creates the file owner-readable only, turns on foreign keys,
WAL and a busy timeout, and migrates an older schema forward in one
transaction. Queries take and return plain values and ``models``; business
rules live in ``services``.

Everyday reads and writes go through the stdlib ``sqlite3`` connection:
sqlite-utils (used by ``migrations``) costs ~0.1 s to import, which the morning
``minicrm due`` should not pay.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

from minicrm import migrations
from minicrm.dates import from_utc_text, to_utc_text
from minicrm.errors import StoreError
from minicrm.models import (STAGES, Consent, Contact, Deal, Interaction, Occasion, Referral, Reminder,
                            StageChange, reminder_state)

BUSY_TIMEOUT_MS = 10_000
SCORE_DAYS = 90  # the score's recency and frequency window (insight, issue 5)
_LIST_TABLES = {"emails": ("contact_emails", "email"), "phones": ("contact_phones", "phone"),
                "tags": ("contact_tags", "tag")}  # fmt: skip


def default_path() -> Path:
    """``minicrm.db`` in the user's data directory (XDG on Linux)."""
    home = Path.home()
    if os.name == "nt":
        base = Path(os.environ.get("APPDATA") or home / "AppData" / "Roaming")
    elif os.uname().sysname == "Darwin":
        base = home / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or home / ".local" / "share")
    return base / "minicrm" / "minicrm.db"


def new_uid() -> str:
    return str(uuid.uuid4())


def translate(error: sqlite3.Error, path: Path | str) -> StoreError:
    """A sqlite3 error as a message a person can act on."""
    text = str(error)
    if "locked" in text or "busy" in text:
        return StoreError(
            f"the database {path} is busy: another minicrm is writing to it",
            "Try again in a moment",
        )
    if "readonly" in text or "read-only" in text:
        return StoreError(f"the database {path} is read-only", "Check its permissions (and its folder's)")
    if "not a database" in text or "malformed" in text:
        return StoreError(f"{path} is not a usable minicrm database ({text})", "Restore it from a backup")
    if "disk" in text and ("full" in text or "I/O" in text):
        return StoreError(f"cannot write {path}: {text}", "Free some disk space and try again")
    if "unable to open" in text:
        return StoreError(f"cannot open the database {path}", "Check that its folder exists and is writable")
    return StoreError(f"database error on {path}: {text}")


@dataclass(frozen=True)
class ContactQuery:
    tags: tuple[str, ...] = ()
    stage: str | None = None
    org: str | None = None
    search: str | None = None
    stale_before: datetime | None = None  # no interaction since, and created before
    sort: str = "name"
    descending: bool = False
    limit: int | None = None
    consent: str | None = None  # only contacts whose current consent for this purpose is granted
    now: datetime | None = None  # for sort by score (recency counts from it)


SORTS = {
    "name": "c.name_fold",
    "id": "c.id",
    "org": "c.org COLLATE NOCASE",
    "stage": "CASE c.stage " + " ".join(f"WHEN '{s}' THEN {i}" for i, s in enumerate(STAGES)) + " END",
    "created": "c.created_at",
    "updated": "c.updated_at",
    "last_contact": "c.last_contact_at",
    "score": "score",  # highest first; computed by Store._score_sql (insight, issue 5)
}


# Contacts whose latest consent row for a purpose (by time given, then entry) is a grant.
_GRANTED = """SELECT k.contact_id FROM consents k WHERE k.purpose = ? AND k.granted = 1
    AND NOT EXISTS (SELECT 1 FROM consents l WHERE l.contact_id = k.contact_id AND l.purpose = k.purpose
                    AND (l.at > k.at OR (l.at = k.at AND l.id > k.id)))"""


def _like(text: str) -> str:
    """A LIKE pattern matching ``text`` anywhere, with its wildcards escaped."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


_PHONE_LIKE = re.compile(r"[\d\s()+\-./]+")


def _phrase(text: str) -> str | None:
    """``text`` as an FTS5 trigram phrase, or None when it is too short for the index (< 3 chars)."""
    if len(text) < 3:
        return None
    return '"' + text.replace('"', '""') + '"'


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _reach(contact_id: str) -> str:
    """The SQL of a contact's first email and first phone (columns ``email`` and ``phone``),
    for the contact whose id is the SQL expression ``contact_id``: two primary-key lookups."""
    return (f"(SELECT e.email FROM contact_emails e WHERE e.contact_id = {contact_id} ORDER BY e.position LIMIT 1)"
            f" AS email, (SELECT p.phone FROM contact_phones p WHERE p.contact_id = {contact_id}"
            " ORDER BY p.position LIMIT 1) AS phone")  # fmt: skip


def _instant(text: str | None) -> datetime | None:
    return from_utc_text(text) if text else None


class Store:
    def __init__(self, conn: sqlite3.Connection, path: Path, readonly: bool = False):
        self.conn = conn
        self.path = path
        self.readonly = readonly
        self._depth = 0
        self.audited = False  # set by open_store once the audit tables exist
        self.actor: tuple[str | None, str | None, datetime | None] = (None, None, None)  # user, command, now
        self.change_id: int | None = None

    # ------------------------------------------------------------ plumbing

    def close(self) -> None:
        self.conn.close()

    @contextmanager
    def write(self) -> Iterator[None]:
        """One write transaction (re-entrant): all of it lands, or none of it."""
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as error:
            raise translate(error, self.path) from None
        self._depth = 1
        try:
            if self.audited:
                self._open_change()
            yield
            if self.audited:
                self._close_change()
        except sqlite3.Error as error:
            self._depth = 0
            self.change_id = None
            self._rollback()
            raise translate(error, self.path) from None
        except BaseException:
            self._depth = 0
            self.change_id = None
            self._rollback()
            raise
        self._depth = 0
        try:
            self.conn.execute("COMMIT")
        except sqlite3.Error as error:
            self._rollback()
            raise translate(error, self.path) from None

    def _rollback(self) -> None:
        """Roll back, unless SQLite already did (it does on a full disk or an I/O error)."""
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")

    def _all(self, sql: str, params: Sequence | dict = ()) -> list[sqlite3.Row]:
        return self.conn.execute(sql, params).fetchall()

    def _one(self, sql: str, params: Sequence | dict = ()) -> sqlite3.Row | None:
        return self.conn.execute(sql, params).fetchone()

    def query_plan(self, sql: str, params: Sequence | dict = ()) -> list[str]:
        """EXPLAIN QUERY PLAN details, for the index tests."""
        return [row[3] for row in self._all("EXPLAIN QUERY PLAN " + sql, params)]

    # ------------------------------------------------------------ contacts

    # last_contact_at is kept by triggers on interactions (migration m003_insight).
    _CONTACT_COLUMNS = """c.id, c.uid, c.name, c.org, c.stage, c.birthday, c.note, c.fields,
        c.created_at, c.updated_at, c.last_contact_at"""

    def insert_contact(self, *, name: str, org: str | None, stage: str, birthday: str | None,
                       note: str | None, fields: dict[str, str], emails: Sequence[str],
                       phones: Sequence[str], tags: Sequence[str], at: datetime,
                       uid: str | None = None) -> int:  # fmt: skip
        stamp = to_utc_text(at)
        cursor = self.conn.execute(
            """INSERT INTO contacts (uid, name, name_fold, org, stage, birthday, note, fields,
                                     created_at, updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (uid or new_uid(), name, name.casefold(), org, stage, birthday, note,
             json.dumps(fields, ensure_ascii=False), stamp, stamp),
        )  # fmt: skip
        contact_id = cursor.lastrowid
        self.replace_lists(contact_id, emails=emails, phones=phones, tags=tags)  # also indexes it
        return contact_id

    def update_contact(self, contact_id: int, at: datetime, **columns: object) -> None:
        """Set plain columns (name, org, stage, birthday, note, fields)."""
        if "name" in columns:
            columns["name_fold"] = str(columns["name"]).casefold()
        if "fields" in columns:
            columns["fields"] = json.dumps(columns["fields"], ensure_ascii=False)
        columns["updated_at"] = to_utc_text(at)
        assignments = ", ".join(f"{name} = ?" for name in columns)
        self.conn.execute(
            f"UPDATE contacts SET {assignments} WHERE id = ?", [*columns.values(), contact_id]
        )
        self._index_contact(contact_id)

    def replace_lists(self, contact_id: int, **lists: Sequence[str] | None) -> None:
        """Replace a contact's emails, phones or tags (those given, in order)."""
        for key, values in lists.items():
            if values is None:
                continue
            table, column = _LIST_TABLES[key]
            self.conn.execute(f"DELETE FROM {table} WHERE contact_id = ?", (contact_id,))
            self.conn.executemany(
                f"INSERT INTO {table} (contact_id, position, {column}) VALUES (?, ?, ?)",
                [(contact_id, position, value) for position, value in enumerate(values)],
            )
        self._index_contact(contact_id)
        if lists.get("tags") is not None:
            self.refresh_touch("id = ?", (contact_id,))  # a tag's cadence may now apply

    def delete_contact(self, contact_id: int) -> None:
        self.conn.execute("DELETE FROM contact_search WHERE rowid = ?", (contact_id,))
        self.conn.execute("DELETE FROM contacts WHERE id = ?", (contact_id,))

    def _index_contact(self, contact_id: int) -> None:
        """Refresh the contact's row in the full-text index (every contact write calls this)."""
        self.conn.execute("DELETE FROM contact_search WHERE rowid = ?", (contact_id,))
        self.conn.execute(
            """INSERT INTO contact_search (rowid, name, org, note, emails, phones, tags, fields)
               SELECT c.id, c.name, c.org, c.note,
                      (SELECT group_concat(email, ' ') FROM contact_emails WHERE contact_id = c.id),
                      (SELECT group_concat(phone, ' ') FROM contact_phones WHERE contact_id = c.id),
                      (SELECT group_concat(tag, ' ') FROM contact_tags WHERE contact_id = c.id),
                      (SELECT group_concat(value, ' ') FROM json_each(c.fields))
               FROM contacts c WHERE c.id = ?""",
            (contact_id,),
        )

    def _contacts_from_rows(self, rows: list[sqlite3.Row]) -> list[Contact]:
        if not rows:
            return []
        ids = [row["id"] for row in rows]
        lists: dict[str, dict[int, list[str]]] = {}
        marks = ",".join("?" * len(ids))
        for key, (table, column) in _LIST_TABLES.items():
            found: dict[int, list[str]] = {}
            for contact_id, value in self.conn.execute(
                f"SELECT contact_id, {column} FROM {table} WHERE contact_id IN ({marks})"
                " ORDER BY contact_id, position",
                ids,
            ):
                found.setdefault(contact_id, []).append(value)
            lists[key] = found
        return [
            Contact(
                id=row["id"],
                uid=row["uid"],
                name=row["name"],
                emails=tuple(lists["emails"].get(row["id"], ())),
                phones=tuple(lists["phones"].get(row["id"], ())),
                org=row["org"],
                stage=row["stage"],
                tags=tuple(lists["tags"].get(row["id"], ())),
                birthday=row["birthday"],
                note=row["note"],
                fields=json.loads(row["fields"]),
                last_contact_at=_instant(row["last_contact_at"]),
                created_at=_instant(row["created_at"]),
                updated_at=_instant(row["updated_at"]),
            )
            for row in rows
        ]

    def get_contact(self, contact_id: int) -> Contact | None:
        rows = self._all(f"SELECT {self._CONTACT_COLUMNS} FROM contacts c WHERE c.id = ?", (contact_id,))
        found = self._contacts_from_rows(rows)
        return found[0] if found else None

    def contact_ids_by_email(self, email: str) -> list[int]:
        rows = self._all("SELECT DISTINCT contact_id FROM contact_emails WHERE email = ?", (email,))
        return [row[0] for row in rows]

    def contacts_named(self, folded: str, *, exact: bool, limit: int) -> list[tuple[int, str]]:
        """(id, name) of contacts whose case-folded name is, or contains, ``folded``."""
        if exact:
            sql, param = "SELECT id, name FROM contacts WHERE name_fold = ?", folded
        elif phrase := _phrase(folded):
            sql = ("SELECT id, name FROM contacts WHERE id IN"
                   " (SELECT rowid FROM contact_search WHERE contact_search MATCH ?)")  # fmt: skip
            param = "name : " + phrase
        else:
            sql, param = "SELECT id, name FROM contacts WHERE name_fold LIKE ? ESCAPE '\\'", _like(folded)
        rows = self._all(sql + " ORDER BY name_fold, id LIMIT ?", (param, limit))
        return [(row[0], row[1]) for row in rows]

    @staticmethod
    def _contact_filter(query: ContactQuery) -> tuple[str, list[object]]:
        where: list[str] = []
        params: list[object] = []
        for tag in query.tags:
            where.append("c.id IN (SELECT contact_id FROM contact_tags WHERE tag = ?)")
            params.append(tag)
        if query.stage:
            where.append("c.stage = ?")
            params.append(query.stage)
        if query.org:
            where.append("c.org LIKE ? ESCAPE '\\'")
            params.append(_like(query.org))
        if query.search:
            if phrase := _phrase(query.search):
                # Phones are stored in E.164: "7946 0958" must find +442079460958.
                digits = re.sub(r"\D", "", query.search)
                if _PHONE_LIKE.fullmatch(query.search) and len(digits) >= 3 and digits != query.search:
                    phrase = f"{phrase} OR phones : {_phrase(digits)}"
                where.append("c.id IN (SELECT rowid FROM contact_search WHERE contact_search MATCH ?)")
                params.append(phrase)
            else:  # too short for the trigram index: scan
                where.append(
                    """(c.name_fold LIKE ?1 ESCAPE '\\' OR lower(c.org) LIKE ?1 ESCAPE '\\'
                        OR lower(c.note) LIKE ?1 ESCAPE '\\'
                        OR EXISTS (SELECT 1 FROM contact_emails e WHERE e.contact_id = c.id
                                   AND e.email LIKE ?1 ESCAPE '\\')
                        OR EXISTS (SELECT 1 FROM contact_phones p WHERE p.contact_id = c.id
                                   AND p.phone LIKE ?1 ESCAPE '\\'))""".replace("?1", "?")
                )
                params.extend([_like(query.search.casefold())] * 5)
        if query.stale_before:
            cutoff = to_utc_text(query.stale_before)
            where.append("c.created_at < ? AND (c.last_contact_at IS NULL OR c.last_contact_at < ?)")
            params.extend([cutoff, cutoff])
        if query.consent:
            where.append(f"c.id IN ({_GRANTED})")
            params.append(query.consent)
        return (" WHERE " + " AND ".join(where) if where else ""), params

    def list_contacts(self, query: ContactQuery, batch: int = 500) -> Iterator[Contact]:
        """Contacts matching ``query``, streamed in batches (lists of 100k stay lean)."""
        where, params = self._contact_filter(query)
        order = SORTS[query.sort] + (" DESC" if query.descending else "")
        if query.sort == "score":
            order = self._score_sql() + ("" if query.descending else " DESC")
            params = [*params, to_utc_text(query.now), to_utc_text(query.now - timedelta(days=SCORE_DAYS))]
        sql = f"SELECT {self._CONTACT_COLUMNS} FROM contacts c{where} ORDER BY {order}, c.id"
        if query.limit is not None:
            sql += " LIMIT ?"
            params.append(query.limit)
        cursor = self.conn.execute(sql, params)
        while rows := cursor.fetchmany(batch):
            yield from self._contacts_from_rows(rows)

    def count_contacts(self, query: ContactQuery | None = None) -> int:
        where, params = self._contact_filter(query or ContactQuery())
        return self._one(f"SELECT count(*) FROM contacts c{where}", params)[0]

    # ------------------------------------------------------------ interactions

    _INTERACTION_SELECT = """SELECT i.id, i.uid, i.contact_id, c.name AS contact_name, i.kind,
        i.occurred_at, i.text, i.amount_cents, i.created_at
        FROM interactions i JOIN contacts c ON c.id = i.contact_id"""

    def insert_interaction(self, *, contact_id: int, kind: str, at: datetime, text: str | None,
                           amount: Decimal | None, created: datetime, uid: str | None = None) -> int:  # fmt: skip
        cents = int(amount * 100) if amount is not None else None
        cursor = self.conn.execute(
            """INSERT INTO interactions (uid, contact_id, kind, occurred_at, text, amount_cents, created_at)
               VALUES (?, ?, ?, ?, ?, ?, ?)""",
            (uid or new_uid(), contact_id, kind, to_utc_text(at), text, cents, to_utc_text(created)),
        )
        return cursor.lastrowid

    @staticmethod
    def _interaction(row: sqlite3.Row) -> Interaction:
        cents = row["amount_cents"]
        return Interaction(
            id=row["id"],
            uid=row["uid"],
            contact_id=row["contact_id"],
            contact_name=row["contact_name"],
            kind=row["kind"],
            at=from_utc_text(row["occurred_at"]),
            text=row["text"],
            amount=(Decimal(cents) / 100) if cents is not None else None,
            created_at=_instant(row["created_at"]),
        )

    def get_interaction(self, interaction_id: int) -> Interaction | None:
        row = self._one(self._INTERACTION_SELECT + " WHERE i.id = ?", (interaction_id,))
        return self._interaction(row) if row else None

    def list_interactions(self, *, contact_id: int | None = None, kinds: Sequence[str] = (),
                          since: datetime | None = None, until: datetime | None = None,
                          limit: int | None = None, batch: int = 1000) -> Iterator[Interaction]:  # fmt: skip
        """Interactions, newest first."""
        where, params = [], []
        if contact_id is not None:
            where.append("i.contact_id = ?")
            params.append(contact_id)
        if kinds:
            where.append(f"i.kind IN ({','.join('?' * len(kinds))})")
            params.extend(kinds)
        if since is not None:
            where.append("i.occurred_at >= ?")
            params.append(to_utc_text(since))
        if until is not None:
            where.append("i.occurred_at <= ?")
            params.append(to_utc_text(until))
        sql = self._INTERACTION_SELECT
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY i.occurred_at DESC, i.id DESC"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        cursor = self.conn.execute(sql, params)
        while rows := cursor.fetchmany(batch):
            yield from map(self._interaction, rows)

    # ------------------------------------------------------------ reminders

    _REMINDER_SELECT = f"""SELECT r.id, r.uid, r.contact_id, c.name AS contact_name, {_reach("r.contact_id")},
        r.text, r.due_on, r.due_time, r.rule, r.anchor_on, r.scheduled_on, r.snoozed, r.status,
        r.done_at, r.created_at, r.updated_at
        FROM reminders r JOIN contacts c ON c.id = r.contact_id"""

    def insert_reminder(self, *, contact_id: int, text: str, due_on: date, due_time: time | None,
                        rule: str | None, created: datetime, uid: str | None = None) -> int:  # fmt: skip
        stamp = to_utc_text(created)
        cursor = self.conn.execute(
            """INSERT INTO reminders (uid, contact_id, text, due_on, due_time, rule, anchor_on,
                                      scheduled_on, created_at, updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (uid or new_uid(), contact_id, text, due_on.isoformat(), _clock(due_time), rule,
             due_on.isoformat(), due_on.isoformat(), stamp, stamp),
        )  # fmt: skip
        return cursor.lastrowid

    def reminder_schedule(self, reminder_id: int) -> tuple[date, date] | None:
        """(anchor_on, scheduled_on) of a reminder: what its rule counts from."""
        row = self._one("SELECT anchor_on, scheduled_on FROM reminders WHERE id = ?", (reminder_id,))
        return (date.fromisoformat(row[0]), date.fromisoformat(row[1])) if row else None

    def update_reminder(self, reminder_id: int, at: datetime, *, due_on: date | None = None,
                        due_time: time | None | str = "keep", scheduled_on: date | None = None,
                        snoozed: bool | None = None, status: str | None = None,
                        done_at: datetime | None = None) -> None:  # fmt: skip
        columns: dict[str, object] = {"updated_at": to_utc_text(at)}
        if due_on is not None:
            columns["due_on"] = due_on.isoformat()
        if due_time != "keep":
            columns["due_time"] = _clock(due_time)  # type: ignore[arg-type]
        if scheduled_on is not None:
            columns["scheduled_on"] = scheduled_on.isoformat()
        if snoozed is not None:
            columns["snoozed"] = int(snoozed)
        if status is not None:
            columns["status"] = status
        if done_at is not None:
            columns["done_at"] = to_utc_text(done_at)
        assignments = ", ".join(f"{name} = ?" for name in columns)
        self.conn.execute(f"UPDATE reminders SET {assignments} WHERE id = ?", [*columns.values(), reminder_id])

    def add_completion(self, reminder_id: int, occurrence_on: date, at: datetime) -> None:
        self.conn.execute(
            "INSERT INTO reminder_completions (reminder_id, occurrence_on, done_at) VALUES (?, ?, ?)",
            (reminder_id, occurrence_on.isoformat(), to_utc_text(at)),
        )

    @staticmethod
    def _reminder(row: sqlite3.Row, today: date | None) -> Reminder:
        """A reminder from a row of ``_REMINDER_SELECT``; with ``today``, its state (overdue,
        today...) seen from that day. The row is unpacked by position: reading 17 columns
        by name costs ~2 µs a row, which `due` pays for thousands of rows. A caller may
        select more columns after these."""
        (id_, uid, contact_id, contact_name, contact_email, contact_phone, text, due_on, due_time, rule,
         _anchor_on, _scheduled_on, snoozed, status, done_at, created_at, updated_at, *_more) = row  # fmt: skip
        due_on = date.fromisoformat(due_on)
        state, late = reminder_state(status, due_on, today) if today else ("upcoming", 0)
        return Reminder(
            id=id_,
            uid=uid,
            contact_id=contact_id,
            contact_name=contact_name,
            contact_email=contact_email,
            contact_phone=contact_phone,
            text=text,
            due_on=due_on,
            due_time=time.fromisoformat(due_time) if due_time else None,
            rule=rule,
            status=status,
            state=state,
            days_late=late,
            snoozed=bool(snoozed),
            done_at=_instant(done_at),
            created_at=_instant(created_at),
            updated_at=_instant(updated_at),
        )

    def get_reminders(self, ids: Sequence[int], today: date | None = None) -> dict[int, Reminder]:
        if not ids:
            return {}
        rows = self._all(self._REMINDER_SELECT + f" WHERE r.id IN ({','.join('?' * len(ids))})", list(ids))
        return {row["id"]: self._reminder(row, today) for row in rows}

    def open_reminders(self, *, due_from: date | None = None, due_until: date | None = None,
                       contact_id: int | None = None, limit: int | None = None,
                       today: date | None = None) -> list[Reminder]:  # fmt: skip
        """Open reminders in due order (served by the partial index on open reminders)."""
        where, params = ["r.status = 'open'"], []
        if due_from is not None:
            where.append("r.due_on >= ?")
            params.append(due_from.isoformat())
        if due_until is not None:
            where.append("r.due_on <= ?")
            params.append(due_until.isoformat())
        if contact_id is not None:
            where.append("r.contact_id = ?")
            params.append(contact_id)
        sql = self._REMINDER_SELECT + " WHERE " + " AND ".join(where)
        sql += " ORDER BY r.due_on, r.due_time IS NOT NULL, r.due_time, r.id"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return [self._reminder(row, today) for row in self._all(sql, params)]

    # ------------------------------------------------------------ stages

    def insert_stage_change(self, contact_id: int, from_stage: str | None, to_stage: str,
                            at: datetime, source: str) -> None:  # fmt: skip
        self.conn.execute(
            """INSERT INTO stage_changes (contact_id, from_stage, to_stage, changed_at, source)
               VALUES (?, ?, ?, ?, ?)""",
            (contact_id, from_stage, to_stage, to_utc_text(at), source),
        )

    def stage_history(self, contact_id: int) -> list[StageChange]:
        rows = self._all(
            "SELECT * FROM stage_changes WHERE contact_id = ? ORDER BY changed_at, id", (contact_id,)
        )
        return [
            StageChange(
                id=row["id"],
                contact_id=row["contact_id"],
                from_stage=row["from_stage"],
                to_stage=row["to_stage"],
                at=from_utc_text(row["changed_at"]),
                source=row["source"],
            )
            for row in rows
        ]

    # ------------------------------------------------------------ interchange (issue 4)
    # Import and export: streamed reads in id order, bulk writes with explicit ids
    # inside the caller's transaction, and the full-text index rebuilt in one statement.

    _SEARCH_ROW = """SELECT c.id, c.name, c.org, c.note,
                      (SELECT group_concat(email, ' ') FROM contact_emails WHERE contact_id = c.id),
                      (SELECT group_concat(phone, ' ') FROM contact_phones WHERE contact_id = c.id),
                      (SELECT group_concat(tag, ' ') FROM contact_tags WHERE contact_id = c.id),
                      (SELECT group_concat(value, ' ') FROM json_each(c.fields))
               FROM contacts c"""

    def next_id(self, table: str) -> int:
        """The id the next row of ``table`` would get (call inside a write transaction)."""
        assert table in ("contacts", "interactions", "reminders")
        return (self._one(f"SELECT max(id) FROM {table}")[0] or 0) + 1

    def contact_ids_by_phone(self, phone: str) -> list[int]:
        rows = self._all("SELECT DISTINCT contact_id FROM contact_phones WHERE phone = ?", (phone,))
        return [row[0] for row in rows]

    def contact_id_by_uid(self, uid: str) -> int | None:
        row = self._one("SELECT id FROM contacts WHERE uid = ?", (uid,))
        return row[0] if row else None

    def uid_exists(self, table: str, uid: str) -> bool:
        assert table in ("contacts", "interactions", "reminders")
        return self._one(f"SELECT 1 FROM {table} WHERE uid = ?", (uid,)) is not None

    def bulk_insert_contacts(self, rows: Sequence[dict]) -> None:
        """Insert contacts with explicit ids and their lists; the caller indexes them afterwards.

        Each row: id, uid, name, org, stage, birthday, note, fields, emails, phones, tags,
        created_at, updated_at (datetimes), stage_history [(from, to, at, source)].
        """
        self.conn.executemany(
            """INSERT INTO contacts (id, uid, name, name_fold, org, stage, birthday, note, fields,
                                     created_at, updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [(r["id"], r["uid"], r["name"], r["name"].casefold(), r["org"], r["stage"], r["birthday"],
              r["note"], json.dumps(r["fields"], ensure_ascii=False), to_utc_text(r["created_at"]),
              to_utc_text(r["updated_at"])) for r in rows],
        )  # fmt: skip
        for key, (table, column) in _LIST_TABLES.items():
            self.conn.executemany(
                f"INSERT INTO {table} (contact_id, position, {column}) VALUES (?, ?, ?)",
                [(r["id"], position, value) for r in rows for position, value in enumerate(r[key])],
            )
        self.conn.executemany(
            """INSERT INTO stage_changes (contact_id, from_stage, to_stage, changed_at, source)
               VALUES (?, ?, ?, ?, ?)""",
            [(r["id"], old, new, to_utc_text(at), source) for r in rows
             for old, new, at, source in r["stage_history"]],
        )  # fmt: skip

    def index_contacts_from(self, first_id: int) -> None:
        """Add contacts with ``id >= first_id`` to the full-text index, in one statement."""
        self.conn.execute(
            "INSERT INTO contact_search (rowid, name, org, note, emails, phones, tags, fields) "
            + self._SEARCH_ROW + " WHERE c.id >= ?",
            (first_id,),
        )

    def bulk_insert_interactions(self, rows: Sequence[dict]) -> None:
        self.conn.executemany(
            """INSERT INTO interactions (uid, contact_id, kind, occurred_at, text, amount_cents, created_at)
               VALUES (?, ?, ?, ?, ?, ?, ?)""",
            [(r["uid"], r["contact_id"], r["kind"], to_utc_text(r["at"]), r["text"],
              int(r["amount"] * 100) if r["amount"] is not None else None, to_utc_text(r["created_at"]))
             for r in rows],
        )  # fmt: skip

    def bulk_insert_reminders(self, rows: Sequence[dict]) -> None:
        self.conn.executemany(
            """INSERT INTO reminders (uid, contact_id, text, due_on, due_time, rule, anchor_on,
                                      scheduled_on, snoozed, status, done_at, created_at, updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [(r["uid"], r["contact_id"], r["text"], r["due_on"].isoformat(), _clock(r["due_time"]), r["rule"],
              r["anchor_on"].isoformat(), r["scheduled_on"].isoformat(), int(r["snoozed"]), r["status"],
              to_utc_text(r["done_at"]) if r["done_at"] else None, to_utc_text(r["created_at"]),
              to_utc_text(r["updated_at"])) for r in rows],
        )  # fmt: skip

    def stage_histories(self, contact_ids: Sequence[int]) -> dict[int, list[StageChange]]:
        if not contact_ids:
            return {}
        rows = self._all(
            f"SELECT * FROM stage_changes WHERE contact_id IN ({','.join('?' * len(contact_ids))})"
            " ORDER BY contact_id, changed_at, id",
            list(contact_ids),
        )
        found: dict[int, list[StageChange]] = {}
        for row in rows:
            found.setdefault(row["contact_id"], []).append(
                StageChange(id=row["id"], contact_id=row["contact_id"], from_stage=row["from_stage"],
                            to_stage=row["to_stage"], at=from_utc_text(row["changed_at"]),
                            source=row["source"])  # fmt: skip
            )
        return found

    def export_interactions(self, batch: int = 2000) -> Iterator[tuple[Interaction, str]]:
        """Every interaction in id order with its contact's uid, streamed."""
        cursor = self.conn.execute(
            "SELECT i.id, i.uid, i.contact_id, c.name AS contact_name, c.uid AS contact_uid, i.kind,"
            " i.occurred_at, i.text, i.amount_cents, i.created_at"
            " FROM interactions i JOIN contacts c ON c.id = i.contact_id ORDER BY i.id"
        )
        while rows := cursor.fetchmany(batch):
            for row in rows:
                yield self._interaction(row), row["contact_uid"]

    def export_reminders(self, *, open_only: bool = False, today: date | None = None, batch: int = 2000
                         ) -> Iterator[tuple[Reminder, str, date, date]]:  # fmt: skip
        """Every reminder in id order with its contact's uid, anchor and scheduled day, streamed."""
        sql = self._REMINDER_SELECT.replace("r.updated_at", "r.updated_at, c.uid AS contact_uid", 1)
        if open_only:
            sql += " WHERE r.status = 'open'"
        cursor = self.conn.execute(sql + " ORDER BY r.id")
        while rows := cursor.fetchmany(batch):
            for row in rows:
                yield (self._reminder(row, today), row["contact_uid"], date.fromisoformat(row["anchor_on"]),
                       date.fromisoformat(row["scheduled_on"]))  # fmt: skip

    def search_contacts(self, text: str, limit: int) -> list[tuple[int, str, float, dict[str, str]]]:
        """(id, name, bm25 rank, indexed texts by column) of contacts whose text contains ``text`` (3+ chars)."""
        phrase = _phrase(text)
        if phrase is None:
            return []
        rows = self._all(
            """SELECT s.rowid, c.name, bm25(contact_search) AS rank,
                      s.name, s.org, s.note, s.emails, s.phones, s.tags, s.fields
               FROM contact_search s JOIN contacts c ON c.id = s.rowid
               WHERE contact_search MATCH ? ORDER BY rank LIMIT ?""",
            (phrase, limit),
        )
        columns = ("name", "org", "note", "emails", "phones", "tags", "fields")
        return [(row[0], row[1], row[2], {k: row[3 + n] for n, k in enumerate(columns) if row[3 + n]})
                for row in rows]  # fmt: skip

    def search_interactions(self, words: Sequence[str], limit: int) -> list[tuple[int, int, str, datetime, float, str]]:
        """(id, contact id, contact name, at, bm25 rank, snippet) of interactions with every word (as a prefix)."""
        if not words:
            return []
        query = " ".join('"' + word.replace('"', '""') + '"*' for word in words)
        rows = self._all(
            """SELECT i.id, i.contact_id, c.name, i.occurred_at, bm25(interactions_fts) AS rank,
                      snippet(interactions_fts, 0, '«', '»', '…', 12)
               FROM interactions_fts f JOIN interactions i ON i.id = f.rowid
               JOIN contacts c ON c.id = i.contact_id
               WHERE interactions_fts MATCH ? ORDER BY rank LIMIT ?""",
            (query, limit),
        )
        return [(row[0], row[1], row[2], from_utc_text(row[3]), row[4], row[5]) for row in rows]

    # ------------------------------------------------------------ duplicates and merge (issue 4)

    def shared_values(self) -> Iterator[tuple[str, str, list[int]]]:
        """("email"|"phone", value, contact ids) for every email or phone that several contacts have."""
        for key in ("emails", "phones"):
            table, column = _LIST_TABLES[key]
            rows = self.conn.execute(
                f"SELECT {column}, group_concat(DISTINCT contact_id) FROM {table}"
                f" GROUP BY {column} HAVING count(DISTINCT contact_id) > 1 ORDER BY {column}"
            )
            for value, ids in rows:
                yield key[:-1], value, sorted(int(i) for i in ids.split(","))

    def contacts_sharing_an_org(self) -> Iterator[tuple[str, list[tuple[int, str]]]]:
        """(organisation, [(id, name)]) for every organisation that several contacts have."""
        rows = self.conn.execute(
            """SELECT c.org, c.id, c.name FROM contacts c
               WHERE lower(trim(c.org)) IN (SELECT lower(trim(org)) FROM contacts WHERE org IS NOT NULL
                                            GROUP BY lower(trim(org)) HAVING count(*) > 1)
               ORDER BY lower(trim(c.org)), c.id"""
        )
        current, group = None, []
        for org, contact_id, name in rows:
            key = org.strip().lower()
            if key != current and group:
                yield current, group
                group = []
            current = key
            group.append((contact_id, name))
        if group:
            yield current, group

    def move_contact_records(self, from_id: int, to_id: int) -> dict[str, int]:
        """Re-point OTHER's interactions, reminders and stage changes at KEEP; how many of each."""
        moved = {}
        for table in ("interactions", "reminders", "stage_changes"):
            cursor = self.conn.execute(f"UPDATE {table} SET contact_id = ? WHERE contact_id = ?", (to_id, from_id))
            moved[table] = cursor.rowcount
        return moved


    # ------------------------------------------------------------ trust: backup, restore, doctor (issue 6)

    def backup_to(self, target: Path) -> None:
        """A consistent copy in one file, owner-readable only (SQLite's online backup API).

        It copies one snapshot, so other processes may keep writing meanwhile.
        """
        target = Path(target).expanduser()
        try:
            os.close(os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        except FileExistsError:
            raise StoreError(f"{target} already exists", "Choose another path, or remove it first") from None
        except OSError as error:
            raise StoreError(f"cannot create {target}: {error.strerror}", "Check the path") from None
        try:
            dest = sqlite3.connect(target, isolation_level=None)
            try:
                self.conn.backup(dest)
                dest.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
            finally:
                dest.close()
        except sqlite3.Error as error:
            target.unlink(missing_ok=True)
            raise translate(error, target) from None

    def restore_from(self, source: Store) -> None:
        """Replace this database's content with ``source``'s, in one step (other readers stay safe)."""
        try:
            source.conn.backup(self.conn)
        except sqlite3.Error as error:
            raise translate(error, self.path) from None

    def upgrade(self, now: datetime) -> None:
        """Migrate forward if the content is older than this minicrm (after a restore)."""
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        if version < len(migrations.MIGRATIONS):
            self.audited = False  # the audit tables may not exist until the migration has run
            _migrate(self, version, now)
        self.audited = _audited(self)

    def health(self) -> dict[str, object]:
        """What ``doctor`` reports: integrity, foreign keys, schema version, row counts."""
        try:
            integrity = [row[0] for row in self._all("PRAGMA integrity_check")]
            broken_links = len(self._all("PRAGMA foreign_key_check"))
            schema = self._one("PRAGMA user_version")[0]
            rows = self._all("SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name")
            virtual = [name for name, sql in rows if (sql or "").upper().startswith("CREATE VIRTUAL")]
            tables = [name for name, _ in rows
                      if not name.startswith("sqlite_") and name not in virtual
                      and not any(name.startswith(v + "_") for v in virtual)]  # fmt: skip
            counts = {name: self._one(f'SELECT count(*) FROM "{name}"')[0] for name in tables}
        except sqlite3.Error as error:
            raise translate(error, self.path) from None
        return {"integrity": integrity, "broken_links": broken_links, "schema": schema, "counts": counts}

    def file_sizes(self) -> dict[str, int]:
        """Bytes on disk of the database file and its write-ahead log."""
        sizes = {}
        for suffix in ("", "-wal"):
            candidate = Path(str(self.path) + suffix)
            sizes[candidate.name] = candidate.stat().st_size if candidate.exists() else 0
        return sizes


    # ------------------------------------------------------------ trust: audit trail and undo (issue 6)

    def _open_change(self) -> None:
        """Every write transaction is one change: who, when, which command (triggers fill in what)."""
        user, command, at = self.actor
        stamp = to_utc_text(at) if at else None
        cursor = self.conn.execute(
            "INSERT INTO changes (at, user, command) VALUES (coalesce(?, strftime('%Y-%m-%dT%H:%M:%SZ', 'now')), ?, ?)",
            (stamp, user, command),
        )
        self.change_id = cursor.lastrowid
        self.conn.execute("UPDATE audit_state SET change_id = ? WHERE id = 1", (self.change_id,))

    def _close_change(self) -> None:
        self.conn.execute("UPDATE audit_state SET change_id = NULL WHERE id = 1")
        self.conn.execute(
            "DELETE FROM changes WHERE id = ?1 AND undoable AND NOT EXISTS (SELECT 1 FROM audit WHERE change_id = ?1)",
            (self.change_id,),
        )
        self.change_id = None

    def mark_change_final(self) -> None:
        """The open change can never be undone (an erasure)."""
        self.conn.execute("UPDATE changes SET undoable = 0 WHERE id = ?", (self.change_id,))

    def recent_changes(self, limit: int, before: int | None = None) -> list[sqlite3.Row]:
        """The latest changes (before change ``before``), newest first: id, at, user, command, undoable, rows."""
        return self._all(
            """SELECT c.id, c.at, c.user, c.command, c.undoable,
                      (SELECT count(*) FROM audit a WHERE a.change_id = c.id) AS rows
               FROM changes c WHERE c.id < ? ORDER BY c.id DESC LIMIT ?""",
            (before if before is not None else 2**62, limit),
        )

    def audit_entries(self, *, contact_id: int | None = None, limit: int | None = None,
                      batch: int = 500) -> Iterator[sqlite3.Row]:  # fmt: skip
        """Audit rows with their change, newest first."""
        sql = """SELECT a.id, a.change_id, c.at, c.user, c.command, a.tbl, a.action, a.contact_id, a.old, a.new
                 FROM audit a JOIN changes c ON c.id = a.change_id"""
        params: list[object] = []
        if contact_id is not None:
            sql += " WHERE a.contact_id = ?"
            params.append(contact_id)
        sql += " ORDER BY a.change_id DESC, a.id DESC"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        cursor = self.conn.execute(sql, params)
        while rows := cursor.fetchmany(batch):
            yield from rows

    def _keys(self, table: str) -> tuple[list[str], list[str]]:
        """(columns, primary-key columns) of a table."""
        info = self._all(f'PRAGMA table_info("{table}")')
        columns = [row[1] for row in info]
        keys = [row[1] for row in sorted(info, key=lambda r: r[5]) if row[5]]
        return columns, keys

    def revert(self, change_ids: Sequence[int]) -> int:
        """Apply the inverse of every row image of these changes, newest first; returns rows reverted.

        Runs inside the caller's write transaction, so the reversal is itself a change.
        """
        marks = ",".join("?" * len(change_ids))
        rows = self._all(f"SELECT tbl, action, old, new, contact_id FROM audit WHERE change_id IN ({marks})"
                         " ORDER BY id DESC", list(change_ids))  # fmt: skip
        self.conn.execute("PRAGMA defer_foreign_keys = ON")  # cascades were recorded child and parent apart
        shapes: dict[str, tuple[list[str], list[str]]] = {}
        touched: set[int] = set()
        for table, action, old_text, new_text, contact_id in rows:
            columns, keys = shapes.setdefault(table, self._keys(table))
            old = json.loads(old_text) if old_text else None
            new = json.loads(new_text) if new_text else None
            if action == "insert":
                where = " AND ".join(f'"{k}" = ?' for k in keys)
                self.conn.execute(f'DELETE FROM "{table}" WHERE {where}', [new[k] for k in keys])
            elif action == "delete":
                names = [c for c in columns if c in old]
                listed = ", ".join(f'"{c}"' for c in names)
                self.conn.execute(f'INSERT INTO "{table}" ({listed}) VALUES ({",".join("?" * len(names))})',
                                  [old[c] for c in names])  # fmt: skip
            else:
                names = [c for c in columns if c in old]
                assignments = ", ".join(f'"{c}" = ?' for c in names)
                where = " AND ".join(f'"{k}" = ?' for k in keys)
                self.conn.execute(f'UPDATE "{table}" SET {assignments} WHERE {where}',
                                  [old[c] for c in names] + [new[k] for k in keys])  # fmt: skip
            if contact_id is not None:
                touched.add(contact_id)
        for contact_id in touched:
            self._index_contact(contact_id)
        return len(rows)


    # ------------------------------------------------------------ trust: consent and erasure (issue 6)

    _CONSENT_SELECT = """SELECT k.id, k.contact_id, c.name AS contact_name, k.purpose, k.granted, k.at,
        k.source, k.recorded_at FROM consents k JOIN contacts c ON c.id = k.contact_id"""

    def insert_consent(self, *, contact_id: int, purpose: str, granted: bool, at: datetime,
                       source: str | None, recorded: datetime) -> int:  # fmt: skip
        cursor = self.conn.execute(
            "INSERT INTO consents (contact_id, purpose, granted, at, source, recorded_at) VALUES (?, ?, ?, ?, ?, ?)",
            (contact_id, purpose, int(granted), to_utc_text(at), source, to_utc_text(recorded)),
        )
        return cursor.lastrowid

    @staticmethod
    def _consent(row: sqlite3.Row) -> Consent:
        return Consent(id=row["id"], contact_id=row["contact_id"], contact_name=row["contact_name"],
                       purpose=row["purpose"], granted=bool(row["granted"]), at=from_utc_text(row["at"]),
                       source=row["source"], recorded_at=_instant(row["recorded_at"]))  # fmt: skip

    def consent_history(self, contact_id: int) -> list[Consent]:
        rows = self._all(self._CONSENT_SELECT + " WHERE k.contact_id = ? ORDER BY k.at, k.id", (contact_id,))
        return [self._consent(row) for row in rows]

    def current_consent(self, contact_id: int) -> list[Consent]:
        """The latest grant or revocation per purpose, by purpose."""
        latest: dict[str, Consent] = {}
        for consent in self.consent_history(contact_id):
            latest[consent.purpose] = consent
        return [latest[p] for p in sorted(latest)]

    def reminders_of(self, contact_id: int, today: date | None = None) -> list[Reminder]:
        """Every reminder of a contact, open and done."""
        rows = self._all(self._REMINDER_SELECT + " WHERE r.contact_id = ? ORDER BY r.due_on, r.id", (contact_id,))
        return [self._reminder(row, today) for row in rows]

    def privacy_salt(self) -> str:
        return self._one("SELECT salt FROM privacy_salt WHERE id = 1")[0]

    def all_erased_hashes(self) -> set[str]:
        """Every hash an erased person is remembered by (erasures are few: import loads them once)."""
        return {row[0] for row in self._all("SELECT hash FROM erased")}

    def erased_hashes(self, hashes: Sequence[str]) -> list[str]:
        if not hashes:
            return []
        rows = self._all(f"SELECT hash FROM erased WHERE hash IN ({','.join('?' * len(hashes))})", list(hashes))
        return [row[0] for row in rows]

    def erase_contact(self, contact_id: int, hashes: Sequence[str], at: datetime,
                      keep_amounts_with: int | None) -> None:  # fmt: skip
        """Remove a person from every table, the search index and the audit trail (in the open change).

        Interactions with an amount move, without their text, to the contact
        ``keep_amounts_with`` (an anonymous placeholder) so totals still add up.
        """
        stamp = to_utc_text(at)
        self.conn.execute("PRAGMA secure_delete = ON")  # freed pages are zeroed, not left readable
        self.conn.executemany("INSERT OR IGNORE INTO erased (hash, erased_at) VALUES (?, ?)",
                              [(h, stamp) for h in hashes])  # fmt: skip
        if keep_amounts_with is not None:
            rows = self._all("SELECT id FROM interactions WHERE contact_id = ? AND amount_cents IS NOT NULL",
                             (contact_id,))  # fmt: skip
            for (interaction_id,) in rows:
                self.conn.execute(
                    "UPDATE interactions SET contact_id = ?, text = NULL, uid = ? WHERE id = ?",
                    (keep_amounts_with, new_uid(), interaction_id),
                )
        self.delete_contact(contact_id)
        self.conn.execute("DELETE FROM audit WHERE contact_id = ?", (contact_id,))
        # Audit rows of the moved amounts name the person through their old image: drop them too.
        if keep_amounts_with is not None:
            self.conn.execute(
                "DELETE FROM audit WHERE tbl = 'interactions' AND contact_id = ? AND json_extract(old, '$.contact_id') = ?",
                (keep_amounts_with, contact_id),
            )

    def scrub_files(self) -> bool:
        """After an erasure commits: merge the search indexes (dropping deleted entries), vacuum away
        free pages, and truncate the write-ahead log, so no old copy of a row stays in the files.
        False when another process's open read kept this from finishing."""
        try:
            self.conn.execute("PRAGMA secure_delete = ON")
            with self.write():
                self.conn.execute("INSERT INTO contact_search (contact_search) VALUES ('optimize')")
                self.conn.execute("INSERT INTO interactions_fts (interactions_fts) VALUES ('optimize')")
            self.conn.execute("VACUUM")
            busy = self._one("PRAGMA wal_checkpoint(TRUNCATE)")[0]
        except (sqlite3.Error, StoreError):  # the erasure itself is committed: report, do not fail
            return False
        return not busy

    def placeholder_contact(self, name: str, at: datetime) -> int:
        """The id of the anonymous contact that keeps erased people's amounts (created once)."""
        row = self._one("SELECT id FROM contacts WHERE uid = 'erased-people'")
        if row:
            return row[0]
        stamp = to_utc_text(at)
        cursor = self.conn.execute(
            """INSERT INTO contacts (uid, name, name_fold, note, created_at, updated_at)
               VALUES ('erased-people', ?, ?, 'Amounts of people erased with minicrm forget.', ?, ?)""",
            (name, name.casefold(), stamp, stamp),
        )
        self._index_contact(cursor.lastrowid)
        return cursor.lastrowid


    # ------------------------------------------------------------ insight (issue 5)

    def contact_stage(self, contact_id: int) -> str | None:
        row = self._one("SELECT stage FROM contacts WHERE id = ?", (contact_id,))
        return row[0] if row else None

    def order_count(self, contact_id: int) -> int:
        """How many orders a contact has (served by the partial orders index)."""
        return self._one(
            "SELECT count(*) FROM interactions WHERE contact_id = ? AND kind = 'order'", (contact_id,)
        )[0]

    def set_referred(self, interaction_id: int, referred_id: int) -> None:
        self.conn.execute("UPDATE interactions SET referred_id = ? WHERE id = ?", (referred_id, interaction_id))

    def referrals(self, contact_id: int | None = None) -> list[Referral]:
        """Referral interactions, newest first: all, or those made by or naming ``contact_id``."""
        sql = """SELECT i.id, i.occurred_at, i.contact_id, a.name AS referrer_name,
                        i.referred_id, b.name AS referred_name, i.text
                 FROM interactions i JOIN contacts a ON a.id = i.contact_id
                 LEFT JOIN contacts b ON b.id = i.referred_id"""
        params: list[object] = []
        if contact_id is not None:
            sql += """ WHERE i.id IN (SELECT id FROM interactions WHERE contact_id = ? AND kind = 'referral'
                                      UNION SELECT id FROM interactions WHERE referred_id = ?)"""
            params = [contact_id, contact_id]
        else:
            sql += " WHERE i.kind = 'referral'"
        sql += " ORDER BY i.occurred_at DESC, i.id DESC"
        return [
            Referral(id=row[0], at=from_utc_text(row[1]), referrer_id=row[2], referrer_name=row[3],
                     referred_id=row[4], referred_name=row[5], text=row[6])
            for row in self._all(sql, params)
        ]  # fmt: skip


    _DEAL_SELECT = """SELECT d.id, d.uid, d.contact_id, c.name AS contact_name, d.title, d.value_cents, d.stage,
        d.close_on, d.closed_at, d.created_at, d.updated_at
        FROM deals d JOIN contacts c ON c.id = d.contact_id"""

    @staticmethod
    def _deal(row: sqlite3.Row) -> Deal:
        return Deal(id=row["id"], uid=row["uid"], contact_id=row["contact_id"], contact_name=row["contact_name"],
                    title=row["title"], value=Decimal(row["value_cents"]) / 100, stage=row["stage"],
                    close_on=_day(row["close_on"]), closed_at=_instant(row["closed_at"]),
                    created_at=_instant(row["created_at"]), updated_at=_instant(row["updated_at"]))  # fmt: skip

    def insert_deal(self, *, contact_id: int, title: str, value: Decimal, stage: str, close_on: date | None,
                    created: datetime) -> int:  # fmt: skip
        stamp = to_utc_text(created)
        cursor = self.conn.execute(
            """INSERT INTO deals (uid, contact_id, title, value_cents, stage, close_on, closed_at,
                                  created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (new_uid(), contact_id, title, int(value * 100), stage, close_on.isoformat() if close_on else None,
             stamp if stage in ("won", "lost") else None, stamp, stamp),
        )  # fmt: skip
        return cursor.lastrowid

    def move_deal(self, deal_id: int, stage: str, at: datetime) -> None:
        stamp = to_utc_text(at)
        closed = stamp if stage in ("won", "lost") else None
        self.conn.execute("UPDATE deals SET stage = ?, closed_at = ?, updated_at = ? WHERE id = ?",
                          (stage, closed, stamp, deal_id))  # fmt: skip

    def get_deal(self, deal_id: int) -> Deal | None:
        row = self._one(self._DEAL_SELECT + " WHERE d.id = ?", (deal_id,))
        return self._deal(row) if row else None

    def list_deals(self, *, stages: Sequence[str] = (), contact_id: int | None = None) -> list[Deal]:
        """Deals by close date (open ones without a date last), then id."""
        where, params = [], []
        if stages:
            where.append(f"d.stage IN ({','.join('?' * len(stages))})")
            params.extend(stages)
        if contact_id is not None:
            where.append("d.contact_id = ?")
            params.append(contact_id)
        sql = self._DEAL_SELECT + (" WHERE " + " AND ".join(where) if where else "")
        sql += " ORDER BY d.close_on IS NULL, d.close_on, d.id"
        return [self._deal(row) for row in self._all(sql, params)]

    def pipeline(self) -> dict[str, tuple[int, int]]:
        """stage -> (count, value in cents), from the (stage, value_cents) index."""
        rows = self._all("SELECT stage, count(*), coalesce(sum(value_cents), 0) FROM deals GROUP BY stage")
        return {row[0]: (row[1], row[2]) for row in rows}

    def deals_closing_by(self, until: date) -> list[Deal]:
        """Open deals whose close date is on or before ``until`` (partial index on open deals)."""
        rows = self._all(self._DEAL_SELECT + " WHERE d.stage NOT IN ('won', 'lost') AND d.close_on <= ?"
                         " ORDER BY d.close_on, d.id", (until.isoformat(),))  # fmt: skip
        return [self._deal(row) for row in rows]


    _RFM_GROUP = """CASE
                WHEN r >= 4 AND f >= 4 THEN 'champions'
                WHEN r >= 3 AND f >= 3 THEN 'loyal'
                WHEN r >= 3 THEN 'new'
                WHEN f >= 3 THEN 'at-risk'
                WHEN r = 2 THEN 'hibernating'
                ELSE 'lost' END"""

    def customer_values(self, now: datetime, *, at_risk: bool = False, group: str | None = None,
                        order: str = "value", limit: int | None = None,
                        scored: bool = True) -> list[sqlite3.Row]:  # fmt: skip
        """Per customer (a contact with orders that carry an amount): value, rhythm, RFM scores and group.

        Rows: contact_id, orders, cents, first_at, last_at, median_gap, risk_at, reorder_at, r, f, m,
        rfm_group, name. ``at_risk``: silent for more than twice their median gap (risk_at passed).
        A score is 1 + 5 x the customer's percent rank (capped at 5). With a small ``limit`` and no
        ``group`` the rows are picked by index and scored one by one (three index counts each);
        otherwise every customer is scored at once (window functions, ~1.5 s at 100k customers).
        """
        params: dict[str, object] = {"now": to_utc_text(now)}
        order_by = {"value": "cents DESC, contact_id", "orders": "orders DESC, cents DESC, contact_id",
                    "recent": "last_at DESC, contact_id"}[order]  # fmt: skip
        tail = f" ORDER BY {order_by}"
        if limit is not None:
            tail += " LIMIT :limit"
            params["limit"] = limit
        if group is None and not scored:  # the report's lists: no RFM scores, index only
            where = " WHERE s.risk_at < :now" if at_risk else ""
            sql = f"""SELECT s.*, NULL AS r, NULL AS f, NULL AS m, NULL AS rfm_group, c.name
                FROM customer_stats s JOIN contacts c ON c.id = s.contact_id{where}{tail}"""
            return self._all(sql, params)
        if group is None and limit is not None and limit <= 200:
            # a few rows: pick them by index, then score each with three index counts
            base = self.customer_values(now, at_risk=at_risk, order=order, limit=limit, scored=False)
            total = max(1, self._one("SELECT count(*) FROM customer_stats")[0] - 1)
            scored_rows = []
            for row in base:
                score = self._one(
                    f"""SELECT r, f, m, {self._RFM_GROUP} AS rfm_group FROM (SELECT
                        min(5, 1 + CAST(5.0 * (SELECT count(*) FROM customer_stats WHERE last_at < :last) / :n AS INTEGER)) AS r,
                        min(5, 1 + CAST(5.0 * (SELECT count(*) FROM customer_stats WHERE orders < :orders) / :n AS INTEGER)) AS f,
                        min(5, 1 + CAST(5.0 * (SELECT count(*) FROM customer_stats WHERE cents < :cents) / :n AS INTEGER)) AS m)""",
                    {"last": row["last_at"], "orders": row["orders"], "cents": row["cents"], "n": total},
                )  # fmt: skip
                scored_rows.append({**dict(row), **dict(score)})
            return scored_rows
        where = []
        if group is not None:
            where.append("g.rfm_group = :group")
            params["group"] = group
        if at_risk:
            where.append("g.risk_at < :now")
        sql = f"""SELECT g.*, c.name FROM (
                SELECT scored.*, {self._RFM_GROUP} AS rfm_group FROM (
                    SELECT s.*,
                        min(5, 1 + CAST(5 * percent_rank() OVER (ORDER BY s.last_at) AS INTEGER)) AS r,
                        min(5, 1 + CAST(5 * percent_rank() OVER (ORDER BY s.orders) AS INTEGER)) AS f,
                        min(5, 1 + CAST(5 * percent_rank() OVER (ORDER BY s.cents) AS INTEGER)) AS m
                    FROM customer_stats s) scored
                ) g JOIN contacts c ON c.id = g.contact_id{" WHERE " + " AND ".join(where) if where else ""}{tail}"""
        return self._all(sql, params)

    def stage_counts(self) -> dict[str, int]:
        return {row[0]: row[1] for row in self._all("SELECT stage, count(*) FROM contacts GROUP BY stage")}

    def stage_entries(self, start: datetime, end: datetime) -> dict[str, int]:
        """Distinct contacts that reached each stage in [start, end): added at it, or moved to it."""
        rows = self._all(
            """SELECT to_stage, count(DISTINCT contact_id) FROM stage_changes
               WHERE changed_at >= ? AND changed_at < ? GROUP BY to_stage""",
            (to_utc_text(start), to_utc_text(end)),
        )
        return {row[0]: row[1] for row in rows}

    def interaction_counts(self, bounds: Sequence[tuple[datetime, datetime]]) -> list[int]:
        """Interactions in each [start, end) range (the occurred_at index, one range count each)."""
        return [
            self._one("SELECT count(*) FROM interactions WHERE occurred_at >= ? AND occurred_at < ?",
                      (to_utc_text(a), to_utc_text(b)))[0]
            for a, b in bounds
        ]  # fmt: skip

    def order_totals(self, bounds: Sequence[tuple[datetime, datetime]]) -> list[tuple[int, int]]:
        """(orders with an amount, cents) in each [start, end) range (the partial index on orders by time)."""
        sql = """SELECT count(amount_cents), coalesce(sum(amount_cents), 0) FROM interactions
                 INDEXED BY interactions_orders_at
                 WHERE kind = 'order' AND occurred_at >= ? AND occurred_at < ?"""
        return [tuple(self._one(sql, (to_utc_text(a), to_utc_text(b)))) for a, b in bounds]

    def count_stale(self, cutoff: datetime) -> int:
        """Contacts created before ``cutoff`` with no interaction since (the last_contact_at index)."""
        stamp = to_utc_text(cutoff)
        return self._one(
            """SELECT (SELECT count(*) FROM contacts WHERE last_contact_at < ?1 AND created_at < ?1)
                    + (SELECT count(*) FROM contacts WHERE last_contact_at IS NULL AND created_at < ?1)""",
            (stamp,),
        )[0]

    def count_open_reminders(self, due_from: date | None, due_until: date) -> int:
        where, params = "status = 'open' AND due_on <= ?", [due_until.isoformat()]
        if due_from is not None:
            where += " AND due_on >= ?"
            params.append(due_from.isoformat())
        return self._one(f"SELECT count(*) FROM reminders WHERE {where}", params)[0]


    # keep-in-touch cadence: touch_days = own cadence, else the shortest of their tags';
    # next_touch_at = last contact (or creation) + touch_days, indexed for `due`.

    def refresh_touch(self, where: str, params: Sequence = ()) -> None:
        """Recompute touch_days and next_touch_at for the contacts ``where`` selects."""
        self.conn.execute(
            f"""UPDATE contacts SET touch_days = coalesce(cadence_days,
                    (SELECT min(tc.days) FROM contact_tags t JOIN tag_cadences tc ON tc.tag = t.tag
                     WHERE t.contact_id = contacts.id)) WHERE {where}""",
            params,
        )
        self.conn.execute(
            f"""UPDATE contacts SET next_touch_at = CASE WHEN touch_days IS NULL THEN NULL
                    ELSE strftime('%Y-%m-%dT%H:%M:%SZ', coalesce(last_contact_at, created_at),
                                  '+' || touch_days || ' days') END WHERE {where}""",
            params,
        )

    def set_contact_cadence(self, contact_id: int, days: int | None) -> None:
        self.conn.execute("UPDATE contacts SET cadence_days = ? WHERE id = ?", (days, contact_id))
        self.refresh_touch("id = ?", (contact_id,))

    def set_tag_cadence(self, tag: str, days: int | None) -> None:
        if days is None:
            self.conn.execute("DELETE FROM tag_cadences WHERE tag = ?", (tag,))
        else:
            self.conn.execute("INSERT OR REPLACE INTO tag_cadences (tag, days) VALUES (?, ?)", (tag, days))
        self.refresh_touch("id IN (SELECT contact_id FROM contact_tags WHERE tag = ?)", (tag,))

    def tag_cadences(self) -> dict[str, int]:
        return {row[0]: row[1] for row in self._all("SELECT tag, days FROM tag_cadences ORDER BY tag")}

    def touch_of(self, contact_id: int) -> tuple[int | None, int | None, datetime | None]:
        """(own cadence, cadence in force, next touch) of a contact."""
        row = self._one("SELECT cadence_days, touch_days, next_touch_at FROM contacts WHERE id = ?", (contact_id,))
        return (row[0], row[1], _instant(row[2])) if row else (None, None, None)

    def touches_due(self, before: datetime, limit: int | None = None) -> list[sqlite3.Row]:
        """Contacts whose next touch is before ``before`` (the next_touch_at index), most overdue first."""
        sql = f"""SELECT c.id, c.uid, c.name, c.touch_days, c.next_touch_at, c.last_contact_at, c.created_at,
                    {_reach("c.id")}
                 FROM contacts c WHERE c.next_touch_at < ? ORDER BY c.next_touch_at, c.id"""
        params: list[object] = [to_utc_text(before)]
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return self._all(sql, params)

    def contact_reach(self, contact_ids: Sequence[int]) -> dict[int, tuple[str | None, str | None]]:
        """First email and phone of each contact."""
        found: dict[int, tuple[str | None, str | None]] = {}
        for start in range(0, len(contact_ids), 500):
            chunk = list(contact_ids[start:start + 500])
            marks = ",".join("?" * len(chunk))
            for row in self._all(
                f"SELECT c.id, {_reach('c.id')} FROM contacts c WHERE c.id IN ({marks})", chunk):
                found[row[0]] = (row[1], row[2])
        return found

    def lifetime_cents(self, contact_ids: Sequence[int]) -> dict[int, int]:
        """Lifetime order value (cents) of those of ``contact_ids`` who are customers (primary-key lookups)."""
        found: dict[int, int] = {}
        ids = list(dict.fromkeys(contact_ids))
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            marks = ",".join("?" * len(chunk))
            for row in self._all(f"SELECT contact_id, cents FROM customer_stats WHERE contact_id IN ({marks})", chunk):
                found[row[0]] = row[1]
        return found


    # segments: saved filters of `list`

    def save_segment(self, name: str, filters: dict, at: datetime) -> None:
        self.conn.execute("INSERT OR REPLACE INTO segments (name, filters, created_at) VALUES (?, ?, ?)",
                          (name, json.dumps(filters, ensure_ascii=False), to_utc_text(at)))  # fmt: skip

    def get_segment(self, name: str) -> tuple[dict, datetime] | None:
        row = self._one("SELECT filters, created_at FROM segments WHERE name = ?", (name,))
        return (json.loads(row[0]), from_utc_text(row[1])) if row else None

    def segments(self) -> list[tuple[str, dict, datetime]]:
        return [(row[0], json.loads(row[1]), from_utc_text(row[2]))
                for row in self._all("SELECT name, filters, created_at FROM segments ORDER BY name")]  # fmt: skip

    def delete_segment(self, name: str) -> bool:
        return self.conn.execute("DELETE FROM segments WHERE name = ?", (name,)).rowcount > 0

    def contacts_matching(self, query: ContactQuery, contact_ids: Sequence[int]) -> set[int]:
        """Those of ``contact_ids`` that ``query``'s filters select (primary-key lookups, in chunks)."""
        where, params = self._contact_filter(query)
        ids = list(dict.fromkeys(contact_ids))
        found: set[int] = set()
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            clause = f"c.id IN ({','.join('?' * len(chunk))})"
            sql = f"SELECT c.id FROM contacts c{where}" + (" AND " if where else " WHERE ") + clause
            found.update(row[0] for row in self._all(sql, [*params, *chunk]))
        return found


    def reorders_due(self, before: datetime, still: datetime) -> list[sqlite3.Row]:
        """Customers (3+ orders) whose predicted reorder is before ``before`` and who, at ``still``,
        have been quiet for less than a further median gap (the reorder_at index), with their
        first email and phone."""
        return self._all(
            f"""SELECT s.contact_id, s.orders, s.cents, s.last_at, s.median_gap, s.reorder_at, c.uid, c.name,
                      c.last_contact_at, {_reach("c.id")}
               FROM customer_stats s JOIN contacts c ON c.id = s.contact_id
               WHERE s.reorder_at < ? AND julianday(s.reorder_at) + s.median_gap >= julianday(?)
               ORDER BY s.reorder_at, s.contact_id""",
            (to_utc_text(before), to_utc_text(still)),
        )


    # scoring: weights in score_weights; the formula is documented in docs/insight.md and
    # mirrored by insight.score_parts (a test checks they agree)

    def score_weights(self) -> dict[str, float]:
        return {row[0]: row[1] for row in self._all("SELECT name, weight FROM score_weights ORDER BY name")}

    def set_score_weight(self, name: str, weight: float | None) -> None:
        if weight is None:
            self.conn.execute("DELETE FROM score_weights WHERE name = ?", (name,))
        else:
            self.conn.execute("INSERT OR REPLACE INTO score_weights (name, weight) VALUES (?, ?)", (name, weight))

    def score_inputs(self, contact_id: int, now: datetime) -> sqlite3.Row:
        """What a contact's score is made of: last contact, interactions in the window, orders, value, tags."""
        return self._one(
            """SELECT ?1 AS now, c.stage, c.last_contact_at,
                      (SELECT count(*) FROM interactions i WHERE i.contact_id = c.id AND i.occurred_at >= ?2) AS recent,
                      coalesce(s.orders, 0) AS orders, coalesce(s.cents, 0) AS cents,
                      (SELECT group_concat(tag, ' ') FROM contact_tags t WHERE t.contact_id = c.id) AS tags
               FROM contacts c LEFT JOIN customer_stats s ON s.contact_id = c.id WHERE c.id = ?3""",
            (to_utc_text(now), to_utc_text(now - timedelta(days=SCORE_DAYS)), contact_id),
        )

    @staticmethod
    def _score_sql() -> str:
        """The score as an SQL expression over ``contacts c`` (parameters: now, now - SCORE_DAYS)."""
        w = "(SELECT weight FROM score_weights WHERE name = '{}')"
        stage = "CASE c.stage " + " ".join(f"WHEN '{s}' THEN {i}" for i, s in enumerate(STAGES)) + " END"
        return f"""(
            coalesce({w.format('recency')} * max(0, min(1, 1 - (julianday(?) - julianday(c.last_contact_at)) / {SCORE_DAYS})), 0)
            + min(coalesce({w.format('frequency_max')}, 1e9), coalesce({w.format('frequency')}, 0) *
                  (SELECT count(*) FROM interactions i WHERE i.contact_id = c.id AND i.occurred_at >= ?))
            + coalesce((SELECT min(coalesce({w.format('orders_max')}, 1e9), coalesce({w.format('orders')}, 0) * s.orders)
                        + min(coalesce({w.format('value_max')}, 1e9), coalesce({w.format('value')}, 0) * s.cents / 10000.0)
                        FROM customer_stats s WHERE s.contact_id = c.id), 0)
            + coalesce({w.format('stage')}, 0) * {stage}
            + coalesce((SELECT sum(sw.weight) FROM contact_tags t JOIN score_weights sw ON sw.name = 'tag:' || t.tag
                        WHERE t.contact_id = c.id), 0))"""


    # occasions: next_on is the next occurrence, notify_on = next_on - lead_days (indexed for `due`)

    _OCCASION_SELECT = """SELECT o.id, o.uid, o.contact_id, c.name AS contact_name, o.label, o.date, o.lead_days,
        o.note, o.next_on, o.notify_on FROM occasions o JOIN contacts c ON c.id = o.contact_id"""

    @staticmethod
    def _occasion(row: sqlite3.Row) -> Occasion:
        return Occasion(id=row["id"], uid=row["uid"], contact_id=row["contact_id"], contact_name=row["contact_name"],
                        label=row["label"], date=row["date"], lead_days=row["lead_days"], note=row["note"],
                        next_on=date.fromisoformat(row["next_on"]), notify_on=date.fromisoformat(row["notify_on"]))  # fmt: skip

    def insert_occasion(self, *, contact_id: int, label: str, day: str, lead_days: int, note: str | None,
                        next_on: date, notify_on: date, created: datetime) -> int:  # fmt: skip
        cursor = self.conn.execute(
            """INSERT INTO occasions (uid, contact_id, label, date, lead_days, note, next_on, notify_on, created_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (new_uid(), contact_id, label, day, lead_days, note, next_on.isoformat(), notify_on.isoformat(),
             to_utc_text(created)),
        )  # fmt: skip
        return cursor.lastrowid

    def reschedule_occasion(self, occasion_id: int, next_on: date, notify_on: date) -> None:
        self.conn.execute("UPDATE occasions SET next_on = ?, notify_on = ? WHERE id = ?",
                          (next_on.isoformat(), notify_on.isoformat(), occasion_id))  # fmt: skip

    def get_occasion(self, occasion_id: int) -> Occasion | None:
        row = self._one(self._OCCASION_SELECT + " WHERE o.id = ?", (occasion_id,))
        return self._occasion(row) if row else None

    def list_occasions(self) -> list[Occasion]:
        return [self._occasion(r) for r in self._all(self._OCCASION_SELECT + " ORDER BY o.next_on, o.id")]

    def delete_occasion(self, occasion_id: int) -> bool:
        return self.conn.execute("DELETE FROM occasions WHERE id = ?", (occasion_id,)).rowcount > 0

    def occasions_notifying_by(self, day: date) -> list[Occasion]:
        """Occasions whose notify day is on or before ``day`` (the notify_on index)."""
        rows = self._all(self._OCCASION_SELECT + " WHERE o.notify_on <= ? ORDER BY o.notify_on, o.id",
                         (day.isoformat(),))  # fmt: skip
        return [self._occasion(r) for r in rows]

    def order_near(self, contact_id: int, start: datetime, end: datetime) -> tuple[str | None, int | None] | None:
        """The contact's latest order in [start, end): (text, cents) (the orders index)."""
        row = self._one(
            """SELECT text, amount_cents FROM interactions WHERE contact_id = ? AND kind = 'order'
               AND occurred_at >= ? AND occurred_at < ? ORDER BY occurred_at DESC LIMIT 1""",
            (contact_id, to_utc_text(start), to_utc_text(end)),
        )
        return (row[0], row[1]) if row else None


def _clock(value: time | None) -> str | None:
    return value.strftime("%H:%M") if value is not None else None


def open_store(path: Path | str, now: datetime) -> Store:
    """Open (creating and migrating as needed) the database at ``path``."""
    path = Path(path).expanduser()
    if path.is_dir():
        raise StoreError(f"{path} is a folder, not a database file", "Give --db a file path")
    try:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    except OSError as error:
        raise StoreError(f"cannot create the database {path}: {error.strerror}",
                         "Check the path, or choose another with --db") from None  # fmt: skip
    readonly = not os.access(path, os.W_OK)
    try:
        if readonly:
            conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None)
        else:
            conn = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys = ON")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.Error as error:
        raise translate(error, path) from None
    store = Store(conn, path, readonly)
    latest = len(migrations.MIGRATIONS)
    if version > latest:
        conn.close()
        raise StoreError(
            f"{path} was written by a newer minicrm (schema {version}; this one knows {latest})",
            "Upgrade minicrm: pip install --upgrade minicrm",
        )
    if not readonly and version == latest:
        try:  # a copy made with VACUUM INTO or .backup comes back in rollback-journal mode
            if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                conn.execute("PRAGMA journal_mode = WAL")
        except sqlite3.Error as error:
            conn.close()
            raise translate(error, path) from None
    if version < latest:
        if readonly:
            conn.close()
            raise StoreError(f"the database {path} needs an upgrade but is read-only",
                             "Make it writable once so minicrm can migrate it")  # fmt: skip
        _migrate(store, version, now)
    store.audited = _audited(store)
    return store


def _audited(store: Store) -> bool:
    """Whether this file has the audit trail (a file still on an older schema cannot)."""
    names = [fn.__name__ for fn in migrations.MIGRATIONS]
    if "m004_audit" not in names:
        return False
    version = store.conn.execute("PRAGMA user_version").fetchone()[0]
    return version > names.index("m004_audit")


def _migrate(store: Store, version: int, now: datetime) -> None:
    conn = store.conn
    try:
        if version == 0:
            # One snapshot: another minicrm may be creating this file right now.
            conn.execute("BEGIN")
            try:
                version = conn.execute("PRAGMA user_version").fetchone()[0]
                tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            finally:
                conn.execute("COMMIT")
            if version == 0 and tables - {"_migrations"}:
                raise StoreError(f"{store.path} is a SQLite database but not a minicrm one",
                                 "Choose another file with --db")  # fmt: skip
        conn.execute("PRAGMA journal_mode = WAL")
        with store.write():
            # Re-read inside the lock: another process may have migrated meanwhile.
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            migrations.apply(conn, version, to_utc_text(now))
    except sqlite3.Error as error:
        conn.close()
        raise translate(error, store.path) from None


def open_readonly(path: Path | str) -> Store:
    """Open a file only to inspect it (a backup before restoring): never creates, migrates or writes."""
    try:
        path = Path(path).expanduser()
        found = path.is_file()
    except (OSError, RuntimeError) as error:
        raise StoreError(f"cannot read {path}: {getattr(error, 'strerror', None) or error}",
                         "Give the path of a backup made by minicrm backup") from None  # fmt: skip
    if not found:
        raise StoreError(f"there is no file {path}", "Give the path of a backup made by minicrm backup")
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA user_version").fetchone()
    except sqlite3.Error as error:
        raise translate(error, path) from None
    return Store(conn, path, readonly=True)
