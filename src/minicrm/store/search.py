"""Full-text search over ``contact_search`` (a contact's texts, trigram FTS5, kept by the contacts
repository) and ``interactions_fts`` (interaction texts, kept by triggers). Read only: no table
or derived column of its own.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from minicrm.models import fold
from minicrm.store.api import NOT_PLACEHOLDER, ContactHit, InteractionHit
from minicrm.store.rows import from_utc_text
from minicrm.store.session import Repository, phrase

def matching_text(text: str) -> str | None:
    """An FTS5 query for contacts whose texts contain ``text``, their name, organisation and note also
    without accents; None when too short."""
    found = phrase(text)
    folded = phrase(fold(text))
    if found and folded:
        return f"{found} OR {{folded org_folded note_folded}} : {folded}"
    return found or (f"{{folded org_folded note_folded}} : {folded}" if folded else None)


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
            """SELECT i.id, i.contact_id, c.name, i.occurred_at, bm25(interactions_fts) AS rank, i.text
               FROM interactions_fts f JOIN interactions i ON i.id = f.rowid
               JOIN contacts c ON c.id = i.contact_id
               WHERE interactions_fts MATCH ? AND {NOT_PLACEHOLDER} ORDER BY rank LIMIT ?""".format(
                NOT_PLACEHOLDER=NOT_PLACEHOLDER),
            (query, limit),
        )
        return [InteractionHit(row[0], row[1], row[2], from_utc_text(row[3]), row[4], snippet(row[5] or "", words))
                for row in rows]  # fmt: skip


_TOKEN = re.compile(r"\w+")


def snippet(text: str, words: Sequence[str], size: int = 12) -> str:
    """The ``size`` words of ``text`` that hold the most of ``words`` (each a prefix, without case or
    accents, as the index matches them), those in «», with … where text is left out.

    Computed here in one pass over the text: SQLite's ``snippet()`` grows with the square of the
    number of words times the text (nine words in a 100,000-character text took 14 s)."""
    prefixes = [fold(word) for word in words]
    tokens = list(_TOKEN.finditer(text))
    if not tokens:
        return text[:200]
    hits = [next((n for n, prefix in enumerate(prefixes) if folded.startswith(prefix)), None)
            for folded in (fold(token.group()) for token in tokens)]  # fmt: skip
    size = min(size, len(tokens))
    counts = Counter(hit for hit in hits[:size] if hit is not None)
    best, first = len(counts), 0
    for start in range(1, len(tokens) - size + 1):  # slide the window one word at a time
        if (gone := hits[start - 1]) is not None:
            counts[gone] -= 1
            if not counts[gone]:
                del counts[gone]
        if (come := hits[start + size - 1]) is not None:
            counts[come] += 1
        if len(counts) > best:
            best, first = len(counts), start
    found = [n for n in range(first, first + size) if hits[n] is not None]
    if found:  # the words found in the middle of the window, where the text allows
        middle = (found[0] + found[-1]) // 2 - size // 2
        first = max(0, found[-1] - size + 1, min(middle, found[0], len(tokens) - size))
    last = first + size - 1
    out = ["…"] if first else []
    at = tokens[first].start() if first else 0
    for n in range(first, last + 1):
        token = tokens[n]
        out.append(text[at:token.start()])
        out.append(f"«{token.group()}»" if hits[n] is not None else token.group())
        at = token.end()
    out.append(text[at:] if last == len(tokens) - 1 else "…")
    return "".join(out)
