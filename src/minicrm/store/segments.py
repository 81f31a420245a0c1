"""Segments: ``segments``, saved filters of ``list`` by name (the filters as JSON). No derived columns."""

from __future__ import annotations

import json
from datetime import datetime

from minicrm.store.rows import from_utc_text, to_utc_text
from minicrm.store.session import Repository


class Segments(Repository):
    def save(self, name: str, filters: dict, at: datetime) -> None:
        # An upsert, not INSERT OR REPLACE: replacing a row fires no delete trigger, so the
        # audit would see an insert and undo would delete the segment instead of restoring it.
        self._conn.execute("""INSERT INTO segments (name, filters, created_at) VALUES (?, ?, ?)
                              ON CONFLICT (name) DO UPDATE SET filters = excluded.filters,
                              created_at = excluded.created_at""",
                           (name, json.dumps(filters, ensure_ascii=False), to_utc_text(at)))  # fmt: skip

    def get(self, name: str) -> tuple[dict, datetime] | None:
        row = self._one("SELECT filters, created_at FROM segments WHERE name = ?", (name,))
        return (json.loads(row[0]), from_utc_text(row[1])) if row else None

    def list(self) -> list[tuple[str, dict, datetime]]:
        return [(row[0], json.loads(row[1]), from_utc_text(row[2]))
                for row in self._all("SELECT name, filters, created_at FROM segments ORDER BY name")]  # fmt: skip

    def delete(self, name: str) -> bool:
        return self._conn.execute("DELETE FROM segments WHERE name = ?", (name,)).rowcount > 0
