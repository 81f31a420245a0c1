"""Privacy: ``consents`` (grants and revocations per purpose, append-only), ``erased`` (hashes
that remember an erased person's emails and phones without saying who they were) and
``privacy_salt`` (the salt of those hashes). An erasure removes the person from every table,
the search index and the audit trail. No derived columns.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime

from minicrm.errors import StoreError
from minicrm.models import Consent
from minicrm.store import rows as to
from minicrm.store.rows import to_utc_text
from minicrm.store.session import Repository, marks, new_uid

SELECT = """SELECT k.id, k.contact_id, c.name AS contact_name, k.purpose, k.granted, k.at,
    k.source, k.recorded_at FROM consents k JOIN contacts c ON c.id = k.contact_id"""


class Privacy(Repository):
    def add_consent(self, *, contact_id: int, purpose: str, granted: bool, at: datetime,
                    source: str | None, recorded: datetime) -> int:  # fmt: skip
        cursor = self._conn.execute(
            "INSERT INTO consents (contact_id, purpose, granted, at, source, recorded_at) VALUES (?, ?, ?, ?, ?, ?)",
            (contact_id, purpose, int(granted), to_utc_text(at), source, to_utc_text(recorded)),
        )
        return cursor.lastrowid

    def consent_history(self, contact_id: int) -> list[Consent]:
        rows = self._all(SELECT + " WHERE k.contact_id = ? ORDER BY k.at, k.id", (contact_id,))
        return [to.consent(row) for row in rows]

    def current_consent(self, contact_id: int) -> list[Consent]:
        """The latest grant or revocation per purpose, by purpose."""
        latest: dict[str, Consent] = {}
        for consent in self.consent_history(contact_id):
            latest[consent.purpose] = consent
        return [latest[p] for p in sorted(latest)]

    def salt(self) -> str:
        return self._one("SELECT salt FROM privacy_salt WHERE id = 1")[0]

    def all_erased_hashes(self) -> set[str]:
        """Every hash an erased person is remembered by (erasures are few: import loads them once)."""
        return {row[0] for row in self._all("SELECT hash FROM erased")}

    def erased_hashes(self, hashes: Sequence[str]) -> list[str]:
        if not hashes:
            return []
        rows = self._all(f"SELECT hash FROM erased WHERE hash IN ({marks(len(hashes))})", list(hashes))
        return [row[0] for row in rows]

    def erase(self, contact_id: int, hashes: Sequence[str], at: datetime, keep_amounts_with: int | None) -> None:
        """Remove a person from every table, the search index and the audit trail (in the open change).

        Interactions with an amount move, without their text, to the contact
        ``keep_amounts_with`` (an anonymous placeholder) so totals still add up.
        """
        stamp = to_utc_text(at)
        self._conn.execute("PRAGMA secure_delete = ON")  # freed pages are zeroed, not left readable
        self._conn.executemany("INSERT OR IGNORE INTO erased (hash, erased_at) VALUES (?, ?)",
                               [(h, stamp) for h in hashes])  # fmt: skip
        if keep_amounts_with is not None:
            rows = self._all("SELECT id FROM interactions WHERE contact_id = ? AND amount_cents IS NOT NULL",
                             (contact_id,))  # fmt: skip
            for (interaction_id,) in rows:
                self._conn.execute(
                    "UPDATE interactions SET contact_id = ?, text = NULL, uid = ? WHERE id = ?",
                    (keep_amounts_with, new_uid(), interaction_id),
                )
        self._store.contacts.delete(contact_id)
        self._conn.execute("DELETE FROM audit WHERE contact_id = ?", (contact_id,))
        # Audit rows of the moved amounts name the person through their old image: drop them too.
        if keep_amounts_with is not None:
            self._conn.execute(
                "DELETE FROM audit WHERE tbl = 'interactions' AND contact_id = ? AND json_extract(old, '$.contact_id') = ?",
                (keep_amounts_with, contact_id),
            )

    def scrub_files(self) -> bool:
        """After an erasure commits: merge the search indexes (dropping deleted entries), vacuum away
        free pages, and truncate the write-ahead log, so no old copy of a row stays in the files.
        False when another process's open read kept this from finishing."""
        try:
            self._conn.execute("PRAGMA secure_delete = ON")
            with self._store.write():
                self._conn.execute("INSERT INTO contact_search (contact_search) VALUES ('optimize')")
                self._conn.execute("INSERT INTO interactions_fts (interactions_fts) VALUES ('optimize')")
            self._conn.execute("VACUUM")
            busy = self._one("PRAGMA wal_checkpoint(TRUNCATE)")[0]
        except (sqlite3.Error, StoreError):  # the erasure itself is committed: report, do not fail
            return False
        return not busy

    def placeholder_contact(self, name: str, at: datetime) -> int:
        """The id of the anonymous contact that keeps erased people's amounts (created once)."""
        row = self._one("SELECT id FROM contacts WHERE uid = 'erased-people'")
        if row:
            return row[0]
        stamp = to_utc_text(at)
        cursor = self._conn.execute(
            """INSERT INTO contacts (uid, name, name_fold, note, created_at, updated_at)
               VALUES ('erased-people', ?, ?, 'Amounts of people erased with minicrm forget.', ?, ?)""",
            (name, name.casefold(), stamp, stamp),
        )
        self._store.contacts.reindex(cursor.lastrowid)
        return cursor.lastrowid
