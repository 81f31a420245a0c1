"""Settings: the ``settings`` table, the business's own settings (region, currency...) as text by key.

A key absent from the table is not set in this database; the services fall back to the
environment and the locale. No derived columns.
"""

from __future__ import annotations

from datetime import datetime

from minicrm.store.rows import to_utc_text
from minicrm.store.session import Repository


class Settings(Repository):
    def all(self) -> dict[str, str]:
        """Every key set in this database, with its value."""
        return {row[0]: row[1] for row in self._all("SELECT key, value FROM settings ORDER BY key")}

    def get(self, key: str) -> str | None:
        row = self._one("SELECT value FROM settings WHERE key = ?", (key,))
        return row[0] if row else None

    def set(self, key: str, value: str, at: datetime) -> None:
        self._conn.execute(
            "INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            (key, value, to_utc_text(at)),
        )

    def unset(self, key: str) -> bool:
        """Remove a key; whether it was set."""
        return self._conn.execute("DELETE FROM settings WHERE key = ?", (key,)).rowcount > 0
