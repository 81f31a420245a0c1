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
def m003_insight(db: Database) -> None:
    """Relationship insight: referrals, last contact and cadence, deals, segments, score weights.

    interactions.referred_id: whom a referral introduced (``log A referral --referred B``).
    contacts.last_contact_at: the latest interaction, kept by triggers, so that
    cadence checks never aggregate interactions. contacts.cadence_days is the
    contact's own keep-in-touch cadence; touch_days the one in force (own, else
    the shortest of their tags' cadences); next_touch_at = last contact (or
    creation) + touch_days, indexed for ``minicrm due``.
    interactions_orders: a partial covering index over orders for the value,
    at-risk and report aggregates.
    """
    _run(
        db,
        """
        ALTER TABLE interactions ADD COLUMN referred_id INTEGER REFERENCES contacts (id) ON DELETE SET NULL;
        CREATE INDEX interactions_referred ON interactions (referred_id) WHERE referred_id IS NOT NULL;
        CREATE INDEX interactions_orders ON interactions (contact_id, occurred_at, amount_cents)
            WHERE kind = 'order';
        CREATE INDEX interactions_orders_at ON interactions (occurred_at, amount_cents) WHERE kind = 'order';
        CREATE INDEX stage_changes_at ON stage_changes (changed_at, to_stage, contact_id);

        ALTER TABLE contacts ADD COLUMN last_contact_at TEXT;
        ALTER TABLE contacts ADD COLUMN cadence_days INTEGER;
        ALTER TABLE contacts ADD COLUMN touch_days INTEGER;
        ALTER TABLE contacts ADD COLUMN next_touch_at TEXT;
        UPDATE contacts SET last_contact_at =
            (SELECT max(occurred_at) FROM interactions i WHERE i.contact_id = contacts.id);
        CREATE INDEX contacts_next_touch ON contacts (next_touch_at) WHERE next_touch_at IS NOT NULL;
        CREATE INDEX contacts_last_contact ON contacts (last_contact_at, created_at);

        CREATE TRIGGER interactions_last_ai AFTER INSERT ON interactions BEGIN
            UPDATE contacts SET last_contact_at = new.occurred_at,
                next_touch_at = CASE WHEN touch_days IS NULL THEN NULL
                    ELSE strftime('%Y-%m-%dT%H:%M:%SZ', new.occurred_at, '+' || touch_days || ' days') END
            WHERE id = new.contact_id AND (last_contact_at IS NULL OR last_contact_at < new.occurred_at);
        END;
        CREATE TRIGGER interactions_last_ad AFTER DELETE ON interactions BEGIN
            UPDATE contacts SET last_contact_at =
                (SELECT max(occurred_at) FROM interactions i WHERE i.contact_id = old.contact_id)
            WHERE id = old.contact_id;
            UPDATE contacts SET next_touch_at = strftime('%Y-%m-%dT%H:%M:%SZ',
                    coalesce(last_contact_at, created_at), '+' || touch_days || ' days')
            WHERE id = old.contact_id AND touch_days IS NOT NULL;
        END;
        CREATE TRIGGER interactions_last_au AFTER UPDATE OF occurred_at, contact_id ON interactions BEGIN
            UPDATE contacts SET last_contact_at =
                (SELECT max(occurred_at) FROM interactions i WHERE i.contact_id = contacts.id)
            WHERE id IN (old.contact_id, new.contact_id);
            UPDATE contacts SET next_touch_at = strftime('%Y-%m-%dT%H:%M:%SZ',
                    coalesce(last_contact_at, created_at), '+' || touch_days || ' days')
            WHERE id IN (old.contact_id, new.contact_id) AND touch_days IS NOT NULL;
        END;

        CREATE TABLE customer_stats (
            contact_id INTEGER PRIMARY KEY REFERENCES contacts (id) ON DELETE CASCADE,
            orders INTEGER NOT NULL,
            cents INTEGER NOT NULL,
            first_at TEXT NOT NULL,
            last_at TEXT NOT NULL,
            median_gap REAL,
            risk_at TEXT,
            reorder_at TEXT
        );
        CREATE INDEX customer_stats_cents ON customer_stats (cents);
        CREATE INDEX customer_stats_risk ON customer_stats (risk_at, cents) WHERE risk_at IS NOT NULL;
        CREATE INDEX customer_stats_reorder ON customer_stats (reorder_at) WHERE reorder_at IS NOT NULL;
        CREATE INDEX customer_stats_last ON customer_stats (last_at);
        CREATE INDEX customer_stats_orders ON customer_stats (orders, cents);

        CREATE TABLE tag_cadences (
            tag TEXT PRIMARY KEY,
            days INTEGER NOT NULL CHECK (days > 0)
        ) WITHOUT ROWID;

        CREATE TABLE deals (
            id INTEGER PRIMARY KEY,
            uid TEXT NOT NULL UNIQUE,
            contact_id INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
            title TEXT NOT NULL,
            value_cents INTEGER NOT NULL DEFAULT 0,
            stage TEXT NOT NULL DEFAULT 'lead'
                CHECK (stage IN ('lead', 'proposal', 'negotiation', 'won', 'lost')),
            close_on TEXT,
            closed_at TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX deals_contact ON deals (contact_id);
        CREATE INDEX deals_open_close ON deals (close_on) WHERE stage NOT IN ('won', 'lost');
        CREATE INDEX deals_stage ON deals (stage, value_cents);

        CREATE TABLE occasions (
            id INTEGER PRIMARY KEY,
            uid TEXT NOT NULL UNIQUE,
            contact_id INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
            label TEXT NOT NULL,
            date TEXT NOT NULL,
            lead_days INTEGER NOT NULL CHECK (lead_days >= 0),
            note TEXT,
            next_on TEXT NOT NULL,
            notify_on TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE INDEX occasions_notify ON occasions (notify_on);
        CREATE INDEX occasions_contact ON occasions (contact_id);

        CREATE TABLE segments (
            name TEXT PRIMARY KEY,
            filters TEXT NOT NULL CHECK (json_valid(filters)),
            created_at TEXT NOT NULL
        ) WITHOUT ROWID;

        CREATE TABLE score_weights (
            name TEXT PRIMARY KEY,
            weight REAL NOT NULL
        ) WITHOUT ROWID;
        INSERT INTO score_weights (name, weight) VALUES
            ('recency', 30), ('frequency', 2), ('frequency_max', 20), ('orders', 3), ('orders_max', 30),
            ('value', 1), ('value_max', 20), ('stage', 5)
        """,
    )
    # customer_stats: one row per customer (a contact with orders that carry an
    # amount), recomputed for that contact by triggers whenever one of their
    # orders changes, so value, rhythm and risk never aggregate all orders.
    _run(db, f"INSERT INTO customer_stats {_STATS_COLUMNS} {_stats_select('c.id')} FROM contacts c) WHERE orders > 0")
    _run(db, _stats_risk("1"))
    for event, row in (("INSERT", "new"), ("DELETE", "old")):
        _run(db, f"""CREATE TRIGGER interactions_stats_{event[0].lower()}{event[1].lower()}
            AFTER {event} ON interactions WHEN {row}.kind = 'order' BEGIN
            {_stats_refresh(row + '.contact_id')}
        END""")
    _run(db, f"""CREATE TRIGGER interactions_stats_au
        AFTER UPDATE OF kind, amount_cents, occurred_at, contact_id ON interactions
        WHEN old.kind = 'order' OR new.kind = 'order' BEGIN
        {_stats_refresh('old.contact_id')}
        {_stats_refresh('new.contact_id')}
    END""")
    # Any interaction moves the predicted reorder date: it counts from the last contact.
    _run(db, f"""CREATE TRIGGER interactions_reorder_ai AFTER INSERT ON interactions BEGIN
        UPDATE customer_stats SET reorder_at = {_REORDER}
        WHERE contact_id = new.contact_id AND orders >= 3;
    END""")


