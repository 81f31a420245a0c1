"""Activity: ``interactions`` (calls, emails, meetings, notes, orders with an amount in cents,
referrals naming the contact they brought in). An order's or a refund's lines are stored by
``store.products`` and read back with it here.

Derived state kept by triggers (migrations): the contact's ``last_contact_at`` and
``next_touch_at``, ``customer_stats`` (orders, value, rhythm) and the ``interactions_fts`` index;
``add_many`` brings them up to date once per batch instead.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from decimal import Decimal

from minicrm.models import Interaction, Referral
from minicrm.store import migrations
from minicrm.store import rows as to
from minicrm.store.rows import cents, to_utc_text
from minicrm.store.session import Repository, chunks, marks, new_uid

SELECT = """SELECT i.id, i.uid, i.contact_id, c.name AS contact_name, i.kind,
    i.occurred_at, i.text, i.amount_cents, i.created_at
    FROM interactions i JOIN contacts c ON c.id = i.contact_id"""

# Triggers that keep derived state row by row (m002, m003); a bulk insert does their work once.
DERIVED_TRIGGERS = ("interactions_ai", "interactions_last_ai", "interactions_stats_in", "interactions_reorder_ai")
BULK_MIN = 200  # fewer rows than this go through the triggers
LINES_MIGRATION = "m017_products"  # the migration that made order_lines

INSERT = """INSERT INTO interactions (uid, contact_id, kind, occurred_at, text, amount_cents, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)"""


class Activity(Repository):
    def add(self, *, contact_id: int, kind: str, at: datetime, text: str | None,
            amount: Decimal | None, created: datetime, uid: str | None = None) -> int:  # fmt: skip
        cursor = self._conn.execute(
            INSERT, (uid or new_uid(), contact_id, kind, to_utc_text(at), text, cents(amount), to_utc_text(created))
        )
        return cursor.lastrowid

    def add_many(self, rows: Sequence[dict]) -> None:
        """Insert interactions in bulk (inside a write). A large batch runs without the row-by-row
        triggers that keep the derived state, and then brings it up to date once per batch: the
        search index, the contacts' last contact and next touch, and the customers' stats."""
        values = [(r["uid"], r["contact_id"], r["kind"], to_utc_text(r["at"]), r["text"], cents(r["amount"]),
                   to_utc_text(r["created_at"])) for r in rows]  # fmt: skip
        if len(values) < BULK_MIN:
            self._conn.executemany(INSERT, values)
            return
        first = self._store.next_id("interactions")
        triggers = self._all("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'interactions'"
                             f" AND name IN ({marks(len(DERIVED_TRIGGERS))})", DERIVED_TRIGGERS)  # fmt: skip
        for name, _ in triggers:
            self._conn.execute(f'DROP TRIGGER "{name}"')
        try:
            self._conn.executemany(INSERT, values)
            self._derive(first, self._store.next_id("interactions") - 1)
        finally:
            for _, sql in triggers:  # the same transaction: no other connection ever sees them missing
                self._conn.execute(sql)

    def _derive(self, first: int, last: int) -> None:
        """What the dropped triggers would have done for interactions ``first``..``last``."""
        batch = f"SELECT DISTINCT contact_id FROM interactions WHERE id BETWEEN {int(first)} AND {int(last)}"
        self._conn.execute("INSERT INTO interactions_fts (rowid, text) SELECT id, text FROM interactions"
                           " WHERE id BETWEEN ? AND ?", (first, last))  # fmt: skip
        self._conn.execute(
            """UPDATE contacts SET last_contact_at = b.latest,
                   next_touch_at = CASE WHEN touch_days IS NULL THEN NULL
                       ELSE strftime('%Y-%m-%dT%H:%M:%SZ', b.latest, '+' || touch_days || ' days') END
               FROM (SELECT contact_id, max(occurred_at) AS latest FROM interactions
                     WHERE id BETWEEN ? AND ? GROUP BY contact_id) AS b
               WHERE contacts.id = b.contact_id
                 AND (contacts.last_contact_at IS NULL OR contacts.last_contact_at < b.latest)""",
            (first, last),
        )
        for sql in migrations.stats_refresh_many(batch + " AND kind IN ('order', 'refund')"):
            self._conn.execute(sql)
        self._conn.execute(migrations.reorder_refresh_many(batch))

    def update(self, interaction_id: int, *, kind: str | None = None, at: datetime | None = None,
               text: str | None | bool = False, amount: Decimal | None | bool = False) -> None:
        """Change what is given (``text``/``amount`` None clears them; False keeps them).
        The triggers keep last contact, next touch, customer stats and the text index true."""
        columns: dict[str, object] = {}
        if kind is not None:
            columns["kind"] = kind
        if at is not None:
            columns["occurred_at"] = to_utc_text(at)
        if text is not False:
            columns["text"] = text
        if amount is not False:
            columns["amount_cents"] = cents(amount)  # type: ignore[arg-type]
        if columns:
            assignments = ", ".join(f"{name} = ?" for name in columns)
            self._conn.execute(f"UPDATE interactions SET {assignments} WHERE id = ?",
                               [*columns.values(), interaction_id])  # fmt: skip

    def delete(self, interaction_id: int) -> None:
        self._conn.execute("DELETE FROM interactions WHERE id = ?", (interaction_id,))

    def count(self, contact_id: int) -> int:
        """How many interactions a contact has (the contact_at index)."""
        return self._one("SELECT count(*) FROM interactions WHERE contact_id = ?", (contact_id,))[0]

    def get(self, interaction_id: int) -> Interaction | None:
        row = self._one(SELECT + " WHERE i.id = ?", (interaction_id,))
        return self._lined([to.interaction(row)])[0] if row else None

    def _lined(self, found: list[Interaction]) -> list[Interaction]:
        """``found`` with the lines of its orders and refunds (one query for the lot)."""
        ids = [i.id for i in found if i.kind in ("order", "refund")]
        if not ids or LINES_MIGRATION not in migrations.names():  # a schema stopped before lines (tests)
            return found
        lines = self._store.products.lines_of(ids)
        return [i._replace(lines=lines[i.id]) if i.id in lines else i for i in found] if lines else found

    def list(self, *, contact_id: int | None = None, kinds: Sequence[str] = (),
             since: datetime | None = None, until: datetime | None = None,
             limit: int | None = None, batch: int = 1000) -> Iterator[Interaction]:  # fmt: skip
        """Interactions, newest first."""
        where, params = [], []
        if contact_id is not None:
            where.append("i.contact_id = ?")
            params.append(contact_id)
        if kinds:
            where.append(f"i.kind IN ({marks(len(kinds))})")
            params.extend(kinds)
        if since is not None:
            where.append("i.occurred_at >= ?")
            params.append(to_utc_text(since))
        if until is not None:
            where.append("i.occurred_at <= ?")
            params.append(to_utc_text(until))
        sql = SELECT
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY i.occurred_at DESC, i.id DESC"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        cursor = self._conn.execute(sql, params)
        while rows := cursor.fetchmany(batch):
            yield from self._lined(list(map(to.interaction, rows)))

    def export(self, batch: int = 2000) -> Iterator[tuple[Interaction, str]]:
        """Every interaction in id order (with its lines) and its contact's uid, streamed."""
        cursor = self._conn.execute(
            "SELECT i.id, i.uid, i.contact_id, c.name AS contact_name, c.uid AS contact_uid, i.kind,"
            " i.occurred_at, i.text, i.amount_cents, i.created_at"
            " FROM interactions i JOIN contacts c ON c.id = i.contact_id ORDER BY i.id"
        )
        while rows := cursor.fetchmany(batch):
            yield from zip(self._lined([to.interaction(row) for row in rows]), [row["contact_uid"] for row in rows])

    def ids_by_uid(self, uids: Sequence[str]) -> dict[str, int]:
        """The ids of the interactions with these uids (an import's lines find their orders)."""
        found: dict[str, int] = {}
        for part in chunks(list(uids)):
            rows = self._all(f"SELECT uid, id FROM interactions WHERE uid IN ({marks(len(part))})", part)
            found.update((row[0], row[1]) for row in rows)
        return found

    def set_referred(self, interaction_id: int, referred_id: int) -> None:
        self._conn.execute("UPDATE interactions SET referred_id = ? WHERE id = ?", (referred_id, interaction_id))

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
        return [to.referral(row) for row in self._all(sql, params)]

    def order_count(self, contact_id: int) -> int:
        """How many orders a contact has (served by the partial orders index)."""
        return self._one(
            "SELECT count(*) FROM interactions WHERE contact_id = ? AND kind = 'order'", (contact_id,)
        )[0]

    def order_near(self, contact_id: int, start: datetime, end: datetime) -> tuple[str | None, int | None] | None:
        """The contact's latest order in [start, end): (text, cents) (the orders index)."""
        row = self._one(
            """SELECT text, amount_cents FROM interactions WHERE contact_id = ? AND kind = 'order'
               AND occurred_at >= ? AND occurred_at < ? ORDER BY occurred_at DESC LIMIT 1""",
            (contact_id, to_utc_text(start), to_utc_text(end)),
        )
        return (row[0], row[1]) if row else None
