"""Occasions: ``occasions`` (a yearly or one-off date of a contact: a birthday, an anniversary).

Derived columns, set by the caller through ``add`` and ``reschedule``: ``next_on`` (the next
occurrence) and ``notify_on`` (next_on - lead_days, indexed for ``due``). Reads never write: a
passed occasion is seen at its next date by the services, and ``roll_passed`` (run by the store at
the start of every write transaction) moves the stored dates on, so that ``due`` finds only
occasions that are near.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from minicrm.models import Occasion
from minicrm.recurrence import next_yearly
from minicrm.store import rows as to
from minicrm.store.rows import to_utc_text
from minicrm.store.session import Repository, new_uid

SELECT = """SELECT o.id, o.uid, o.contact_id, c.name AS contact_name, o.label, o.date, o.lead_days,
    o.note, o.next_on, o.notify_on FROM occasions o JOIN contacts c ON c.id = o.contact_id"""


class Occasions(Repository):
    def add(self, *, contact_id: int, label: str, day: str, lead_days: int, note: str | None,
            next_on: date, notify_on: date, created: datetime) -> int:  # fmt: skip
        cursor = self._conn.execute(
            """INSERT INTO occasions (uid, contact_id, label, date, lead_days, note, next_on, notify_on, created_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (new_uid(), contact_id, label, day, lead_days, note, next_on.isoformat(), notify_on.isoformat(),
             to_utc_text(created)),
        )  # fmt: skip
        return cursor.lastrowid

    def reschedule(self, occasion_id: int, next_on: date, notify_on: date) -> None:
        self._conn.execute("UPDATE occasions SET next_on = ?, notify_on = ? WHERE id = ?",
                           (next_on.isoformat(), notify_on.isoformat(), occasion_id))  # fmt: skip

    def get(self, occasion_id: int) -> Occasion | None:
        row = self._one(SELECT + " WHERE o.id = ?", (occasion_id,))
        return to.occasion(row) if row else None

    def of_contact(self, contact_id: int) -> list[Occasion]:
        return [to.occasion(r) for r in self._all(SELECT + " WHERE o.contact_id = ? ORDER BY o.next_on, o.id",
                                                  (contact_id,))]  # fmt: skip

    def list(self) -> list[Occasion]:
        return [to.occasion(r) for r in self._all(SELECT + " ORDER BY o.next_on, o.id")]

    def delete(self, occasion_id: int) -> bool:
        return self._conn.execute("DELETE FROM occasions WHERE id = ?", (occasion_id,)).rowcount > 0

    def notifying_by(self, day: date) -> list[Occasion]:
        """Occasions whose notify day is on or before ``day`` (the notify_on index)."""
        rows = self._all(SELECT + " WHERE o.notify_on <= ? ORDER BY o.notify_on, o.id", (day.isoformat(),))
        return [to.occasion(r) for r in rows]

    def roll_passed(self, today: date) -> None:
        """Move occasions whose date has passed to their next one (the next_on index)."""
        rows = self._all("SELECT id, date, lead_days FROM occasions WHERE next_on < ?", (today.isoformat(),))
        for occasion_id, stored, lead_days in rows:
            next_on = next_yearly(stored, today)
            self.reschedule(occasion_id, next_on, next_on - timedelta(days=lead_days))