_STATS_COLUMNS = "(contact_id, orders, cents, first_at, last_at, median_gap)"
_STAMP = "'%Y-%m-%dT%H:%M:%SZ'"
_REORDER = f"""strftime({_STAMP}, julianday((SELECT max(occurred_at) FROM interactions
        WHERE contact_id = customer_stats.contact_id)) + median_gap)"""


def _stats_select(contact: str) -> str:
    """SELECT one customer_stats row for ``contact`` (no CTEs: this runs inside triggers too)."""
    orders = f"FROM interactions WHERE contact_id = {contact} AND kind = 'order' AND amount_cents IS NOT NULL"
    median = f"""(SELECT avg(gap) FROM (
            SELECT gap, row_number() OVER (ORDER BY gap) AS k, count(*) OVER () AS n FROM (
                SELECT julianday(occurred_at) - julianday(lag(occurred_at) OVER (ORDER BY occurred_at)) AS gap
                {orders}) WHERE gap IS NOT NULL)
            WHERE k IN ((n + 1) / 2, (n + 2) / 2))"""
    return f"""SELECT * FROM (SELECT {contact} AS contact_id,
            (SELECT count(*) {orders}) AS orders, (SELECT sum(amount_cents) {orders}) AS cents,
            (SELECT min(occurred_at) {orders}) AS first_at, (SELECT max(occurred_at) {orders}) AS last_at,
            {median} AS median_gap"""  # closed by the caller's FROM and the WHERE below


