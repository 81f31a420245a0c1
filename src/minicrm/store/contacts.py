"""Contacts: the ``contacts`` table, their ordered lists (``contact_emails``, ``contact_phones``,
``contact_tags``) and their stage history (``stage_changes``).

A phone libphonenumber could not place is stored as typed with ``contact_phones.verified = 0``;
the contact's ``unverified_phones`` lists those.

Derived columns this repository owns, kept true on every write path (single and bulk):

- ``name_fold``, the name without case or accents (``models.fold``), which references, sorting and
  the ``folded`` column of the full-text row match against;
- the full-text row in ``contact_search`` (name, org, note, emails, phones, tags, field values, folded name,
  and the organisation and note without accents where they have letters beyond ASCII, through the
  connection's ``minicrm_fold`` function),
  refreshed by every single write; a bulk import adds its rows with ``index_from`` once, after
  its last batch;
- ``touch_days`` (the contact's own cadence, else the shortest of their tags' cadences) and
  ``next_touch_at`` (last contact, or creation, + touch_days), refreshed whenever a contact's
  tags change, single or bulk. ``cadence`` refreshes them when a cadence changes, and triggers
  (migration m003) when an interaction moves ``last_contact_at``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta

from minicrm.models import STAGES, Contact, StageChange, fold
from minicrm.store import rows as to
from minicrm.store.api import NOT_PLACEHOLDER, PLACEHOLDER_UID, SCORE_DAYS, ContactQuery
from minicrm.store.session import PHONE_LIKE, Repository, chunks, like, marks, new_uid, phrase, reach
from minicrm.store.rows import to_utc_text

LIST_TABLES = {"emails": ("contact_emails", "email"), "phones": ("contact_phones", "phone"),
               "tags": ("contact_tags", "tag")}  # fmt: skip

# last_contact_at is kept by triggers on interactions (migration m003_insight).
COLUMNS = """c.id, c.uid, c.name, c.org, c.stage, c.birthday, c.note, c.fields,
    c.created_at, c.updated_at, c.last_contact_at"""

# The sort names of store.api.CONTACT_SORTS as SQL ("score" is built by scoring.score_sql).
SORTS = {
    "name": "c.name_fold",
    "id": "c.id",
    "org": "c.org COLLATE NOCASE",
    "stage": "CASE c.stage " + " ".join(f"WHEN '{s}' THEN {i}" for i, s in enumerate(STAGES)) + " END",
    "created": "c.created_at",
    "updated": "c.updated_at",
    "last_contact": "c.last_contact_at",
    "score": "score",
}

# A contact's row of the full-text index.
SEARCH_ROW = """SELECT c.id, c.name, c.org, c.note,
                  (SELECT group_concat(email, ' ') FROM contact_emails WHERE contact_id = c.id),
                  (SELECT group_concat(phone, ' ') FROM contact_phones WHERE contact_id = c.id),
                  (SELECT group_concat(tag, ' ') FROM contact_tags WHERE contact_id = c.id),
                  (SELECT group_concat(value, ' ') FROM json_each(c.fields)),
                  c.name_fold, minicrm_fold(c.org), minicrm_fold(c.note)
           FROM contacts c"""

SEARCH_INSERT = ("INSERT INTO contact_search (rowid, name, org, note, emails, phones, tags, fields, folded,"
                 " org_folded, note_folded) ")  # fmt: skip


def folded_like(column: str) -> str:
    """SQL: ``column`` (a text) without case or accents, to compare with ``LIKE like(fold(typed))``."""
    return f"coalesce(minicrm_fold({column}), {column})"


# Contacts whose latest consent row for a purpose (by time given, then entry) is a grant.
GRANTED = """SELECT k.contact_id FROM consents k WHERE k.purpose = ? AND k.granted = 1
    AND NOT EXISTS (SELECT 1 FROM consents l WHERE l.contact_id = k.contact_id AND l.purpose = k.purpose
                    AND (l.at > k.at OR (l.at = k.at AND l.id > k.id)))"""

PHONE_INSERT = "INSERT INTO contact_phones (contact_id, position, phone, verified) VALUES (?, ?, ?, ?)"

STAGE_CHANGE_INSERT = """INSERT INTO stage_changes (contact_id, from_stage, to_stage, changed_at, source)
                         VALUES (?, ?, ?, ?, ?)"""


def refresh_touch(conn, where: str, params: Sequence = ()) -> None:  # noqa: ANN001  (a connection)
    """Recompute touch_days and next_touch_at for the contacts ``where`` selects."""
    conn.execute(
        f"""UPDATE contacts SET touch_days = coalesce(cadence_days,
                (SELECT min(tc.days) FROM contact_tags t JOIN tag_cadences tc ON tc.tag = t.tag
                 WHERE t.contact_id = contacts.id)) WHERE {where}""",
        params,
    )
    conn.execute(
        f"""UPDATE contacts SET next_touch_at = CASE WHEN touch_days IS NULL THEN NULL
                ELSE strftime('%Y-%m-%dT%H:%M:%SZ', coalesce(last_contact_at, created_at),
                              '+' || touch_days || ' days') END WHERE {where}""",
        params,
    )


def contact_filter(query: ContactQuery) -> tuple[str, list[object]]:
    where: list[str] = [NOT_PLACEHOLDER]
    params: list[object] = []
    for tag in query.tags:
        where.append("c.id IN (SELECT contact_id FROM contact_tags WHERE tag = ?)")
        params.append(tag)
    if query.stage:
        where.append("c.stage = ?")
        params.append(query.stage)
    if query.org:
        where.append(f"{folded_like('c.org')} LIKE ? ESCAPE '\\'")
        params.append(like(fold(query.org)))
    if query.search:
        from minicrm.store.search import matching_text  # not on the path of commands that do not search

        if found := matching_text(query.search):
            # Phones are stored in E.164: "7946 0958" must find +442079460958.
            digits = re.sub(r"\D", "", query.search)
            if PHONE_LIKE.fullmatch(query.search) and len(digits) >= 3 and digits != query.search:
                found = f"{found} OR phones : {phrase(digits)}"
            where.append("c.id IN (SELECT rowid FROM contact_search WHERE contact_search MATCH ?)")
            params.append(found)
        else:  # too short for the trigram index: scan
            where.append(
                f"""(c.name_fold LIKE ?1 ESCAPE '\\' OR {folded_like('c.org')} LIKE ?1 ESCAPE '\\'
                    OR {folded_like('c.note')} LIKE ?1 ESCAPE '\\'
                    OR EXISTS (SELECT 1 FROM contact_emails e WHERE e.contact_id = c.id
                               AND e.email LIKE ?1 ESCAPE '\\')
                    OR EXISTS (SELECT 1 FROM contact_phones p WHERE p.contact_id = c.id
                               AND p.phone LIKE ?1 ESCAPE '\\'))""".replace("?1", "?")
            )
            params.extend([like(fold(query.search))] * 3 + [like(query.search.casefold())] * 2)
    if query.stale_before:
        cutoff = to_utc_text(query.stale_before)
        where.append("c.created_at < ? AND (c.last_contact_at IS NULL OR c.last_contact_at < ?)")
        params.extend([cutoff, cutoff])
    if query.consent:
        where.append(f"c.id IN ({GRANTED})")
        params.append(query.consent)
    if query.bought is not None:
        since = " AND i.occurred_at >= ?" if query.bought_since else ""
        where.append(f"""c.id IN (SELECT i.contact_id FROM order_lines l JOIN interactions i ON i.id = l.interaction_id
                                  WHERE l.product_id IN ({marks(len(query.bought)) or 'NULL'})
                                    AND i.kind = 'order'{since})""")
        params.extend(query.bought)
        if query.bought_since:
            params.append(to_utc_text(query.bought_since))
    return (" WHERE " + " AND ".join(where) if where else ""), params


class Contacts(Repository):
    # ------------------------------------------------------------ writes

    def add(self, *, name: str, org: str | None, stage: str, birthday: str | None,
            note: str | None, fields: dict[str, str], emails: Sequence[str],
            phones: Sequence[str], tags: Sequence[str], at: datetime,
            uid: str | None = None, unverified_phones: Sequence[str] = ()) -> int:  # fmt: skip
        import json  # here, not at import: `due` reads no JSON
        stamp = to_utc_text(at)
        cursor = self._conn.execute(
            """INSERT INTO contacts (uid, name, name_fold, org, stage, birthday, note, fields,
                                     created_at, updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (uid or new_uid(), name, fold(name), org, stage, birthday, note,
             json.dumps(fields, ensure_ascii=False), stamp, stamp),
        )  # fmt: skip
        contact_id = cursor.lastrowid
        self.replace_lists(contact_id, emails=emails, phones=phones, tags=tags,
                           unverified_phones=unverified_phones)  # also indexes it
        return contact_id

    def add_many(self, rows: Sequence[dict]) -> None:
        """Insert contacts with explicit ids, their lists and stage history, and set the keep-in-touch
        cadence their tags give them; the caller adds them to the search index afterwards (``index_from``).

        Each row: id, uid, name, org, stage, birthday, note, fields, emails, phones, tags,
        created_at, updated_at (datetimes), stage_history [(from, to, at, source)], and
        optionally unverified_phones (those of phones kept as typed) and cadence_days (their own cadence).
        """
        import json  # here, not at import: `due` reads no JSON
        self._conn.executemany(
            """INSERT INTO contacts (id, uid, name, name_fold, org, stage, birthday, note, fields,
                                     created_at, updated_at, cadence_days)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [(r["id"], r["uid"], r["name"], fold(r["name"]), r["org"], r["stage"], r["birthday"],
              r["note"], json.dumps(r["fields"], ensure_ascii=False), to_utc_text(r["created_at"]),
              to_utc_text(r["updated_at"]), r.get("cadence_days")) for r in rows],
        )  # fmt: skip
        for key, (table, column) in LIST_TABLES.items():
            if key == "phones":
                continue
            self._conn.executemany(
                f"INSERT INTO {table} (contact_id, position, {column}) VALUES (?, ?, ?)",
                [(r["id"], position, value) for r in rows for position, value in enumerate(r[key])],
            )
        self._conn.executemany(
            PHONE_INSERT,
            [(r["id"], position, value, value not in r.get("unverified_phones", ()))
             for r in rows for position, value in enumerate(r["phones"])],
        )  # fmt: skip
        self._conn.executemany(
            STAGE_CHANGE_INSERT,
            [(r["id"], old, new, to_utc_text(at), source) for r in rows
             for old, new, at, source in r["stage_history"]],
        )  # fmt: skip
        tagged = [r["id"] for r in rows if r["tags"] or r.get("cadence_days")]  # what gives a new contact a cadence
        if tagged:
            refresh_touch(self._conn, "id IN (SELECT value FROM json_each(?))", (json.dumps(tagged),))

    def index_from(self, first_id: int) -> None:
        """Add contacts with ``id >= first_id`` to the full-text index, in one statement."""
        self._conn.execute(
            SEARCH_INSERT
            + SEARCH_ROW + " WHERE c.id >= ?",
            (first_id,),
        )

    def update(self, contact_id: int, at: datetime, **columns: object) -> None:
        """Set plain columns (name, org, stage, birthday, note, fields)."""
        import json  # here, not at import: `due` reads no JSON
        if "name" in columns:
            columns["name_fold"] = fold(str(columns["name"]))
        if "fields" in columns:
            columns["fields"] = json.dumps(columns["fields"], ensure_ascii=False)
        columns["updated_at"] = to_utc_text(at)
        assignments = ", ".join(f"{name} = ?" for name in columns)
        self._conn.execute(
            f"UPDATE contacts SET {assignments} WHERE id = ?", [*columns.values(), contact_id]
        )
        self.reindex(contact_id)

    def replace_lists(self, contact_id: int, *, unverified_phones: Sequence[str] = (),
                      **lists: Sequence[str] | None) -> None:  # fmt: skip
        """Replace a contact's emails, phones or tags (those given, in order).

        ``unverified_phones``: those of the phones given that are kept as typed.
        """
        for key, values in lists.items():
            if values is None:
                continue
            table, column = LIST_TABLES[key]
            self._conn.execute(f"DELETE FROM {table} WHERE contact_id = ?", (contact_id,))
            if key == "phones":
                self._conn.executemany(PHONE_INSERT, [(contact_id, position, value, value not in unverified_phones)
                                                      for position, value in enumerate(values)])  # fmt: skip
                continue
            self._conn.executemany(
                f"INSERT INTO {table} (contact_id, position, {column}) VALUES (?, ?, ?)",
                [(contact_id, position, value) for position, value in enumerate(values)],
            )
        self.reindex(contact_id)
        if lists.get("tags") is not None:
            refresh_touch(self._conn, "id = ?", (contact_id,))  # a tag's cadence may now apply

    def refresh_touch(self, where: str, params: Sequence = ()) -> None:
        """Recompute touch_days and next_touch_at for the contacts the SQL ``where`` selects."""
        refresh_touch(self._conn, where, params)

    def delete(self, contact_id: int) -> None:
        self._conn.execute("DELETE FROM contact_search WHERE rowid = ?", (contact_id,))
        self._conn.execute("DELETE FROM contacts WHERE id = ?", (contact_id,))

    def reindex(self, contact_id: int) -> None:
        """Refresh the contact's row in the full-text index (every contact write calls this)."""
        self._conn.execute("DELETE FROM contact_search WHERE rowid = ?", (contact_id,))
        self._conn.execute(
            SEARCH_INSERT
            + SEARCH_ROW + " WHERE c.id = ?",
            (contact_id,),
        )

    def move_records(self, from_id: int, to_id: int) -> dict[str, int]:
        """Re-point OTHER's interactions, reminders and stage changes at KEEP; how many of each."""
        moved = {}
        for table in ("interactions", "reminders", "stage_changes"):
            cursor = self._conn.execute(f"UPDATE {table} SET contact_id = ? WHERE contact_id = ?", (to_id, from_id))
            moved[table] = cursor.rowcount
        return moved

    def add_stage_change(self, contact_id: int, from_stage: str | None, to_stage: str,
                         at: datetime, source: str) -> None:  # fmt: skip
        self._conn.execute(STAGE_CHANGE_INSERT, (contact_id, from_stage, to_stage, to_utc_text(at), source))

    # ------------------------------------------------------------ reads

    def _from_rows(self, rows: list) -> list[Contact]:
        if not rows:
            return []
        ids = [row["id"] for row in rows]
        lists: dict[str, dict[int, list[str]]] = {}
        for key, (table, column) in LIST_TABLES.items():
            found: dict[int, list[str]] = {}
            for contact_id, value in self._conn.execute(
                f"SELECT contact_id, {column} FROM {table} WHERE contact_id IN ({marks(len(ids))})"
                " ORDER BY contact_id, position",
                ids,
            ):
                found.setdefault(contact_id, []).append(value)
            lists[key] = found
        unverified: dict[int, list[str]] = {}
        for contact_id, value in self._conn.execute(
            f"SELECT contact_id, phone FROM contact_phones WHERE verified = 0 AND contact_id IN ({marks(len(ids))})"
            " ORDER BY contact_id, position",
            ids,
        ):
            unverified.setdefault(contact_id, []).append(value)
        return [to.contact(row, tuple(lists["emails"].get(row["id"], ())), tuple(lists["phones"].get(row["id"], ())),
                           tuple(lists["tags"].get(row["id"], ())), tuple(unverified.get(row["id"], ())))
                for row in rows]  # fmt: skip

    def get(self, contact_id: int) -> Contact | None:
        found = self._from_rows(self._all(f"SELECT {COLUMNS} FROM contacts c WHERE c.id = ?", (contact_id,)))
        return found[0] if found else None

    def list(self, query: ContactQuery, batch: int = 500) -> Iterator[Contact]:
        """Contacts matching ``query``, streamed in batches (lists of 100k stay lean)."""
        return (contact for contact, _ in self.scored(query, batch))

    def scored(self, query: ContactQuery, batch: int = 500) -> Iterator[tuple[Contact, float | None]]:
        """``list``, each contact with its score when ``query`` sorts by it (else None)."""
        where, params = contact_filter(query)
        order = SORTS[query.sort] + (" DESC" if query.descending else "")
        columns = COLUMNS + ", NULL AS score"
        if query.sort == "score":
            from minicrm.store.scoring import score_sql

            columns = COLUMNS + f", {score_sql()} AS score"
            order = "score" + ("" if query.descending else " DESC")
            params = [to_utc_text(query.now), to_utc_text(query.now - timedelta(days=SCORE_DAYS)), *params]
        sql = f"SELECT {columns} FROM contacts c{where} ORDER BY {order}, c.id"
        if query.limit is not None:
            sql += " LIMIT ?"
            params.append(query.limit)
        cursor = self._conn.execute(sql, params)
        while rows := cursor.fetchmany(batch):
            yield from zip(self._from_rows(rows), (row["score"] for row in rows))

    def count(self, query: ContactQuery | None = None) -> int:
        where, params = contact_filter(query or ContactQuery())
        return self._one(f"SELECT count(*) FROM contacts c{where}", params)[0]

    def matching(self, query: ContactQuery, contact_ids: Sequence[int]) -> set[int]:
        """Those of ``contact_ids`` that ``query``'s filters select (primary-key lookups, in chunks)."""
        where, params = contact_filter(query)
        found: set[int] = set()
        for chunk in chunks(list(dict.fromkeys(contact_ids))):
            clause = f"c.id IN ({marks(len(chunk))})"
            sql = f"SELECT c.id FROM contacts c{where}" + (" AND " if where else " WHERE ") + clause
            found.update(row[0] for row in self._all(sql, [*params, *chunk]))
        return found

    def named(self, folded: str, *, exact: bool, limit: int) -> list[tuple[int, str]]:
        """(id, name) of contacts whose folded name (``models.fold``: no case, no accents) is, or contains, ``folded``."""
        if exact:
            sql, param = "SELECT id, name FROM contacts WHERE name_fold = ?", folded
        elif found := phrase(folded):
            sql = ("SELECT id, name FROM contacts WHERE id IN"
                   " (SELECT rowid FROM contact_search WHERE contact_search MATCH ?)")  # fmt: skip
            param = "folded : " + found
        else:
            sql, param = "SELECT id, name FROM contacts WHERE name_fold LIKE ? ESCAPE '\\'", like(folded)
        rows = self._all(sql + f" AND uid <> '{PLACEHOLDER_UID}' ORDER BY name_fold, id LIMIT ?", (param, limit))
        return [(row[0], row[1]) for row in rows]

    def names_starting(self, folded: str, limit: int) -> list[tuple[int, str, str | None]]:
        """(id, name, first email) of contacts whose folded name begins with ``folded``, by name: a range
        on the ``contacts_name_fold`` index, so shell completion stays fast on a large file."""
        rows = self._all("SELECT c.id, c.name, (SELECT e.email FROM contact_emails e WHERE e.contact_id = c.id"
                         " ORDER BY e.position LIMIT 1) FROM contacts c"
                         " WHERE c.name_fold >= ? AND c.name_fold < ? AND c.uid <> ?"
                         " ORDER BY c.name_fold, c.id LIMIT ?",
                         (folded, folded + "\U0010ffff", PLACEHOLDER_UID, limit))  # fmt: skip
        return [(row[0], row[1], row[2]) for row in rows]

    def tags_starting(self, prefix: str, limit: int) -> list[str]:
        """Tags in use that begin with ``prefix``, in order (a range on the ``contact_tags_tag`` index)."""
        rows = self._all("SELECT DISTINCT tag FROM contact_tags WHERE tag >= ? AND tag < ? ORDER BY tag LIMIT ?",
                         (prefix, prefix + "\U0010ffff", limit))  # fmt: skip
        return [row[0] for row in rows]

    def ids_by_email(self, email: str) -> list[int]:
        rows = self._all("SELECT DISTINCT contact_id FROM contact_emails WHERE email = ?", (email,))
        return [row[0] for row in rows]

    def ids_by_phone(self, phone: str) -> list[int]:
        rows = self._all("SELECT DISTINCT contact_id FROM contact_phones WHERE phone = ?", (phone,))
        return [row[0] for row in rows]

    def id_by_uid(self, uid: str) -> int | None:
        row = self._one("SELECT id FROM contacts WHERE uid = ?", (uid,))
        return row[0] if row else None

    def stage_of(self, contact_id: int) -> str | None:
        row = self._one("SELECT stage FROM contacts WHERE id = ?", (contact_id,))
        return row[0] if row else None

    def reach(self, contact_ids: Sequence[int]) -> dict[int, tuple[str | None, str | None]]:
        """First email and phone of each contact."""
        found: dict[int, tuple[str | None, str | None]] = {}
        for chunk in chunks(contact_ids):
            for row in self._all(f"SELECT c.id, {reach('c.id')} FROM contacts c WHERE c.id IN ({marks(len(chunk))})",
                                 chunk):  # fmt: skip
                found[row[0]] = (row[1], row[2])
        return found

    def stage_history(self, contact_id: int) -> list[StageChange]:
        rows = self._all("SELECT * FROM stage_changes WHERE contact_id = ? ORDER BY changed_at, id", (contact_id,))
        return [to.stage_change(row) for row in rows]

    def stage_histories(self, contact_ids: Sequence[int]) -> dict[int, list[StageChange]]:
        if not contact_ids:
            return {}
        rows = self._all(
            f"SELECT * FROM stage_changes WHERE contact_id IN ({marks(len(contact_ids))})"
            " ORDER BY contact_id, changed_at, id",
            list(contact_ids),
        )
        found: dict[int, list[StageChange]] = {}
        for row in rows:
            found.setdefault(row["contact_id"], []).append(to.stage_change(row))
        return found
