"""Schema migrations: small named functions, applied in order, append-only.

Never edit a migration once it is on main: add a new ``mNNN_`` function instead.
``PRAGMA user_version`` holds the number of migrations applied, so opening an
up-to-date database costs one pragma; ``_migrations`` records each by name and
time, as ``llm`` does. A file whose user_version is higher than ``len(MIGRATIONS)``
was written by a newer minicrm and is refused.

sqlite-utils is imported only here and only when a migration must run, so the
everyday commands do not pay for its import.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlite_utils import Database

MIGRATIONS: list[Callable[[Database], None]] = []


def migration(fn: Callable[[Database], None]) -> Callable[[Database], None]:
    MIGRATIONS.append(fn)
    return fn


def _run(db: Database, script: str) -> None:
    """Run a script one statement at a time, inside the caller's transaction.

    (executescript() would commit the surrounding transaction first.)
    """
    statement = ""
    for line in script.splitlines(keepends=True):
        statement += line
        if statement.strip().endswith(";") and sqlite3.complete_statement(statement):
            db.execute(statement)
            statement = ""
    if statement.strip():
        db.execute(statement)


@migration
def m001_initial(db: Database) -> None:
    _run(
        db,
        """
        CREATE TABLE contacts (
            id INTEGER PRIMARY KEY,
            uid TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL CHECK (length(trim(name)) > 0),
            name_fold TEXT NOT NULL,
            org TEXT,
            stage TEXT NOT NULL DEFAULT 'awareness'
                CHECK (stage IN ('awareness', 'consideration', 'purchase', 'retention', 'advocacy')),
            birthday TEXT,
            note TEXT,
            fields TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(fields)),
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX contacts_name_fold ON contacts (name_fold);
        CREATE INDEX contacts_org ON contacts (org COLLATE NOCASE);
        CREATE INDEX contacts_stage ON contacts (stage);

        CREATE TABLE contact_emails (
            contact_id INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            email TEXT NOT NULL,
            PRIMARY KEY (contact_id, position)
        ) WITHOUT ROWID;
        CREATE INDEX contact_emails_email ON contact_emails (email);

        CREATE TABLE contact_phones (
            contact_id INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            phone TEXT NOT NULL,
            PRIMARY KEY (contact_id, position)
        ) WITHOUT ROWID;
        CREATE INDEX contact_phones_phone ON contact_phones (phone);

        CREATE TABLE contact_tags (
            contact_id INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            tag TEXT NOT NULL,
            PRIMARY KEY (contact_id, position)
        ) WITHOUT ROWID;
        CREATE INDEX contact_tags_tag ON contact_tags (tag, contact_id);

        CREATE TABLE interactions (
            id INTEGER PRIMARY KEY,
            uid TEXT NOT NULL UNIQUE,
            contact_id INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
            kind TEXT NOT NULL CHECK (kind IN ('call', 'email', 'meeting', 'note', 'order',
                                                'message', 'visit', 'ticket', 'referral')),
            occurred_at TEXT NOT NULL,
            text TEXT,
            amount_cents INTEGER,
            created_at TEXT NOT NULL
        );
        CREATE INDEX interactions_contact_at ON interactions (contact_id, occurred_at);
        CREATE INDEX interactions_at ON interactions (occurred_at);

        CREATE TABLE reminders (
            id INTEGER PRIMARY KEY,
            uid TEXT NOT NULL UNIQUE,
            contact_id INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
            text TEXT NOT NULL,
            due_on TEXT NOT NULL,
            due_time TEXT,
            rule TEXT,
            anchor_on TEXT NOT NULL,
            scheduled_on TEXT NOT NULL,
            snoozed INTEGER NOT NULL DEFAULT 0,
            status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done')),
            done_at TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX reminders_open_due ON reminders (due_on, due_time) WHERE status = 'open';
        CREATE INDEX reminders_contact ON reminders (contact_id, status);

        CREATE TABLE reminder_completions (
            id INTEGER PRIMARY KEY,
            reminder_id INTEGER NOT NULL REFERENCES reminders (id) ON DELETE CASCADE,
            occurrence_on TEXT NOT NULL,
            done_at TEXT NOT NULL
        );
        CREATE INDEX reminder_completions_reminder ON reminder_completions (reminder_id);

        CREATE TABLE stage_changes (
            id INTEGER PRIMARY KEY,
            contact_id INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
            from_stage TEXT,
            to_stage TEXT NOT NULL,
            changed_at TEXT NOT NULL,
            source TEXT NOT NULL CHECK (source IN ('add', 'user', 'rule', 'import'))
        );
        CREATE INDEX stage_changes_contact ON stage_changes (contact_id, changed_at)
        """,
    )


@migration
def m002_search(db: Database) -> None:
    """Full-text search indexes.

    contact_search: trigram FTS5 over everything that describes a contact, so
    that "contains" searches (and CONTACT references by part of a name) use an
    index at any case. The store keeps it in step on every contact write; its
    rowid is the contact id.
    interactions_fts: word FTS5 over interaction texts, kept in step by
    triggers (external content, as sqlite-utils' enable_fts builds it).
    """
    _run(
        db,
        """
        CREATE VIRTUAL TABLE contact_search USING fts5(
            name, org, note, emails, phones, tags, fields, tokenize = 'trigram'
        );
        -- The same row shape as Store._index_contact, written out again on purpose:
        -- a migration must keep doing what it did when it shipped.
        INSERT INTO contact_search (rowid, name, org, note, emails, phones, tags, fields)
        SELECT c.id, c.name, c.org, c.note,
               (SELECT group_concat(email, ' ') FROM contact_emails WHERE contact_id = c.id),
               (SELECT group_concat(phone, ' ') FROM contact_phones WHERE contact_id = c.id),
               (SELECT group_concat(tag, ' ') FROM contact_tags WHERE contact_id = c.id),
               (SELECT group_concat(value, ' ') FROM json_each(c.fields))
        FROM contacts c;

        CREATE VIRTUAL TABLE interactions_fts USING fts5(
            text, content = 'interactions', content_rowid = 'id',
            tokenize = 'unicode61 remove_diacritics 2'
        );
        INSERT INTO interactions_fts (rowid, text) SELECT id, text FROM interactions;
        CREATE TRIGGER interactions_ai AFTER INSERT ON interactions BEGIN
            INSERT INTO interactions_fts (rowid, text) VALUES (new.id, new.text);
        END;
        CREATE TRIGGER interactions_ad AFTER DELETE ON interactions BEGIN
            INSERT INTO interactions_fts (interactions_fts, rowid, text) VALUES ('delete', old.id, old.text);
        END;
        CREATE TRIGGER interactions_au AFTER UPDATE OF text ON interactions BEGIN
            INSERT INTO interactions_fts (interactions_fts, rowid, text) VALUES ('delete', old.id, old.text);
            INSERT INTO interactions_fts (rowid, text) VALUES (new.id, new.text);
        END
        """,
    )


@migration
def m003_reserved(db: Database) -> None:
    """Placeholder for a migration built in parallel (the lead replaces it on merge)."""


@migration
def m004_reserved(db: Database) -> None:
    """Placeholder for a migration built in parallel (the lead replaces it on merge)."""


# Audited tables and how each row finds its contact (for ``minicrm audit CONTACT`` and ``forget``).
AUDITED = {
    "contacts": "{row}.id",
    "contact_emails": "{row}.contact_id",
    "contact_phones": "{row}.contact_id",
    "contact_tags": "{row}.contact_id",
    "interactions": "{row}.contact_id",
    "reminders": "{row}.contact_id",
    "reminder_completions": "(SELECT contact_id FROM reminders WHERE id = {row}.reminder_id)",
    "stage_changes": "{row}.contact_id",
}


def audit_triggers(db: Database, table: str, contact: str) -> None:
    """Triggers that write each row's old and new image into ``audit`` under the open change.

    ``contact`` is an SQL expression over ``{row}`` (``new`` or ``old``) giving the
    row's contact id. Only rows changed while ``audit_state.change_id`` is set (inside
    ``Store.write``) are recorded. Later migrations call this for their own tables.
    """
    columns = [row[1] for row in db.execute(f"PRAGMA table_info({table})").fetchall()]

    def image(row: str) -> str:
        return "json_object(" + ", ".join(f"'{c}', {row}.{c}" for c in columns) + ")"

    change = "(SELECT change_id FROM audit_state WHERE id = 1)"
    for event, action, old, new, row in (
        ("INSERT", "insert", "NULL", image("new"), "new"),
        ("UPDATE", "update", image("old"), image("new"), "new"),
        ("DELETE", "delete", image("old"), "NULL", "old"),
    ):
        db.execute(
            f"""CREATE TRIGGER {table}_audit_{action} AFTER {event} ON {table}
                WHEN {change} IS NOT NULL BEGIN
                    INSERT INTO audit (change_id, tbl, action, contact_id, old, new)
                    VALUES ({change}, '{table}', '{action}', {contact.format(row=row)}, {old}, {new});
                END"""
        )


@migration
def m005_audit(db: Database) -> None:
    """The audit trail: one ``changes`` row per write transaction, row images in ``audit``.

    ``Store.write`` opens a change (who, when, which command) and sets
    ``audit_state.change_id``; triggers on every data table record old/new row
    images as JSON under it; ``minicrm undo`` applies the inverse images.
    ``undoable = 0`` marks a change that must never be undone (an erasure).
    The full-text indexes are derived data: not audited, refreshed on undo.
    """
    _run(
        db,
        """
        CREATE TABLE changes (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            user TEXT,
            command TEXT,
            undoable INTEGER NOT NULL DEFAULT 1
        );
        CREATE TABLE audit (
            id INTEGER PRIMARY KEY,
            change_id INTEGER NOT NULL REFERENCES changes (id) ON DELETE CASCADE,
            tbl TEXT NOT NULL,
            action TEXT NOT NULL CHECK (action IN ('insert', 'update', 'delete')),
            contact_id INTEGER,
            old TEXT,
            new TEXT
        );
        CREATE INDEX audit_change ON audit (change_id);
        CREATE INDEX audit_contact ON audit (contact_id, change_id);
        CREATE TABLE audit_state (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            change_id INTEGER
        );
        INSERT INTO audit_state (id, change_id) VALUES (1, NULL)
        """,
    )
    for table, contact in AUDITED.items():
        audit_triggers(db, table, contact)


@migration
def m006_privacy(db: Database) -> None:
    """Consent per purpose with its history; what is left of erased people.

    consents: one row per grant or revoke; the latest (by ``at``, then id) per
    contact and purpose is the current state. Audited like the other data.
    erased: salted SHA-256 hashes of an erased person's emails and phones, so a
    later add or import can recognise them without keeping who they were; the
    salt is random per database (privacy_salt).
    """
    _run(
        db,
        """
        CREATE TABLE consents (
            id INTEGER PRIMARY KEY,
            contact_id INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
            purpose TEXT NOT NULL,
            granted INTEGER NOT NULL CHECK (granted IN (0, 1)),
            at TEXT NOT NULL,
            source TEXT,
            recorded_at TEXT NOT NULL
        );
        CREATE INDEX consents_contact ON consents (contact_id, purpose, at);
        CREATE INDEX consents_purpose ON consents (purpose, contact_id);
        CREATE TABLE erased (
            hash TEXT PRIMARY KEY,
            erased_at TEXT NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE privacy_salt (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            salt TEXT NOT NULL
        );
        INSERT INTO privacy_salt (id, salt) VALUES (1, lower(hex(randomblob(16))))
        """,
    )
    audit_triggers(db, "consents", "{row}.contact_id")


def apply(conn: sqlite3.Connection, current: int, now_text: str) -> None:
    """Apply every migration after ``current`` (the caller holds the transaction)."""
    from sqlite_utils import Database

    db = Database(conn)
    if not db["_migrations"].exists():
        db.execute("CREATE TABLE _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    for number, fn in enumerate(MIGRATIONS, start=1):
        if number <= current:
            continue
        fn(db)
        db.execute("INSERT INTO _migrations (name, applied_at) VALUES (?, ?)", [fn.__name__, now_text])
    db.execute(f"PRAGMA user_version = {len(MIGRATIONS)}")
