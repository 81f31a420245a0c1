"""The audit trail: ``changes`` (one per write transaction: when, who, which command, whether it
can be undone) and ``audit`` (the old and new image of every row it changed, as JSON, written by
triggers while ``audit_state.change_id`` is set). The session opens and closes the change; this
repository reads the trail and reverts changes. Reverting refreshes the contacts' search rows.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence

from minicrm.models import Change
from minicrm.store import rows as to
from minicrm.store.api import AuditRow
from minicrm.store.session import Repository, marks


class Audit(Repository):
    def mark_final(self) -> None:
        """The open change can never be undone (an erasure)."""
        self._conn.execute("UPDATE changes SET undoable = 0 WHERE id = ?", (self._store.change_id,))

    def recent(self, limit: int, before: int | None = None) -> list[Change]:
        """The latest changes (before change ``before``), newest first."""
        rows = self._all(
            """SELECT c.id, c.at, c.user, c.command, c.undoable,
                      (SELECT count(*) FROM audit a WHERE a.change_id = c.id) AS rows
               FROM changes c WHERE c.id < ? ORDER BY c.id DESC LIMIT ?""",
            (before if before is not None else 2**62, limit),
        )
        return [to.change(row) for row in rows]

    def entries(self, *, contact_id: int | None = None, limit: int | None = None,
                batch: int = 500) -> Iterator[AuditRow]:  # fmt: skip
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
        """Apply the inverse of every row image of these changes, newest first; returns rows reverted.

        Runs inside the caller's write transaction, so the reversal is itself a change.
        """
        rows = self._all(f"SELECT tbl, action, old, new, contact_id FROM audit WHERE change_id IN ({marks(len(change_ids))})"
                         " ORDER BY id DESC", list(change_ids))  # fmt: skip
        self._conn.execute("PRAGMA defer_foreign_keys = ON")  # cascades were recorded child and parent apart
        shapes: dict[str, tuple[list[str], list[str]]] = {}
        touched: set[int] = set()
        for table, action, old_text, new_text, contact_id in rows:
            columns, keys = shapes.setdefault(table, self._keys(table))
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
            if contact_id is not None:
                touched.add(contact_id)
        for contact_id in touched:
            self._store.contacts.reindex(contact_id)
        return len(rows)
