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
    found = store.search.contacts(query, limit)
    digits = re.sub(r"\D", "", query)
    if re.fullmatch(r"[\d\s+\-().]+", query) and len(digits) >= 3 and digits != query:  # a phone, as typed
        seen = {hit.id for hit in found}
        found += [hit for hit in store.search.contacts(digits, limit) if hit.id not in seen]
        query = digits if not any(query.casefold() in " ".join(t.split()).casefold()
                                  for hit in found for t in hit.texts.values()) else query  # fmt: skip
    hits = [SearchHit("contact", hit.id, hit.id, hit.name, None, round(hit.rank, 3), _snippet(hit.texts, query))
            for hit in found[:limit]]  # fmt: skip
    hits += [SearchHit("interaction", hit.id, hit.contact_id, hit.contact_name, hit.at, round(hit.rank, 3), hit.snippet)
             for hit in store.search.interactions(words, limit)]  # fmt: skip
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
