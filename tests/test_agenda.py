"""The morning list's machinery: the window, the sources, the ranking loop."""

from __future__ import annotations

from datetime import date

import pytest

from minicrm.models import DUE_KINDS
from minicrm.services import agenda

WED = date(2026, 11, 18)


@pytest.mark.parametrize(
    ("flags", "first", "last"),
    [
        ({}, None, WED),  # overdue and today
        ({"overdue": True}, None, date(2026, 11, 17)),
        ({"today": True}, WED, WED),
        ({"week": True}, None, date(2026, 11, 25)),
        ({"overdue": True, "today": True}, None, WED),
        ({"today": True, "week": True}, None, date(2026, 11, 25)),
    ],
)
def test_window(flags, first, last):
    assert agenda.window(WED, **flags) == agenda.Window(first, last)


def test_every_kind_has_one_source_in_order():
    assert tuple(kind for kind, _ in agenda.SOURCES) == DUE_KINDS
    assert set(agenda.BASE_URGENCY) == set(DUE_KINDS)


def test_urgency_counts_lateness_and_worth_within_caps():
    assert agenda.urgency("reminder", 0, None) == 10
    assert agenda.urgency("reminder", 3, None) == 13
    assert agenda.urgency("reminder", 400, None) == 10 + agenda.MAX_LATE_POINTS
    assert agenda.urgency("cadence", -10, None) == 0  # upcoming items lose points, never below zero
    assert agenda.urgency("deal", 0, 250) == 8 + 2
    assert agenda.urgency("deal", 0, 10**6) == 8 + agenda.MAX_VALUE_POINTS


def test_one_loop_runs_only_the_wanted_sources(cli):
    cli.ok("add", "Ann", "--tag", "vip")
    cli.ok("remind", "ann", "Call", "--on", "today")
    cli.ok("deal", "add", "ann", "Cake", "--value", "300", "--close", "yesterday")
    both = cli.ok("due", "--json").json()
    assert sorted(item["kind"] for item in both) == ["deal", "reminder"]
    only = cli.ok("due", "--kind", "deal", "--json").json()
    assert [item["kind"] for item in only] == ["deal"]
    assert only[0]["item_id"] == both[[i["kind"] for i in both].index("deal")]["item_id"]


@pytest.mark.parametrize("flags", [{}, {"week": True}, {"overdue": True}, {"today": True},
                                   {"week": True, "kinds": ["reorder", "reminder"]}, {"kinds": ["cadence"]}])  # fmt: skip
def test_a_page_is_the_head_of_the_whole_list_with_its_counts(cli, isolated, now, flags):
    """due on a terminal builds only what it shows (agenda_page.due_page): the same items, in the same order,
    as the whole list's first ones, and the same total and counts per state."""
    from minicrm.services import agenda_page
    from minicrm.store import open_store

    cli.ok("demo")
    cli.ok("remind", "1", "Same day, same urgency", "--on", "yesterday")  # ties broken as the list breaks them
    cli.ok("snooze", "reorder:" + str(cli.ok("due", "--week", "--kind", "reorder", "--json").json()[0]["contact_id"]),
           "--until", "friday")  # fmt: skip
    store = open_store(isolated, now)
    whole = agenda.due_items(store, now, **flags)
    assert whole or flags == {"kinds": ["cadence"]}
    states = {s: n for s in ("overdue", "today", "upcoming") if (n := [i.state for i in whole].count(s))}
    for limit in (0, 1, 3, len(whole) // 2, len(whole), len(whole) + 5):
        page = agenda_page.due_page(store, now, limit, **flags)
        assert page.items == whole[:limit]
        assert page.total == len(whole) and page.states == states
    store.close()
