"""Search: contacts and interaction texts, ranked, with where each hit matched."""

from __future__ import annotations

import re

from minicrm.errors import InvalidValue
from minicrm.models import SearchHit
from minicrm.store import Store

def find(store: Store, text: str, limit: int = 50) -> list[SearchHit]:
    """Contacts (names, organisations, notes, emails, phones, tags, fields: any 3+ characters)
    then interactions (every word, as a prefix), each group best first."""
    query = " ".join(str(text).split())
    if not query:
        raise InvalidValue("the search text is empty", 'Give some text, e.g. minicrm search "rye bread"')
    if limit < 1:
        raise InvalidValue("--limit takes a number (1 or more)", "E.g. --limit 20")
    words = re.findall(r"\w+", query)
    if len(query) < 3 and not words:
        raise InvalidValue(f"{query!r} is too short to search for", "Give at least 3 characters or a word")
    found = store.search_contacts(query, limit)
    digits = re.sub(r"\D", "", query)
    if re.fullmatch(r"[\d\s+\-().]+", query) and len(digits) >= 3 and digits != query:  # a phone, as typed
        seen = {row[0] for row in found}
        found += [row for row in store.search_contacts(digits, limit) if row[0] not in seen]
        query = digits if not any(query.casefold() in " ".join(t.split()).casefold()
                                  for row in found for t in row[3].values()) else query  # fmt: skip
    hits = [SearchHit("contact", cid, cid, name, None, round(rank, 3), _snippet(texts, query))
            for cid, name, rank, texts in found[:limit]]  # fmt: skip
    hits += [SearchHit("interaction", iid, cid, name, at, round(rank, 3), snippet)
             for iid, cid, name, at, rank, snippet in store.search_interactions(words, limit)]  # fmt: skip
    return hits


def _snippet(texts: dict[str, str], query: str, context: int = 30) -> str:
    """Where ``query`` occurs in a contact's texts: ``org: «Acme» GmbH`` (the first column that has it)."""
    folded = query.casefold()
    for column, text in texts.items():
        flat = " ".join(text.split())
        at = flat.casefold().find(folded)
        if at < 0 or len(flat.casefold()) != len(flat):  # (casefold can change lengths: then search as is)
            at = flat.find(query) if at < 0 else at
        if at < 0:
            continue
        start, end = max(0, at - context), min(len(flat), at + len(query) + context)
        return (f"{column}: " + ("…" if start else "") + flat[start:at] + "«" + flat[at:at + len(query)] + "»"
                + flat[at + len(query):end] + ("…" if end < len(flat) else ""))  # fmt: skip
    return next(iter(texts.values()), "")[: 2 * context]
