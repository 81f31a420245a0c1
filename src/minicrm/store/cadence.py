"""Keep-in-touch cadence: ``tag_cadences`` (days per tag) and the contact's own ``cadence_days``.

The cadence in force (``touch_days``) and the next touch (``next_touch_at``) are the contacts
repository's derived columns; setting a cadence here refreshes them for the contacts it applies to.
"""

from __future__ import annotations

from datetime import datetime

from minicrm.store import rows as to
from minicrm.store.api import Touch
from minicrm.store.rows import instant, to_utc_text
from minicrm.store.session import Repository, reach


class Cadence(Repository):
    def set_contact(self, contact_id: int, days: int | None) -> None:
        from minicrm.store.contacts import refresh_touch

        self._conn.execute("UPDATE contacts SET cadence_days = ? WHERE id = ?", (days, contact_id))
        refresh_touch(self._conn, "id = ?", (contact_id,))

    def set_tag(self, tag: str, days: int | None) -> None:
        from minicrm.store.contacts import refresh_touch

        if days is None:
            self._conn.execute("DELETE FROM tag_cadences WHERE tag = ?", (tag,))
        else:
            self._conn.execute("INSERT INTO tag_cadences (tag, days) VALUES (?, ?)"
                               " ON CONFLICT (tag) DO UPDATE SET days = excluded.days", (tag, days))  # an audited update
        refresh_touch(self._conn, "id IN (SELECT contact_id FROM contact_tags WHERE tag = ?)", (tag,))

    def tags(self) -> dict[str, int]:
        return {row[0]: row[1] for row in self._all("SELECT tag, days FROM tag_cadences ORDER BY tag")}

    def touch_of(self, contact_id: int) -> tuple[int | None, int | None, datetime | None]:
        """(own cadence, cadence in force, next touch) of a contact."""
        row = self._one("SELECT cadence_days, touch_days, next_touch_at FROM contacts WHERE id = ?", (contact_id,))
        return (row[0], row[1], instant(row[2])) if row else (None, None, None)

    def touches_due(self, before: datetime, limit: int | None = None) -> list[Touch]:
        """Contacts whose next touch is before ``before`` (the next_touch_at index), most overdue first."""
        sql = f"""SELECT c.id, c.uid, c.name, c.touch_days, c.next_touch_at, c.last_contact_at, c.created_at,
                    {reach("c.id")}
                 FROM contacts c WHERE c.next_touch_at < ? ORDER BY c.next_touch_at, c.id"""
        params: list[object] = [to_utc_text(before)]
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return [to.touch(row) for row in self._all(sql, params)]
