"""The floor for `minicrm import`: the same CSV rows into the same tables, stdlib only.

    python bench/executemany_floor.py CONTACTS.csv DATABASE

DATABASE must be an empty minicrm database (bench/run.py makes one with minicrm
itself, so the schema, its indexes and its audit triggers are minicrm's). In one
transaction this reads the Google Contacts CSV (``generate.import_csv``: First Name,
Last Name, E-mail 1 - Value, Phone 1 - Value, Organization Name, Labels) and writes each
contact, its email, phone and tags, its first stage change and its full-text
index row with ``executemany``, as ``Store.bulk_insert_contacts`` and
``Store.index_contacts_from`` do, but without anything minicrm adds: no
validation or normalisation of emails and phones, no duplicate check, no report.
"""

from __future__ import annotations

import csv
import json
import sqlite3
import sys
import uuid
from datetime import datetime, timezone

# Store._SEARCH_ROW, as Store.index_contacts_from uses it
INDEX = """INSERT INTO contact_search (rowid, name, org, note, emails, phones, tags, fields)
    SELECT c.id, c.name, c.org, c.note,
           (SELECT group_concat(email, ' ') FROM contact_emails WHERE contact_id = c.id),
           (SELECT group_concat(phone, ' ') FROM contact_phones WHERE contact_id = c.id),
           (SELECT group_concat(tag, ' ') FROM contact_tags WHERE contact_id = c.id),
           (SELECT group_concat(value, ' ') FROM json_each(c.fields))
    FROM contacts c WHERE c.id >= ?"""


def main(csv_path: str, db_path: str) -> None:
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    with open(csv_path, newline="", encoding="utf-8") as source:
        rows = [{"name": f"{r['First Name']} {r['Last Name']}".strip(), "email": r["E-mail 1 - Value"],
                 "phone": r["Phone 1 - Value"], "org": r["Organization Name"],
                 "tags": ",".join(t for t in r["Labels"].split(" ::: ") if t != "* myContacts")}
                for r in csv.DictReader(source)]  # fmt: skip
    db = sqlite3.connect(db_path, isolation_level=None)
    db.execute("PRAGMA foreign_keys = ON")
    db.execute("BEGIN IMMEDIATE")
    first = (db.execute("SELECT max(id) FROM contacts").fetchone()[0] or 0) + 1
    ids = range(first, first + len(rows))
    db.executemany(
        "INSERT INTO contacts (id, uid, name, name_fold, org, stage, birthday, note, fields, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, 'awareness', NULL, NULL, ?, ?, ?)",
        [(i, str(uuid.uuid4()), r["name"], r["name"].casefold(), r["org"] or None, json.dumps({}), stamp, stamp)
         for i, r in zip(ids, rows)],
    )
    db.executemany("INSERT INTO contact_emails (contact_id, position, email) VALUES (?, 0, ?)",
                   [(i, r["email"].lower()) for i, r in zip(ids, rows) if r["email"]])
    db.executemany("INSERT INTO contact_phones (contact_id, position, phone) VALUES (?, 0, ?)",
                   [(i, r["phone"]) for i, r in zip(ids, rows) if r["phone"]])
    db.executemany("INSERT INTO contact_tags (contact_id, position, tag) VALUES (?, ?, ?)",
                   [(i, n, tag.strip()) for i, r in zip(ids, rows)
                    for n, tag in enumerate(t for t in r["tags"].split(",") if t.strip())])
    db.executemany("INSERT INTO stage_changes (contact_id, from_stage, to_stage, changed_at, source)"
                   " VALUES (?, NULL, 'awareness', ?, 'import')", [(i, stamp) for i in ids])
    db.execute(INDEX, (first,))
    db.execute("COMMIT")
    db.close()


if __name__ == "__main__":
    main(*sys.argv[1:3])