def _stats_risk(where: str) -> str:
    return f"""UPDATE customer_stats SET
        risk_at = CASE WHEN median_gap IS NULL THEN NULL
                       ELSE strftime({_STAMP}, julianday(last_at) + 2 * median_gap) END,
        reorder_at = CASE WHEN orders >= 3 THEN {_REORDER} END
        WHERE {where}"""


def _stats_refresh(contact: str) -> str:
    return f"""DELETE FROM customer_stats WHERE contact_id = {contact};
        INSERT INTO customer_stats {_STATS_COLUMNS} {_stats_select(contact)}) WHERE orders > 0;
        {_stats_risk(f"contact_id = {contact}")};"""


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
def m004_audit(db: Database) -> None:
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
def m005_privacy(db: Database) -> None:
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


@migration
def m006_audit_insight(db: Database) -> None:
    """Audit (and so undo) the relationship-insight tables of m003 too.

    customer_stats is derived (kept by triggers on interactions), so it is not audited.
    """
    audit_triggers(db, "deals", "{row}.contact_id")
    audit_triggers(db, "occasions", "{row}.contact_id")
    for table in ("tag_cadences", "segments", "score_weights"):
        audit_triggers(db, table, "NULL")


@migration
def m007_unverified_phones(db: Database) -> None:
    """``contact_phones.verified``: 0 for a number kept as typed because libphonenumber could not place it.

    Every phone stored before was checked, so existing rows are verified. The audit
    triggers are made again so that their row images (and so undo) carry the flag.
    """
    _run(db, "ALTER TABLE contact_phones ADD COLUMN verified INTEGER NOT NULL DEFAULT 1 CHECK (verified IN (0, 1));")
    for action in ("insert", "update", "delete"):
        db.execute(f"DROP TRIGGER IF EXISTS contact_phones_audit_{action}")
    audit_triggers(db, "contact_phones", AUDITED["contact_phones"])


