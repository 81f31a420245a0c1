"""Everyday queries use indexes: no full scan of interactions or reminders.

Every statement the everyday use cases run is captured with SQLite's trace
hook and explained; a plan that scans interactions or reminders fails. Timing
is the benchmark's job (bench/), not the tests'.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from minicrm.services import activity, agenda, contacts, reminders

FULL_SCAN = re.compile(r"^SCAN (interactions|reminders|i|r|contact_emails|contact_phones|contact_tags)\b")


@pytest.fixture
def busy_store(store, now):
    with store.write():
        for n in range(200):
            cid = store.contacts.add(name=f"Person {n}", org="Org", stage="awareness", birthday=None, note=None,
                                       fields={}, emails=[f"p{n}@x.example"], phones=["+1 555 0100"], tags=["t"],
                                       at=now)  # fmt: skip
            for k in range(5):
                store.activity.add(contact_id=cid, kind="call", at=now - timedelta(days=k * 7), text="hi",
                                         amount=None, created=now)  # fmt: skip
            store.reminders.add(contact_id=cid, text="r", due_on=(now + timedelta(days=n - 100)).date(),
                                  due_time=None, rule=None, created=now)  # fmt: skip
    return store


def plans_of(store, action):
    statements = []
    store.conn.set_trace_callback(statements.append)
    try:
        action()
    finally:
        store.conn.set_trace_callback(None)
    plans = {}
    for sql in statements:
        if sql.lstrip().upper().startswith(("SELECT", "UPDATE", "DELETE", "INSERT")):
            plans[sql] = store.query_plan(sql)
    return plans


def assert_indexed(plans):
    assert plans, "nothing was captured"
    for sql, steps in plans.items():
        scans = [step for step in steps if FULL_SCAN.match(step)]
        assert not scans, f"{scans} in:\n{sql}"


EVERYDAY = {
    "due": lambda s, now: agenda.due_items(s, now, kinds=["reminder"]),
    "due --week": lambda s, now: agenda.due_items(s, now, week=True, kinds=["reminder"]),
    "show by id": lambda s, now: contacts.show(s, now, contacts.resolve(s, "42")),
    "show by email": lambda s, now: contacts.show(s, now, contacts.resolve(s, "p42@x.example")),
    "show by exact name": lambda s, now: contacts.resolve(s, "person 42"),
    "list --limit 50": lambda s, now: list(contacts.find(s, now, limit=50)),
    "list --tag": lambda s, now: list(contacts.find(s, now, tags=["t"], limit=50)),
    "history CONTACT": lambda s, now: list(activity.history(s, now, s.contacts.get(42))),
    "history --since": lambda s, now: list(activity.history(s, now, since="3 days ago")),
    "log": lambda s, now: activity.log(s, now, s.contacts.get(42), "call", "x"),
    "remind": lambda s, now: reminders.add(s, now, s.contacts.get(42), "x", "tomorrow"),
    "done": lambda s, now: reminders.complete(s, now, [7]),
    "snooze": lambda s, now: reminders.snooze(s, now, 8, "tomorrow"),
}


@pytest.mark.parametrize("name", EVERYDAY)
def test_everyday_queries_use_indexes(busy_store, now, name):
    assert_indexed(plans_of(busy_store, lambda: EVERYDAY[name](busy_store, now)))


def test_the_due_query_uses_the_open_reminders_index(busy_store, now):
    plans = plans_of(busy_store, lambda: agenda.due_items(busy_store, now, kinds=["reminder"]))
    steps = [step for steps in plans.values() for step in steps]
    assert any("reminders_open_due" in step for step in steps), steps


def test_forget_finds_a_person_in_the_audit_trail_through_an_index(store, now):
    """The audit trail grows with every change; forget reads the images of contact rows, emails and
    phones by the index on (tbl, contact_id), never the whole trail."""
    from minicrm.services import privacy

    for n in range(30):
        contact = contacts.add(store, now, f"Person {n}", emails=[f"p{n}@x.example"])
        activity.log(store, now, contact, "call", "hi")
    ann = contacts.resolve(store, "person 7")
    plans = plans_of(store, lambda: privacy.forget(store, now, ann))
    audit_steps = [step for steps in plans.values() for step in steps if re.search(r"\baudit\b", step)]
    assert audit_steps and not [step for step in audit_steps if step.startswith("SCAN audit")], audit_steps
    assert any("audit_table" in step for step in audit_steps), audit_steps
