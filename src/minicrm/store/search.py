"""Full-text search over ``contact_search`` (a contact's texts, trigram FTS5, kept by the contacts
repository) and ``interactions_fts`` (interaction texts, kept by triggers). Read only: no table
or derived column of its own.
"""

from __future__ import annotations

from collections.abc import Sequence

from minicrm.store.api import NOT_PLACEHOLDER, ContactHit, InteractionHit
from minicrm.store.rows import from_utc_text
from minicrm.store.contacts import matching_text
from minicrm.store.session import Repository

COLUMNS = ("name", "org", "note", "emails", "phones", "tags", "fields")


class Search(Repository):
    def contacts(self, text: str, limit: int) -> list[ContactHit]:
        """Contacts whose text contains ``text`` (3+ chars), best first, with their indexed texts by column."""
        found = matching_text(text)
        if found is None:
            return []
        rows = self._all(
            """SELECT s.rowid, c.name, bm25(contact_search) AS rank,
                      s.name, s.org, s.note, s.emails, s.phones, s.tags, s.fields
               FROM contact_search s JOIN contacts c ON c.id = s.rowid
               WHERE contact_search MATCH ? AND {NOT_PLACEHOLDER} ORDER BY rank LIMIT ?""".format(
                NOT_PLACEHOLDER=NOT_PLACEHOLDER),
            (found, limit),
        )
        return [ContactHit(row[0], row[1], row[2], {k: row[3 + n] for n, k in enumerate(COLUMNS) if row[3 + n]})
                for row in rows]  # fmt: skip

    def interactions(self, words: Sequence[str], limit: int) -> list[InteractionHit]:
        """Interactions with every word (as a prefix), best first, with a snippet."""
        if not words:
            return []
        query = " ".join('"' + word.replace('"', '""') + '"*' for word in words)
        rows = self._all(
            """SELECT i.id, i.contact_id, c.name, i.occurred_at, bm25(interactions_fts) AS rank,
                      snippet(interactions_fts, 0, '«', '»', '…', 12)
               FROM interactions_fts f JOIN interactions i ON i.id = f.rowid
               JOIN contacts c ON c.id = i.contact_id
               WHERE interactions_fts MATCH ? AND {NOT_PLACEHOLDER} ORDER BY rank LIMIT ?""".format(
                NOT_PLACEHOLDER=NOT_PLACEHOLDER),
            (query, limit),
        )
        return [InteractionHit(row[0], row[1], row[2], from_utc_text(row[3]), row[4], row[5]) for row in rows]