@migration
def m008_corrections(db: Database) -> None:
    """Corrections: a reminder can be cancelled; editing or removing an interaction keeps reorder dates true.

    reminders.cancelled_at: when the reminder was cancelled (``reminder rm``); a cancelled
    reminder is closed (status ``done``) and keeps its completions. The reminders' audit
    triggers are rebuilt so that their row images carry the new column (undo restores it).
    customer_stats.reorder_at counts from the last interaction: it is refreshed when an
    interaction is deleted or moved, as it already was when one is added.
    occasions_next: finds the occasions whose date has passed, which the first write after
    that rolls to their next date (reads never write).
    """
    _run(db, "ALTER TABLE reminders ADD COLUMN cancelled_at TEXT")
    _run(db, "CREATE INDEX occasions_next ON occasions (next_on)")
    for action in ("insert", "update", "delete"):
        _run(db, f"DROP TRIGGER reminders_audit_{action}")
    audit_triggers(db, "reminders", AUDITED["reminders"])
    _run(db, f"""CREATE TRIGGER interactions_reorder_ad AFTER DELETE ON interactions BEGIN
        UPDATE customer_stats SET reorder_at = {_REORDER}
        WHERE contact_id = old.contact_id AND orders >= 3;
    END""")
    _run(db, f"""CREATE TRIGGER interactions_reorder_au AFTER UPDATE OF occurred_at, contact_id ON interactions BEGIN
        UPDATE customer_stats SET reorder_at = {_REORDER}
        WHERE contact_id IN (old.contact_id, new.contact_id) AND orders >= 3;
    END""")


@migration
def m009_batches(db: Database) -> None:
    """Bulk writes (an import) recorded as ranges, not row images.

    change_batches: the rows a change inserted in bulk, as an id range per table. Their row
    images are not written (they were most of the file: 460,156 audit rows for a 100k-row
    import); ``undo`` deletes the range instead. A contact's lists, stage history and search
    row belong to the contact and go with it.
    """
    _run(
        db,
        """
        CREATE TABLE change_batches (
            change_id INTEGER NOT NULL REFERENCES changes (id) ON DELETE CASCADE,
            tbl TEXT NOT NULL CHECK (tbl IN ('contacts', 'interactions', 'reminders')),
            first_id INTEGER NOT NULL,
            last_id INTEGER NOT NULL CHECK (last_id >= first_id),
            PRIMARY KEY (change_id, tbl)
        ) WITHOUT ROWID
        """,
    )


@migration
def m010_settings(db: Database) -> None:
    """``settings``: the business's settings (region, currency, date_order, decimal…), text by key.

    They live in the database so that everyone sharing the file agrees; audited, so
    ``undo`` reverts a ``config`` change.
    """
    _run(
        db,
        """
        CREATE TABLE settings (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL,
            updated_at TEXT NOT NULL
        ) WITHOUT ROWID;
        """,
    )
    audit_triggers(db, "settings", "NULL")


@migration
def m011_folded_names(db: Database) -> None:
    """Names matched without case or accents: ``show zoe`` finds Zoë, ``search muller`` Müller.

    ``contacts.name_fold`` was the case-folded name; it becomes ``models.fold(name)`` (no
    accents either), recomputed here for every contact. ``contact_search`` is made again
    with a ``folded`` column (the folded name) and refilled; it is derived data.
    """
    from minicrm.models import fold

    rows = db.execute("SELECT id, name FROM contacts").fetchall()
    db.conn.executemany("UPDATE contacts SET name_fold = ? WHERE id = ?", [(fold(name), cid) for cid, name in rows])
    _run(
        db,
        """
        DROP TABLE contact_search;
        CREATE VIRTUAL TABLE contact_search USING fts5(
            name, org, note, emails, phones, tags, fields, folded, tokenize = 'trigram'
        );
        INSERT INTO contact_search (rowid, name, org, note, emails, phones, tags, fields, folded)
        SELECT c.id, c.name, c.org, c.note,
               (SELECT group_concat(email, ' ') FROM contact_emails WHERE contact_id = c.id),
               (SELECT group_concat(phone, ' ') FROM contact_phones WHERE contact_id = c.id),
               (SELECT group_concat(tag, ' ') FROM contact_tags WHERE contact_id = c.id),
               (SELECT group_concat(value, ' ') FROM json_each(c.fields)),
               c.name_fold
        FROM contacts c;
        """,
    )


