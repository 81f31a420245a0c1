"""The audit trail: ``changes`` (one per write transaction: when, who, which command, whether it
can be undone, whether it was a change, an undo or a redo, and which undo reverted it) and ``audit`` (the old and new image of every row it changed, as JSON, written by
triggers while ``audit_state.change_id`` is set). The session opens and closes the change; this
repository reads the trail and reverts changes. Reverting refreshes the contacts' search rows.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence

from minicrm.errors import Conflict
from minicrm.models import Change
from minicrm.store import rows as to
from minicrm.store.api import AuditRow
from minicrm.store.session import Repository, marks


# How many rows a change ``c`` changed: its row images and the rows it inserted in bulk.
ROWS = """((SELECT count(*) FROM audit a WHERE a.change_id = c.id)
          + (SELECT coalesce(sum(b.last_id - b.first_id + 1), 0) FROM change_batches b WHERE b.change_id = c.id))"""


class Audit(Repository):
    def mark_final(self) -> None:
        """The open change can never be undone (an erasure)."""
        self._conn.execute("UPDATE changes SET undoable = 0 WHERE id = ?", (self._store.change_id,))

    def in_effect(self, limit: int, before: int) -> list[Change]:
        """The latest changes made by commands and not undone (before change ``before``), newest first."""
        rows = self._all(
            f"""SELECT c.id, c.at, c.user, c.command, c.undoable,
                      {ROWS} AS rows
               FROM changes c WHERE c.kind = 'change' AND c.undone_by IS NULL AND c.id < ?
               ORDER BY c.id DESC LIMIT ?""",
            (before, limit),
        )
        return [to.change(row) for row in rows]

    def mark_undo(self, change_ids: Sequence[int]) -> None:
        """The open change is an undo of ``change_ids``."""
        undo_id = self._store.change_id
        self._conn.execute("UPDATE changes SET kind = 'undo' WHERE id = ?", (undo_id,))
        self._conn.execute(f"UPDATE changes SET undone_by = ? WHERE id IN ({marks(len(change_ids))})",
                           [undo_id, *change_ids])  # fmt: skip

    def last_undo(self, before: int) -> tuple[int, list[Change]] | None:
        """The latest undo made since the last new change whose changes are still undone, and those
        changes (newest first); None when there is nothing to redo."""
        row = self._one(
            """SELECT u.id FROM changes u WHERE u.kind = 'undo' AND u.id < ?1
                 AND u.id > coalesce((SELECT max(id) FROM changes WHERE kind = 'change' AND id < ?1), 0)
                 AND EXISTS (SELECT 1 FROM changes c WHERE c.undone_by = u.id)
               ORDER BY u.id DESC LIMIT 1""",
            (before,),
        )
        if row is None:
            return None
        rows = self._all(
            f"""SELECT c.id, c.at, c.user, c.command, c.undoable,
                      {ROWS} AS rows
               FROM changes c WHERE c.undone_by = ? ORDER BY c.id DESC""",
            (row[0],),
        )
        return row[0], [to.change(r) for r in rows]

    def mark_redo(self, undo_id: int) -> None:
        """The open change is a redo: what ``undo_id`` undid is in effect again."""
        self._conn.execute("UPDATE changes SET kind = 'redo' WHERE id = ?", (self._store.change_id,))
        self._conn.execute("UPDATE changes SET undone_by = NULL WHERE undone_by = ?", (undo_id,))

    def recent(self, limit: int, before: int | None = None) -> list[Change]:
        """The latest changes (before change ``before``), newest first."""
        rows = self._all(
            f"""SELECT c.id, c.at, c.user, c.command, c.undoable,
                      {ROWS} AS rows
               FROM changes c WHERE c.id < ? ORDER BY c.id DESC LIMIT ?""",
            (before if before is not None else 2**62, limit),
        )
        return [to.change(row) for row in rows]

    def entries(self, *, contact_id: int | None = None, limit: int | None = None,
                batch: int = 500) -> Iterator[AuditRow]:  # fmt: skip
        """Audit rows with their change, newest first; rows inserted in bulk are one entry per table
        (with ``batch`` set to their id range), and for a contact the batch that added them."""
        images = """SELECT a.id, a.change_id, c.at, c.user, c.command, a.tbl, a.action, a.contact_id, a.old, a.new,
                           NULL AS first_id, NULL AS last_id
                    FROM audit a JOIN changes c ON c.id = a.change_id"""
        bulk = """SELECT 0, b.change_id, c.at, c.user, c.command, b.tbl, 'insert', {contact}, NULL, NULL,
                         b.first_id, b.last_id
                  FROM change_batches b JOIN changes c ON c.id = b.change_id"""
        params: list[object] = []
        if contact_id is not None:
            images += " WHERE a.contact_id = ?"
            bulk = bulk.format(contact="?") + " WHERE b.tbl = 'contacts' AND ? BETWEEN b.first_id AND b.last_id"
            params += [contact_id, contact_id, contact_id]
        else:
            bulk = bulk.format(contact="NULL")
        sql = f"{images} UNION ALL {bulk} ORDER BY 2 DESC, 1 DESC"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        cursor = self._conn.execute(sql, params)
        while rows := cursor.fetchmany(batch):
            yield from map(to.audit_row, rows)

    def _keys(self, table: str) -> tuple[list[str], list[str]]:
        """(columns, primary-key columns) of a table."""
        info = self._all(f'PRAGMA table_info("{table}")')
        columns = [row[1] for row in info]
        keys = [row[1] for row in sorted(info, key=lambda r: r[5]) if row[5]]
        return columns, keys

    def revert(self, change_ids: Sequence[int]) -> int:
        """Undo these changes, newest first: apply the inverse of every row image, then delete the rows
        each inserted in bulk; returns the rows reverted. Raises ``Conflict`` when a bulk row was
        changed since by a change that is not being undone.

        Runs inside the caller's write transaction, so the reversal is itself a change.
        """
        self._conn.execute("PRAGMA defer_foreign_keys = ON")  # cascades were recorded child and parent apart
        undoing = sorted(set(change_ids), reverse=True)
        shapes: dict[str, tuple[list[str], list[str]]] = {}
        touched: set[int] = set()
        count = 0
        for change_id in undoing:
            rows = self._all("SELECT tbl, action, old, new, contact_id FROM audit WHERE change_id = ? ORDER BY id DESC",
                             (change_id,))  # fmt: skip
            for table, action, old_text, new_text, contact_id in rows:
                self._revert_row(shapes, table, action, old_text, new_text)
                if contact_id is not None:
                    touched.add(contact_id)
            count += len(rows)
            count += self._delete_batches(change_id, undoing)
        for contact_id in touched:
            self._store.contacts.reindex(contact_id)
        return count

    def _revert_row(self, shapes: dict, table: str, action: str, old_text: str | None, new_text: str | None) -> None:
        if table not in shapes:
            shapes[table] = self._keys(table)
        columns, keys = shapes[table]
        old = json.loads(old_text) if old_text else None
        new = json.loads(new_text) if new_text else None
        if action == "insert":
            where = " AND ".join(f'"{k}" = ?' for k in keys)
            self._conn.execute(f'DELETE FROM "{table}" WHERE {where}', [new[k] for k in keys])
        elif action == "delete":
            names = [c for c in columns if c in old]
            listed = ", ".join(f'"{c}"' for c in names)
            self._conn.execute(f'INSERT INTO "{table}" ({listed}) VALUES ({marks(len(names))})',
                               [old[c] for c in names])  # fmt: skip
        else:
            names = [c for c in columns if c in old]
            assignments = ", ".join(f'"{c}" = ?' for c in names)
            where = " AND ".join(f'"{k}" = ?' for k in keys)
            self._conn.execute(f'UPDATE "{table}" SET {assignments} WHERE {where}',
                               [old[c] for c in names] + [new[k] for k in keys])  # fmt: skip

    def _batches(self, change_id: int) -> dict[str, tuple[int, int]]:
        rows = self._all("SELECT tbl, first_id, last_id FROM change_batches WHERE change_id = ?", (change_id,))
        return {table: (first, last) for table, first, last in rows}

    def _delete_batches(self, change_id: int, undoing: Sequence[int]) -> int:
        """Delete the rows change ``change_id`` inserted in bulk (a contact takes its lists, history and
        search row with it); how many. Refuses when one was changed by a change not being undone."""
        batches = self._batches(change_id)
        if not batches:
            return 0
        later = self._changed_since(change_id, batches, [*undoing, self._store.change_id or 0])
        if later is not None:
            raise Conflict(f"change {change_id} imported rows that change {later} changed since, so undoing it "
                           "would lose that change", "See: minicrm audit; undo that change first")  # fmt: skip
        count = 0
        if "contacts" in batches:
            first, last = batches["contacts"]
            self._conn.execute("DELETE FROM contact_search WHERE rowid BETWEEN ? AND ?", (first, last))
        for table in ("reminders", "interactions", "contacts"):  # children before their contacts
            if table in batches:
                count += self._conn.execute(f"DELETE FROM {table} WHERE id BETWEEN ? AND ?", batches[table]).rowcount
        return count

    def _changed_since(self, change_id: int, batches: dict[str, tuple[int, int]],
                       undoing: Sequence[int]) -> int | None:  # fmt: skip
        """The first change after ``change_id``, and not in ``undoing`` (nor the undo itself), that touched one of its bulk
        rows (or added a row to one of its contacts); None when there is none."""
        others = f"change_id > ? AND change_id NOT IN ({marks(len(undoing))})"
        params: list[object] = [change_id, *undoing]
        checks = []
        if "contacts" in batches:
            checks.append((f"SELECT min(change_id) FROM audit WHERE contact_id BETWEEN ? AND ? AND {others}",
                           [*batches["contacts"], *params]))  # fmt: skip
            for table in ("interactions", "reminders"):  # bulk rows of a later change, which have no images
                first, last = batches.get(table, (0, -1))
                checks.append((f"""SELECT min(b.change_id) FROM change_batches b JOIN {table} t
                                     ON t.id BETWEEN b.first_id AND b.last_id
                                   WHERE b.tbl = '{table}' AND b.{others}
                                     AND t.contact_id BETWEEN ? AND ? AND t.id NOT BETWEEN ? AND ?""",
                               [*params, *batches["contacts"], first, last]))  # fmt: skip
        for table in ("interactions", "reminders"):
            if table in batches:
                checks.append((f"""SELECT min(change_id) FROM audit WHERE tbl = '{table}' AND {others}
                                   AND json_extract(coalesce(new, old), '$.id') BETWEEN ? AND ?""",
                               [*params, *batches[table]]))  # fmt: skip
        if "reminders" in batches:
            checks.append((f"""SELECT min(change_id) FROM audit WHERE tbl = 'reminder_completions' AND {others}
                               AND json_extract(coalesce(new, old), '$.reminder_id') BETWEEN ? AND ?""",
                           [*params, *batches["reminders"]]))  # fmt: skip
        found = [row[0] for sql, args in checks if (row := self._one(sql, args)) and row[0] is not None]
        return min(found) if found else None
