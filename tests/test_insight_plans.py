"""The insight queries use indexes: `due` (with cadence and deals) never scans, the report scans no big table."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from test_query_plans import busy_store, plans_of  # noqa: F401  (a fixture)

from minicrm.services import activity, agenda, cadence, deals, report

SCAN = re.compile(r"^SCAN (interactions|reminders|contacts|deals|customer_stats|stage_changes|contact_\w+|[a-z])\b")


@pytest.fixture
def insight_store(busy_store, now):  # noqa: F811
    s = busy_store
    with s.write():
        for cid in range(1, 201, 3):
            s.cadence.set_contact(cid, 7)
            s.activity.add(contact_id=cid, kind="order", at=now - timedelta(days=cid), text=None,
                                 amount=Decimal("12.50"), created=now)  # fmt: skip
            s.deals.add(contact_id=cid, title="d", value=Decimal(100), stage="proposal",
                          close_on=(now - timedelta(days=cid % 20 - 10)).date(), created=now)  # fmt: skip
        s.cadence.set_tag("t", 30)
        for n in range(20):  # quiet for 60 days, cadence 7: overdue
            cid = s.contacts.add(name=f"Quiet {n}", org=None, stage="purchase", birthday=None, note=None, fields={},
                                   emails=[], phones=[], tags=[], at=now - timedelta(days=90))  # fmt: skip
            s.activity.add(contact_id=cid, kind="call", at=now - timedelta(days=60), text=None, amount=None,
                                 created=now)  # fmt: skip
            s.cadence.set_contact(cid, 7)
            s.occasions.add(contact_id=cid, label="birthday", day="--11-20", lead_days=14, note=None,
                              next_on=(now + timedelta(days=n - 10)).date(),
                              notify_on=(now + timedelta(days=n - 24)).date(), created=now)  # fmt: skip
    return s


def assert_no_scan(plans):
    assert plans, "nothing was captured"
    for sql, steps in plans.items():
        scans = [step for step in steps if SCAN.match(step) and "VIRTUAL TABLE" not in step]
        assert not scans, f"{scans} in:\n{sql}"


CHECKED = {
    "due": lambda s, now: agenda.due_items(s, now),
    "due --kind reorder": lambda s, now: agenda.due_items(s, now, kinds=["reorder"]),
    "due --kind occasion": lambda s, now: agenda.due_items(s, now, kinds=["occasion"]),
    "due --week": lambda s, now: agenda.due_items(s, now, week=True),
    "due --kind cadence": lambda s, now: agenda.due_items(s, now, kinds=["cadence"]),
    "log": lambda s, now: activity.log(s, now, s.contacts.get(42), "order", "x", amount="3"),
    "cadence": lambda s, now: cadence.change(s, now, "14d", contact=s.contacts.get(42)),
    "report's lists": lambda s, now: s.customers.values(now, at_risk=True, limit=10, scored=False),
    "deal list --open": lambda s, now: deals.find(s, open_only=True),
}


@pytest.mark.parametrize("name", CHECKED)
def test_insight_queries_use_indexes(insight_store, now, name):
    assert_no_scan(plans_of(insight_store, lambda: CHECKED[name](insight_store, now)))


def test_due_finds_cadence_items_through_the_next_touch_index(insight_store, now):
    plans = plans_of(insight_store, lambda: agenda.due_items(insight_store, now, kinds=["cadence"]))
    steps = [step for steps in plans.values() for step in steps]
    assert any("contacts_next_touch" in step for step in steps), steps
    assert agenda.due_items(insight_store, now, kinds=["cadence"]), "the fixture should have overdue contacts"


def test_the_report_scans_no_big_table(insight_store, now):
    plans = plans_of(insight_store, lambda: report.build(insight_store, now))
    for sql, steps in plans.items():
        scans = [step for step in steps if re.match(r"^SCAN (interactions|reminders|contacts|stage_changes)\b", step)
                 and "COVERING INDEX" not in step]
        assert not scans, f"{scans} in:\n{sql}"