@migration
def m012_refunds(db: Database) -> None:
    """Refunds: an interaction kind ``refund`` whose (positive) amount lowers the customer's value.

    The kind's CHECK is part of the interactions table, so the table is rebuilt (SQLite's
    documented procedure: new table, copy, drop, rename), and its indexes and triggers are
    made again from their stored SQL. customer_stats.cents becomes orders minus refunds
    (``orders`` still counts orders only); its triggers fire for refunds too. Two partial
    indexes serve refunds per contact and per period (the report).
    """
    table_sql = db.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'interactions'").fetchone()[0]
    kinds = "'ticket', 'referral')"
    assert kinds in table_sql, "the interactions kinds are not what m001 wrote"
    new_sql = table_sql.replace(kinds, "'ticket', 'referral', 'refund')").replace(
        "CREATE TABLE interactions", "CREATE TABLE interactions_new", 1)
    attached = db.execute("SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 'interactions'"
                          " AND type IN ('index', 'trigger') AND sql IS NOT NULL").fetchall()  # fmt: skip
    columns = ", ".join(row[1] for row in db.execute("PRAGMA table_info(interactions)").fetchall())
    _run(db, new_sql)
    _run(db, f"INSERT INTO interactions_new ({columns}) SELECT {columns} FROM interactions")
    _run(db, "DROP TABLE interactions")
    _run(db, "ALTER TABLE interactions_new RENAME TO interactions")
    for kind, name, sql in attached:
        if kind == "trigger" and name.startswith("interactions_stats_"):
            continue  # made again below, counting refunds
        db.execute(sql)
    _run(db, """CREATE INDEX interactions_refunds ON interactions (contact_id, occurred_at, amount_cents)
        WHERE kind = 'refund'""")
    _run(db, "CREATE INDEX interactions_refunds_at ON interactions (occurred_at, amount_cents) WHERE kind = 'refund'")
    for event, row in (("INSERT", "new"), ("DELETE", "old")):
        _run(db, f"""CREATE TRIGGER interactions_stats_{event[0].lower()}{event[1].lower()}
            AFTER {event} ON interactions WHEN {row}.kind IN ('order', 'refund') BEGIN
            {_net_stats_refresh(row + '.contact_id')}
        END""")
    _run(db, f"""CREATE TRIGGER interactions_stats_au
        AFTER UPDATE OF kind, amount_cents, occurred_at, contact_id ON interactions
        WHEN old.kind IN ('order', 'refund') OR new.kind IN ('order', 'refund') BEGIN
        {_net_stats_refresh('old.contact_id')}
        {_net_stats_refresh('new.contact_id')}
    END""")


def _net(sql: str, contact: str) -> str:
    """``sql`` (built from ``_stats_select(contact)``) with refunds taken off the value (m012 on)."""
    orders = f"FROM interactions WHERE contact_id = {contact} AND kind = 'order' AND amount_cents IS NOT NULL"
    refunds = f"FROM interactions WHERE contact_id = {contact} AND kind = 'refund' AND amount_cents IS NOT NULL"
    gross = f"(SELECT sum(amount_cents) {orders}) AS cents"
    net = f"(SELECT sum(amount_cents) {orders}) - (SELECT coalesce(sum(amount_cents), 0) {refunds}) AS cents"
    assert gross in sql
    return sql.replace(gross, net)


def _net_stats_refresh(contact: str) -> str:
    """``_stats_refresh`` with refunds taken off the value (m012 on)."""
    return _net(_stats_refresh(contact), contact)


