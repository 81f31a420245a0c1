"""The morning list a screen at a time: ``due`` on a terminal builds only what it shows.

``due_page`` ranks every item as ``agenda.due_items`` does (``agenda.rank``), but the kinds
that grow with the database, reminders and reorders (``RANKED``), are ranked from lean keys
and read whole only for the items shown; the other kinds are few and built as usual.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple

from minicrm import dates
from minicrm.models import DUE_KINDS, DueItem
from minicrm.services.agenda import (SOURCES, Agenda, lateness, rank, reminder_item, reorder_items, urgency,
                                     window)
from minicrm.services.customers import cents
from minicrm.services.values import choose
from minicrm.store import Store


class Page(NamedTuple):
    """What a screen shows of the morning list: the first items, and counts of them all."""

    items: list[DueItem]  # the most urgent, as ``due_items`` ranks them
    total: int  # how many items there are in all
    states: dict[str, int]  # how many are overdue, due today and upcoming


def due_page(store: Store, now: datetime, limit: int, *, overdue: bool = False, today: bool = False,
             week: bool = False, kinds: Sequence[str] = (), currency: str | None = None) -> Page:  # fmt: skip
    """The ``limit`` most urgent items of ``agenda.due_items``, and how many there are in each state.

    Costs a screen, not the database: reminders and reorders (the kinds that grow with the
    file) are ranked from their keys alone (``RANKED``), and read whole only for the items
    shown; the other kinds are few and built as ``due_items`` builds them."""
    wanted = {choose(k, DUE_KINDS, "kind of due item") for k in kinds} or set(DUE_KINDS)
    agenda = Agenda(store, now, window(now.date(), overdue=overdue, today=today, week=week), currency)
    ranked: list[tuple[tuple, str, Any]] = []  # (rank, state, a built item or what RANKED builds it from)
    for kind, source in SOURCES:
        if kind not in wanted:
            continue
        if kind in RANKED:
            ranked += RANKED[kind][0](agenda)
        else:
            ranked += [(rank(i.urgency, i.due_on, i.due_time, kind, int(i.item_id.partition(":")[2])), i.state, i)
                       for i in source(agenda)]  # fmt: skip
    ranked.sort(key=_first)
    states: dict[str, int] = {}
    for _, state, _ in ranked:
        states[state] = states.get(state, 0) + 1
    shown = ranked[:limit]
    built: dict[tuple[str, int], DueItem] = {}
    for kind, (_, build) in RANKED.items():
        refs = [ref for key, _, ref in shown if key[4] == DUE_KINDS.index(kind)]
        built.update(((kind, key), item) for key, item in build(agenda, refs).items())
    items = [ref if isinstance(ref, DueItem) else built[DUE_KINDS[key[4]], ref] for key, _, ref in shown]
    return Page(items, len(ranked), states)


def _first(entry: tuple) -> tuple:
    return entry[0]


def _reminder_keys(agenda: Agenda) -> list[tuple[tuple, str, int]]:
    found = agenda.store.reminders.open_keys(agenda.first, agenda.last)
    agenda.look_up_worth(contact_id for _, contact_id, _, _ in found)
    day, worth, ranked = agenda.day, agenda.worth, []
    for id_, contact_id, due_on, due_time in found:
        state, late = lateness(due_on, day)
        value = cents(worth[contact_id]) if contact_id in worth else None
        ranked.append((rank(urgency("reminder", late, value), due_on, due_time, "reminder", id_), state, id_))
    return ranked


def _reminder_build(agenda: Agenda, ids: list[int]) -> dict[int, DueItem]:
    reminders = agenda.store.reminders.get_many(ids, agenda.day)
    return {id_: reminder_item(agenda, reminders[id_]) for id_ in ids}


def _reorder_keys(agenda: Agenda) -> list[tuple[tuple, str, int]]:
    day, ranked = agenda.day, []
    for contact_id, lifetime, reorder_at in agenda.store.customers.reorder_keys(agenda.after_last(),
                                                                                dates.midnight(day)):  # fmt: skip
        agenda.worth[contact_id] = lifetime
        predicted = agenda.effective("reorder", contact_id, reorder_at.date())
        if predicted is None or not agenda.in_window(predicted):
            continue
        state, late = lateness(predicted, day)
        ranked.append((rank(urgency("reorder", late, cents(lifetime)), predicted, None, "reorder", contact_id),
                       state, contact_id))  # fmt: skip
    return ranked


def _reorder_build(agenda: Agenda, contact_ids: list[int]) -> dict[int, DueItem]:
    return {item.contact_id: item for item in reorder_items(agenda, contact_ids)}


# The kinds that grow with the database, which ``due_page`` ranks from their keys before building
# the few it shows: (the ranked keys, build the items of some of them).
RANKED = {"reminder": (_reminder_keys, _reminder_build), "reorder": (_reorder_keys, _reorder_build)}
