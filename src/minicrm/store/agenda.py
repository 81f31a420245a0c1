"""The morning list's holds: ``due_holds``, one row per item minicrm found itself (a cadence, a
deal, a reorder, an occasion) that was snoozed (``until_on``: hidden before that day) or cleared
(``through_on``: hidden while the item's date is on or before it). Reminders keep their own
dates in ``reminders``. No derived columns.
"""

from __future__ import annotations

from datetime import date, datetime

from minicrm.store.rows import day, to_utc_text
from minicrm.store.session import Repository


class Agenda(Repository):
    def holds(self) -> dict[str, tuple[date | None, date | None]]:
        """item -> (until_on, through_on)."""
        return {row[0]: (day(row[1]), day(row[2]))
                for row in self._all("SELECT item, until_on, through_on FROM due_holds")}  # fmt: skip

    def snooze(self, item: str, contact_id: int, until: date, at: datetime) -> None:
        self._conn.execute(
            """INSERT INTO due_holds (item, contact_id, until_on, through_on, at) VALUES (?, ?, ?, NULL, ?)
               ON CONFLICT (item) DO UPDATE SET until_on = excluded.until_on, at = excluded.at""",
            (item, contact_id, until.isoformat(), to_utc_text(at)),
        )

    def clear(self, item: str, contact_id: int, through: date, at: datetime) -> None:
        self._conn.execute(
            """INSERT INTO due_holds (item, contact_id, until_on, through_on, at) VALUES (?, ?, NULL, ?, ?)
               ON CONFLICT (item) DO UPDATE SET until_on = NULL, through_on = excluded.through_on,
               at = excluded.at""",
            (item, contact_id, through.isoformat(), to_utc_text(at)),
        )

    def release(self, item: str) -> None:
        """Forget the hold on ``item`` (its deal or occasion is deleted)."""
        self._conn.execute("DELETE FROM due_holds WHERE item = ?", (item,))