@migration
def m013_undo_redo(db: Database) -> None:
    """Undo that steps back, and redo.

    changes.kind: ``change`` (what a command did), ``undo`` or ``redo``; changes.undone_by:
    the undo change that reverted this change (NULL while it is in effect). ``undo`` reverts
    the latest changes not yet undone; ``redo`` reverts the latest undo made since the last
    new change. Undo changes recorded before this migration are marked as such.
    """
    _run(db, """ALTER TABLE changes ADD COLUMN kind TEXT NOT NULL DEFAULT 'change'
        CHECK (kind IN ('change', 'undo', 'redo'))""")
    _run(db, "ALTER TABLE changes ADD COLUMN undone_by INTEGER")
    _run(db, "UPDATE changes SET kind = 'undo' WHERE command = 'undo'")
    _run(db, "CREATE INDEX changes_undone_by ON changes (undone_by) WHERE undone_by IS NOT NULL")
    _run(db, "CREATE INDEX changes_kind ON changes (kind, id)")


@migration
def m014_due_holds(db: Database) -> None:
    """due_holds: items of the morning list that minicrm finds itself (cadence, deal, reorder,
    occasion), snoozed until a day or cleared through a day (``snooze``/``done ITEM``). Audited."""
    _run(db, """CREATE TABLE due_holds (
            item TEXT PRIMARY KEY,
            contact_id INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
            until_on TEXT,
            through_on TEXT,
            at TEXT NOT NULL
        ) WITHOUT ROWID""")
    _run(db, "CREATE INDEX due_holds_contact ON due_holds (contact_id)")
    audit_triggers(db, "due_holds", "{row}.contact_id")


@migration
def m015_digest_sends(db: Database) -> None:
    """digest_sends: one row per digest delivered (``minicrm digest --send``): when, for which day
    and span (``day`` or ``week``), through which channel, how many items, in which format. A
    second run finds its (day, span, channel) here and sends nothing. Not audited: a send cannot
    be undone. Plain SQL on purpose (no rowid, no SQLite functions), as a second backend reads it too."""
    _run(db, """CREATE TABLE digest_sends (
            sent_at TEXT NOT NULL,
            day TEXT NOT NULL,
            span TEXT NOT NULL,
            channel TEXT NOT NULL,
            items INTEGER NOT NULL,
            format TEXT NOT NULL
        )""")
    _run(db, "CREATE INDEX digest_sends_day ON digest_sends (day, span, channel)")
    _run(db, "CREATE INDEX digest_sends_at ON digest_sends (sent_at)")


@migration
def m016_audit_by_table(db: Database) -> None:
    """An index on the audit trail by table and contact, so that ``forget``, which looks for every
    image of a person's contact rows, emails and phones, reads those rows instead of the whole trail."""
    _run(db, "CREATE INDEX audit_table ON audit (tbl, contact_id)")


@migration
def m017_products(db: Database) -> None:
    """Products and the lines of orders.

    ``products``: what is sold (name and its folded form for references, unit, SKU; archived
    rather than deleted once an order names it). ``product_prices``: a product's price from a
    local day on, so an order is priced at the price of its own day. ``product_tags``.
    ``order_lines``: an order's (or a refund's) lines, with the quantity in thousandths and the
    unit price and amount in cents as they were when logged. Plain, portable SQL. Audited.
    """
    _run(db, """CREATE TABLE products (
            id INTEGER PRIMARY KEY,
            uid TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL CHECK (length(trim(name)) > 0),
            name_fold TEXT NOT NULL,
            unit TEXT,
            sku TEXT,
            archived_at TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )""")
    _run(db, "CREATE INDEX products_name_fold ON products (name_fold)")
    _run(db, "CREATE UNIQUE INDEX products_sku ON products (sku)")
    _run(db, """CREATE TABLE product_prices (
            product_id INTEGER NOT NULL REFERENCES products (id) ON DELETE CASCADE,
            since_on TEXT NOT NULL,
            price_cents INTEGER NOT NULL CHECK (price_cents >= 0),
            PRIMARY KEY (product_id, since_on)
        )""")
    _run(db, """CREATE TABLE product_tags (
            product_id INTEGER NOT NULL REFERENCES products (id) ON DELETE CASCADE,
            tag TEXT NOT NULL,
            PRIMARY KEY (product_id, tag)
        )""")
    _run(db, "CREATE INDEX product_tags_tag ON product_tags (tag, product_id)")
    _run(db, """CREATE TABLE order_lines (
            interaction_id INTEGER NOT NULL REFERENCES interactions (id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            product_id INTEGER NOT NULL REFERENCES products (id),
            quantity_milli INTEGER NOT NULL CHECK (quantity_milli > 0),
            unit_price_cents INTEGER NOT NULL CHECK (unit_price_cents >= 0),
            amount_cents INTEGER NOT NULL CHECK (amount_cents >= 0),
            PRIMARY KEY (interaction_id, position)
        )""")
    _run(db, "CREATE INDEX order_lines_product ON order_lines (product_id, interaction_id)")
    for table in ("products", "product_prices", "product_tags"):
        audit_triggers(db, table, "NULL")
    audit_triggers(db, "order_lines", "(SELECT contact_id FROM interactions WHERE id = {row}.interaction_id)")


