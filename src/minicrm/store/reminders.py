"""Reminders: ``reminders`` (one-off or repeating by a RULE) and ``reminder_completions``
(each done occurrence of a repeating one).

A reminder's ``anchor_on`` is the day its rule counts from and ``scheduled_on`` the occurrence
it stands at; ``due_on`` is when it is due (later, if snoozed). A cancelled reminder
(``cancelled_at`` set) is closed (status ``done`` in the table, ``cancelled`` in the model) and
keeps its completions. The partial index on open reminders serves ``due``. No derived columns.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, datetime, time

from minicrm.models import Reminder
from minicrm.store import rows as to
from minicrm.store.rows import clock, to_utc_text
from minicrm.store.session import Repository, marks, new_uid, reach

# rows.reminder unpacks the first 17 columns by position: keep their order.
SELECT = f"""SELECT r.id, r.uid, r.contact_id, c.name AS contact_name, {reach("r.contact_id")},
    r.text, r.due_on, r.due_time, r.rule, r.anchor_on, r.scheduled_on, r.snoozed,
    CASE WHEN r.cancelled_at IS NULL THEN r.status ELSE 'cancelled' END AS status,
    r.done_at, r.created_at, r.updated_at
    FROM reminders r JOIN contacts c ON c.id = r.contact_id"""


class Reminders(Repository):
    def add(self, *, contact_id: int, text: str, due_on: date, due_time: time | None,
            rule: str | None, created: datetime, uid: str | None = None) -> int:  # fmt: skip
        stamp = to_utc_text(created)
        cursor = self._conn.execute(
            """INSERT INTO reminders (uid, contact_id, text, due_on, due_time, rule, anchor_on,
                                      scheduled_on, created_at, updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (uid or new_uid(), contact_id, text, due_on.isoformat(), clock(due_time), rule,
             due_on.isoformat(), due_on.isoformat(), stamp, stamp),
        )  # fmt: skip
        return cursor.lastrowid

    def add_many(self, rows: Sequence[dict]) -> None:
        self._conn.executemany(
            """INSERT INTO reminders (uid, contact_id, text, due_on, due_time, rule, anchor_on,
                                      scheduled_on, snoozed, status, done_at, created_at, updated_at, cancelled_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [(r["uid"], r["contact_id"], r["text"], r["due_on"].isoformat(), clock(r["due_time"]), r["rule"],
              r["anchor_on"].isoformat(), r["scheduled_on"].isoformat(), int(r["snoozed"]),
              "done" if r["status"] == "cancelled" else r["status"],
              to_utc_text(r["done_at"]) if r["done_at"] else None, to_utc_text(r["created_at"]),
              to_utc_text(r["updated_at"]),
              to_utc_text(r["updated_at"]) if r["status"] == "cancelled" else None) for r in rows],
        )  # fmt: skip

    def update(self, reminder_id: int, at: datetime, *, due_on: date | None = None,
               due_time: time | None | str = "keep", scheduled_on: date | None = None,
               snoozed: bool | None = None, status: str | None = None,
               done_at: datetime | None = None, text: str | None = None, rule: str | None = "keep",
               anchor_on: date | None = None) -> None:  # fmt: skip
        columns: dict[str, object] = {"updated_at": to_utc_text(at)}
        if text is not None:
            columns["text"] = text
        if rule != "keep":
            columns["rule"] = rule
        if anchor_on is not None:
            columns["anchor_on"] = anchor_on.isoformat()
        if due_on is not None:
            columns["due_on"] = due_on.isoformat()
        if due_time != "keep":
            columns["due_time"] = clock(due_time)  # type: ignore[arg-type]
        if scheduled_on is not None:
            columns["scheduled_on"] = scheduled_on.isoformat()
        if snoozed is not None:
            columns["snoozed"] = int(snoozed)
        if status is not None:
            columns["status"] = status
        if done_at is not None:
            columns["done_at"] = to_utc_text(done_at)
        assignments = ", ".join(f"{name} = ?" for name in columns)
        self._conn.execute(f"UPDATE reminders SET {assignments} WHERE id = ?", [*columns.values(), reminder_id])

    def cancel(self, reminder_id: int, at: datetime) -> None:
        """Close a reminder without doing it; its completions stay."""
        stamp = to_utc_text(at)
        self._conn.execute("UPDATE reminders SET status = 'done', cancelled_at = ?, updated_at = ? WHERE id = ?",
                           (stamp, stamp, reminder_id))  # fmt: skip

    def schedule(self, reminder_id: int) -> tuple[date, date] | None:
        """(anchor_on, scheduled_on) of a reminder: what its rule counts from."""
        row = self._one("SELECT anchor_on, scheduled_on FROM reminders WHERE id = ?", (reminder_id,))
        return (date.fromisoformat(row[0]), date.fromisoformat(row[1])) if row else None

    def add_completion(self, reminder_id: int, occurrence_on: date, at: datetime) -> None:
        self._conn.execute(
            "INSERT INTO reminder_completions (reminder_id, occurrence_on, done_at) VALUES (?, ?, ?)",
            (reminder_id, occurrence_on.isoformat(), to_utc_text(at)),
        )

    def get_many(self, ids: Sequence[int], today: date | None = None) -> dict[int, Reminder]:
        if not ids:
            return {}
        rows = self._all(SELECT + f" WHERE r.id IN ({marks(len(ids))})", list(ids))
        return {row["id"]: to.reminder(row, today) for row in rows}

    def open(self, *, due_from: date | None = None, due_until: date | None = None,
             contact_id: int | None = None, limit: int | None = None,
             today: date | None = None) -> list[Reminder]:  # fmt: skip
        """Open reminders in due order (served by the partial index on open reminders)."""
        where, params = ["r.status = 'open'"], []
        if due_from is not None:
            where.append("r.due_on >= ?")
            params.append(due_from.isoformat())
        if due_until is not None:
            where.append("r.due_on <= ?")
            params.append(due_until.isoformat())
        if contact_id is not None:
            where.append("r.contact_id = ?")
            params.append(contact_id)
        sql = SELECT + " WHERE " + " AND ".join(where)
        sql += " ORDER BY r.due_on, r.due_time IS NOT NULL, r.due_time, r.id"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return [to.reminder(row, today) for row in self._all(sql, params)]

    def open_ids_starting(self, prefix: str, limit: int) -> list[tuple[int, str, str, date]]:
        """(id, text, contact's name, due day) of open reminders whose id begins with ``prefix``, soonest
        first: one pass over the open-reminders index, no record built for the others (shell completion)."""
        rows = self._all("SELECT r.id, r.text, c.name, r.due_on FROM reminders r JOIN contacts c ON c.id = r.contact_id"
                         " WHERE r.status = 'open' AND CAST(r.id AS TEXT) LIKE ? ORDER BY r.due_on, r.id LIMIT ?",
                         (prefix + "%", limit))  # fmt: skip
        return [(row[0], row[1], row[2], date.fromisoformat(row[3])) for row in rows]

    def open_keys(self, due_from: date | None, due_until: date) -> list[tuple[int, int, date, time | None]]:
        """(id, contact_id, due_on, due_time) of the open reminders due in [due_from, due_until]: what
        ranking needs, from the partial index alone (no join), before the few shown are read whole."""
        where, params = "status = 'open' AND due_on <= ?", [due_until.isoformat()]
        if due_from is not None:
            where += " AND due_on >= ?"
            params.append(due_from.isoformat())
        day, clock_ = date.fromisoformat, time.fromisoformat
        return [(id_, contact_id, day(due_on), clock_(due_time) if due_time else None)
                for id_, contact_id, due_on, due_time
                in self._all(f"SELECT id, contact_id, due_on, due_time FROM reminders WHERE {where}", params)]  # fmt: skip

    def of_contact(self, contact_id: int, today: date | None = None) -> list[Reminder]:
        """Every reminder of a contact, open and done."""
        rows = self._all(SELECT + " WHERE r.contact_id = ? ORDER BY r.due_on, r.id", (contact_id,))
        return [to.reminder(row, today) for row in rows]

    def count_open(self, due_from: date | None, due_until: date) -> int:
        where, params = "status = 'open' AND due_on <= ?", [due_until.isoformat()]
        if due_from is not None:
            where += " AND due_on >= ?"
            params.append(due_from.isoformat())
        return self._one(f"SELECT count(*) FROM reminders WHERE {where}", params)[0]

    def export(self, *, open_only: bool = False, today: date | None = None, batch: int = 2000
               ) -> Iterator[tuple[Reminder, str, date, date]]:  # fmt: skip
        """Every reminder in id order with its contact's uid, anchor and scheduled day, streamed."""
        sql = SELECT.replace("r.updated_at", "r.updated_at, c.uid AS contact_uid", 1)
        if open_only:
            sql += " WHERE r.status = 'open'"
        cursor = self._conn.execute(sql + " ORDER BY r.id")
        while rows := cursor.fetchmany(batch):
            for row in rows:
                yield (to.reminder(row, today), row["contact_uid"], date.fromisoformat(row["anchor_on"]),
                       date.fromisoformat(row["scheduled_on"]))  # fmt: skip
