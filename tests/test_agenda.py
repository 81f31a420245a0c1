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
