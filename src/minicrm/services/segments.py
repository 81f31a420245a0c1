"""Segments: saved filters of ``minicrm list``, evaluated afresh at each use."""

from __future__ import annotations

import re
from datetime import datetime

from minicrm.errors import InvalidValue, NotFound
from minicrm.models import DueItem, Segment
from minicrm.services import contacts
from minicrm.store import Store

_SEGMENT_NAME = re.compile(r"^[\w][\w.\-]{0,49}$")


def segment_name(name: str) -> str:
    clean = str(name).strip().lower()
    if not _SEGMENT_NAME.match(clean):
        raise InvalidValue(f"{name!r} is not a segment name", "Use one word: letters, digits, - _ or .")
    return clean


def save(store: Store, now: datetime, name: str, **filters: object) -> Segment:
    """Save the filters of ``minicrm list`` under ``name`` (replacing a segment of that name)."""
    clean = segment_name(name)
    query = contacts.query_for(store, now, **filters)  # checks and normalises every filter
    bought = None
    if filters.get("bought"):
        from minicrm.services import products

        bought = products.bought(store, str(filters["bought"]), now.date())[1]  # the product's id, or the tag
    saved = {"tags": list(query.tags), "stage": query.stage, "org": query.org, "search": query.search,
             "stale_days": filters.get("stale_days"), "consent": query.consent, "bought": bought,
             "bought_since": filters.get("bought_since")}  # fmt: skip
    saved = {k: v for k, v in saved.items() if v not in (None, [], "")}
    if not saved:
        raise InvalidValue("a segment needs at least one filter", "E.g. minicrm segment save vips --tag vip")
    with store.write():
        store.segments.save(clean, saved, now)
    return Segment(name=clean, filters=saved, contacts=contacts.count(store, now, **saved), created_at=now)


def saved_filters(store: Store, name: str) -> dict:
    found = store.segments.get(segment_name(name))
    if found is None:
        raise NotFound(f"there is no segment named {name!r}", "See: minicrm segment list")
    return found[0]


def _count(store: Store, now: datetime, name: str, filters: dict) -> int:
    """How many contacts a saved segment holds; a segment saved before its filter was refused
    (a search too long, say) is named, with how to mend it."""
    try:
        return contacts.count(store, now, **filters)
    except InvalidValue as error:
        raise InvalidValue(f"the segment {name!r} no longer passes the checks: {error.message}",
                           f"Save it again (minicrm segment save {name} ...) or remove it "
                           f"(minicrm segment rm {name})") from None  # fmt: skip


def merge_filters(saved: dict, given: dict) -> dict:
    """A segment's filters with those typed on the command line: tags add up, the others override."""
    merged = dict(saved)
    for key, value in given.items():
        if key == "tags":
            merged["tags"] = list(dict.fromkeys([*saved.get("tags", []), *(value or [])]))
        elif value is not None:
            merged[key] = value
    return merged


def find(store: Store, now: datetime) -> list[Segment]:
    return [Segment(name=name, filters=filters, contacts=_count(store, now, name, filters),
                    created_at=created) for name, filters, created in store.segments.list()]  # fmt: skip


def delete(store: Store, name: str) -> None:
    clean = segment_name(name)
    with store.write():
        if not store.segments.delete(clean):
            raise NotFound(f"there is no segment named {name!r}", "See: minicrm segment list")


def in_segment(store: Store, now: datetime, items: list[DueItem], name: str) -> list[DueItem]:
    """The due items whose contact is in the segment (evaluated now)."""
    query = contacts.query_for(store, now, **saved_filters(store, name))
    members = store.contacts.matching(query, [item.contact_id for item in items])
    return [item for item in items if item.contact_id in members]
