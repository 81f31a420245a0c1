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
from minicrm.models import Consent, fold
from minicrm.store import rows as to
from minicrm.store.api import Trace
from minicrm.store.rows import to_utc_text
from minicrm.store.session import Repository, marks, new_uid

SELECT = """SELECT k.id, k.contact_id, c.name AS contact_name, k.purpose, k.granted, k.at,
    k.source, k.recorded_at FROM consents k JOIN contacts c ON c.id = k.contact_id"""


def _key(kind: str, value: str) -> str:
    """How an email (any case), a phone (its digits) or a uid is compared."""
    if kind == "email":
        return "email:" + value.strip().lower()
    if kind == "phone":
        return "phone:" + "".join(ch for ch in value if ch.isdigit())
    return "uid:" + value.strip()


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

    def erase(self, contact_id: int, hashes: Sequence[str], at: datetime, keep_amounts_with: int | None,
              also: Sequence[int] = ()) -> None:  # fmt: skip
        """Remove a person from every table, the search index and the audit trail (in the open change):
        the contact ``contact_id`` (if it still exists) and every audit image of it and of the
        contact ids ``also`` (their merged or removed copies, found by ``traces``).

        Interactions with an amount move, without their text, to the contact
        ``keep_amounts_with`` (an anonymous placeholder) so totals still add up.
        """
        self._conn.execute("PRAGMA secure_delete = ON")  # freed pages are zeroed, not left readable
        self.remember_erased(hashes, at)
        if keep_amounts_with is not None:
            rows = self._all("SELECT id FROM interactions WHERE contact_id = ? AND amount_cents IS NOT NULL",
                             (contact_id,))  # fmt: skip
            for (interaction_id,) in rows:
                self._conn.execute(
                    "UPDATE interactions SET contact_id = ?, text = NULL, uid = ? WHERE id = ?",
                    (keep_amounts_with, new_uid(), interaction_id),
                )
        if self._one("SELECT 1 FROM contacts WHERE id = ?", (contact_id,)):
            self._store.contacts.delete(contact_id)
        self.erase_traces([contact_id, *also], keep_amounts_with)

    def remember_erased(self, hashes: Sequence[str], at: datetime) -> None:
        """Keep the salted hashes an erased person is recognised by."""
        stamp = to_utc_text(at)
        self._conn.executemany("INSERT OR IGNORE INTO erased (hash, erased_at) VALUES (?, ?)",
                               [(h, stamp) for h in hashes])  # fmt: skip

    def erase_traces(self, contact_ids: Sequence[int], keep_amounts_with: int | None = None) -> None:
        """Drop every audit row image of these contact ids (one person's, found by ``traces``).

        An id that a living contact now uses again loses only the rows from before that contact
        was created."""
        self._conn.execute("PRAGMA secure_delete = ON")
        for contact_id in contact_ids:
            since = self._reused_since(contact_id)
            self._conn.execute("DELETE FROM audit WHERE contact_id = ? AND change_id < ?", (contact_id, since))
            # Audit rows of the moved amounts name the person through their old image: drop them too.
            if keep_amounts_with is not None:
                self._conn.execute(
                    """DELETE FROM audit WHERE tbl = 'interactions' AND contact_id = ?
                       AND json_extract(old, '$.contact_id') = ? AND change_id < ?""",
                    (keep_amounts_with, contact_id, since),
                )

    def _reused_since(self, contact_id: int) -> int:
        """The change that created the living contact now holding ``contact_id`` (no limit if none)."""
        if self._one("SELECT 1 FROM contacts WHERE id = ?", (contact_id,)) is None:
            return 2**62
        row = self._one("""SELECT max(a.change_id) FROM audit a JOIN contacts c ON c.id = a.contact_id
                           WHERE a.contact_id = ? AND a.tbl = 'contacts' AND a.action = 'insert'
                           AND json_extract(a.new, '$.uid') = c.uid""", (contact_id,))  # fmt: skip
        return row[0] if row and row[0] is not None else 2**62

    def traces(self, contact_id: int | None, emails: Sequence[str] = (), phones: Sequence[str] = (),
               uids: Sequence[str] = ()) -> Trace:  # fmt: skip
        """Every contact id under which the audit trail holds this person: ``contact_id`` and the
        contacts that shared an email, a phone or a uid with them (a duplicate merged into them,
        an earlier copy removed with ``rm``), transitively; with their names, emails and phones.

        A living contact other than ``contact_id`` is someone else and is not followed (an id it
        reuses counts only for the rows from before it was created)."""
        rows = self._all(
            """SELECT contact_id, tbl,
                      json_extract(old, '$.email'), json_extract(new, '$.email'),
                      json_extract(old, '$.phone'), json_extract(new, '$.phone'),
                      json_extract(old, '$.uid'), json_extract(new, '$.uid'),
                      json_extract(old, '$.name'), json_extract(new, '$.name')
               FROM audit WHERE contact_id IS NOT NULL AND tbl IN ('contacts', 'contact_emails', 'contact_phones')"""
        )
        keys_of: dict[int, set[str]] = {}
        names: dict[int, str] = {}
        found: dict[str, set[str]] = {"email": set(), "phone": set()}
        values: dict[str, str] = {}
        for cid, table, *images in rows:
            keys = keys_of.setdefault(cid, set())
            for kind, (old, new) in (("email", images[0:2]), ("phone", images[2:4]), ("uid", images[4:6])):
                for value in (old, new):
                    key = _key(kind, value) if value and (table == "contacts") == (kind == "uid") else ""
                    if key and not key.endswith(":"):
                        keys.add(key)
                        values.setdefault(key, value)
            if table == "contacts" and (images[7] or images[6]):
                names[cid] = images[7] or images[6]
        ids_of: dict[str, set[int]] = {}
        for cid, keys in keys_of.items():
            for key in keys:
                ids_of.setdefault(key, set()).add(cid)
        seeds = {_key("email", e) for e in emails} | {_key("phone", p) for p in phones} | {_key("uid", u) for u in uids}
        seeds = {key for key in seeds if not key.endswith(":")}
        live = {row[0] for row in self._all("SELECT id FROM contacts")} - {contact_id}
        ids = {contact_id} if contact_id is not None else set()
        pending = list(seeds) + [k for cid in ids for k in keys_of.get(cid, ())]
        seen_keys = set(pending)
        while pending:
            for cid in ids_of.get(pending.pop(), ()):
                if cid in ids:
                    continue
                ids.add(cid)
                if cid in live:
                    continue  # someone alive now: their details are not this person's
                for key in keys_of.get(cid, ()):
                    if key not in seen_keys:
                        seen_keys.add(key)
                        pending.append(key)
        for key in seen_keys:
            kind = key.split(":", 1)[0]
            if kind in found and key in values:
                found[kind].add(values[key])
        ids -= {cid for cid in ids & live if self._reused_since(cid) == 2**62}
        return Trace(ids=frozenset(ids), names=tuple(names[cid] for cid in sorted(ids) if cid in names),
                     emails=tuple(sorted(found["email"])), phones=tuple(sorted(found["phone"])))  # fmt: skip

    def scrub_files(self) -> bool:
        """After an erasure commits: merge the search indexes (dropping deleted entries), vacuum away
        free pages, and truncate the write-ahead log, so no old copy of a row stays in the files.
        False when another process's open read kept this from finishing."""
        try:
            self._store.writable()  # before the setting: it belongs to the connection
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
            (name, fold(name), stamp, stamp),
        )
        self._store.contacts.reindex(cursor.lastrowid)
        return cursor.lastrowid
