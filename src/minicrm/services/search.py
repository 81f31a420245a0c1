"""Search: contacts and interaction texts, ranked, with where each hit matched."""

from __future__ import annotations

import re

from minicrm.errors import InvalidValue
from minicrm.models import SearchHit, fold
from minicrm.services.values import search_text
from minicrm.store import Store


def find(store: Store, text: str, limit: int = 50) -> list[SearchHit]:
    """Contacts (names, organisations, notes, emails, phones, tags, fields: any 3+ characters)
    then interactions (every word, as a prefix), each group best first."""
    query = " ".join((search_text(text) or "").split())
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
    """Where ``query`` occurs in a contact's texts: ``org: «Acme» GmbH`` (the first column that has it
    as typed, in any case; else the first that has it without accents: ``org: «Müller» GmbH`` for muller)."""
    for find in (_as_typed, _without_accents):
        for column, text in texts.items():
            flat = " ".join(text.split())
            span = find(flat, query)
            if span is None:
                continue
            at, end = span
            start, stop = max(0, at - context), min(len(flat), end + context)
            return (f"{column}: " + ("…" if start else "") + flat[start:at] + "«" + flat[at:end] + "»"
                    + flat[end:stop] + ("…" if stop < len(flat) else ""))  # fmt: skip
    return next(iter(texts.values()), "")[: 2 * context]


def _as_typed(text: str, query: str) -> tuple[int, int] | None:
    """Where ``query`` occurs in ``text`` in any case (as typed, where casefolding changes a length: ß)."""
    same_length = len(text.casefold()) == len(text) and len(query.casefold()) == len(query)
    at = text.casefold().find(query.casefold()) if same_length else text.find(query)
    return (at, _whole(text, at + len(query))) if at >= 0 else None


def _without_accents(text: str, query: str) -> tuple[int, int] | None:
    """Where ``query`` occurs in ``text`` when both are folded (``models.fold``), as a span of ``text``."""
    wanted = fold(query)
    if not wanted or wanted not in fold(text):
        return None
    pieces = [fold(ch) for ch in text]
    starts = [i for i, piece in enumerate(pieces) for _ in piece]  # each folded character's place in ``text``
    at = "".join(pieces).find(wanted)
    if at < 0:  # folding character by character differs from folding the whole (a decomposed accent)
        return None
    return starts[at], _whole(text, starts[at + len(wanted) - 1] + 1)


def _whole(text: str, end: int) -> int:
    """``end`` moved past the combining marks that follow it: they belong to the letter before."""
    import unicodedata

    while end < len(text) and unicodedata.combining(text[end]):
        end += 1
    return end
