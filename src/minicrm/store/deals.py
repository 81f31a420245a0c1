"""Deals: ``deals`` (a title, a value in cents, a pipeline stage, an expected close day).

``closed_at`` is derived here: set when a deal is added or moved to won or lost, cleared when it
moves back to an open stage. Partial indexes on open deals serve ``due``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal

from minicrm.models import Deal
from minicrm.store import rows as to
from minicrm.store.rows import to_utc_text
from minicrm.store.session import Repository, marks, new_uid

SELECT = """SELECT d.id, d.uid, d.contact_id, c.name AS contact_name, d.title, d.value_cents, d.stage,
    d.close_on, d.closed_at, d.created_at, d.updated_at
    FROM deals d JOIN contacts c ON c.id = d.contact_id"""

CLOSED = ("won", "lost")


class Deals(Repository):
    def add(self, *, contact_id: int, title: str, value: Decimal, stage: str, close_on: date | None,
            created: datetime) -> int:  # fmt: skip
        stamp = to_utc_text(created)
        cursor = self._conn.execute(
            """INSERT INTO deals (uid, contact_id, title, value_cents, stage, close_on, closed_at,
                                  created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (new_uid(), contact_id, title, int(value * 100), stage, close_on.isoformat() if close_on else None,
             stamp if stage in CLOSED else None, stamp, stamp),
        )  # fmt: skip
        return cursor.lastrowid

    def move(self, deal_id: int, stage: str, at: datetime) -> None:
        stamp = to_utc_text(at)
        closed = stamp if stage in CLOSED else None
        self._conn.execute("UPDATE deals SET stage = ?, closed_at = ?, updated_at = ? WHERE id = ?",
                           (stage, closed, stamp, deal_id))  # fmt: skip

    def update(self, deal_id: int, at: datetime, *, title: str | None = None, value: Decimal | None = None,
               close_on: date | None | bool = False, contact_id: int | None = None) -> None:
        """Change what is given (``close_on`` None clears it; False keeps it); the stage moves with ``move``."""
        columns: dict[str, object] = {"updated_at": to_utc_text(at)}
        if title is not None:
            columns["title"] = title
        if value is not None:
            columns["value_cents"] = int(value * 100)
        if close_on is not False:
            columns["close_on"] = close_on.isoformat() if close_on else None  # type: ignore[union-attr]
        if contact_id is not None:
            columns["contact_id"] = contact_id
        assignments = ", ".join(f"{name} = ?" for name in columns)
        self._conn.execute(f"UPDATE deals SET {assignments} WHERE id = ?", [*columns.values(), deal_id])

    def delete(self, deal_id: int) -> None:
        self._conn.execute("DELETE FROM deals WHERE id = ?", (deal_id,))

    def get(self, deal_id: int) -> Deal | None:
        row = self._one(SELECT + " WHERE d.id = ?", (deal_id,))
        return to.deal(row) if row else None

    def list(self, *, stages: Sequence[str] = (), contact_id: int | None = None) -> list[Deal]:
        """Deals by close date (open ones without a date last), then id."""
        where, params = [], []
        if stages:
            where.append(f"d.stage IN ({marks(len(stages))})")
            params.extend(stages)
        if contact_id is not None:
            where.append("d.contact_id = ?")
            params.append(contact_id)
        sql = SELECT + (" WHERE " + " AND ".join(where) if where else "")
        sql += " ORDER BY d.close_on IS NULL, d.close_on, d.id"
        return [to.deal(row) for row in self._all(sql, params)]

    def pipeline(self) -> dict[str, tuple[int, int]]:
        """stage -> (count, value in cents), from the (stage, value_cents) index."""
        rows = self._all("SELECT stage, count(*), coalesce(sum(value_cents), 0) FROM deals GROUP BY stage")
        return {row[0]: (row[1], row[2]) for row in rows}

    def closing_by(self, until: date) -> list[Deal]:
        """Open deals whose close date is on or before ``until`` (partial index on open deals)."""
        rows = self._all(SELECT + " WHERE d.stage NOT IN ('won', 'lost') AND d.close_on <= ?"
                         " ORDER BY d.close_on, d.id", (until.isoformat(),))  # fmt: skip
        return [to.deal(row) for row in rows]