def names() -> list[str]:
    """The names of this build's migrations, in order: a file's ``_migrations`` must begin with them."""
    return [fn.__name__ for fn in MIGRATIONS]


def stats_refresh_many(contacts: str) -> list[str]:
    """The statements that recompute ``customer_stats`` (with risk and reorder dates) for the contacts
    the SQL subquery ``contacts`` selects (one column, ``contact_id``): what the order and refund triggers
    (m003, m012) do row by row, once for a bulk insert."""
    return [f"DELETE FROM customer_stats WHERE contact_id IN ({contacts})",
            f"INSERT INTO customer_stats {_STATS_COLUMNS} {_net(_stats_select('c.contact_id'), 'c.contact_id')}"
            f" FROM ({contacts}) AS c)"
            " WHERE orders > 0",
            _stats_risk(f"contact_id IN ({contacts})")]  # fmt: skip


def reorder_refresh_many(contacts: str) -> str:
    """The statement that moves the predicted reorder date of the contacts ``contacts`` selects: what
    ``interactions_reorder_ai`` does row by row."""
    return f"UPDATE customer_stats SET reorder_at = {_REORDER} WHERE contact_id IN ({contacts}) AND orders >= 3"


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


@migration
def m018_folded_texts(db: Database) -> None:
    """Organisations and notes matched without accents too: ``search muller`` finds Müller GmbH.

    ``contact_search`` is made again with two more columns, ``org_folded`` and ``note_folded``:
    the organisation and the note without case or accents (``models.fold``), filled only where
    that differs from the text itself (letters beyond ASCII; the trigram index already ignores
    case). The store fills them through the SQL function ``minicrm_fold`` that every connection
    registers; here they are computed in Python. It is derived data.
    """
    from minicrm.models import fold

    _run(
        db,
        """
        DROP TABLE contact_search;
        CREATE VIRTUAL TABLE contact_search USING fts5(
            name, org, note, emails, phones, tags, fields, folded, org_folded, note_folded, tokenize = 'trigram'
        );
        INSERT INTO contact_search (rowid, name, org, note, emails, phones, tags, fields, folded)
        SELECT c.id, c.name, c.org, c.note,
               (SELECT group_concat(email, ' ') FROM contact_emails WHERE contact_id = c.id),
               (SELECT group_concat(phone, ' ') FROM contact_phones WHERE contact_id = c.id),
               (SELECT group_concat(tag, ' ') FROM contact_tags WHERE contact_id = c.id),
               (SELECT group_concat(value, ' ') FROM json_each(c.fields)),
               c.name_fold
        FROM contacts c;
        """,
    )
    rows = db.execute("SELECT id, org, note FROM contacts").fetchall()
    db.conn.executemany(
        "UPDATE contact_search SET org_folded = ?, note_folded = ? WHERE rowid = ?",
        [(fold(org) if org and not org.isascii() else None, fold(note) if note and not note.isascii() else None, cid)
         for cid, org, note in rows if not (org or "").isascii() or not (note or "").isascii()],
    )
