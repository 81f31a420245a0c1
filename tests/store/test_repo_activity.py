"""Activity, reminders, deals, occasions: round trips of their writes and reads."""

from __future__ import annotations

from datetime import date, time, timedelta
from decimal import Decimal


def test_interactions_and_referrals(store, add_contact, now):
    ann, bob = add_contact("Ann"), add_contact("Bob")
    with store.write():
        call = store.activity.add(contact_id=ann, kind="call", at=now - timedelta(days=1), text="hello",
                                  amount=None, created=now)  # fmt: skip
        order = store.activity.add(contact_id=ann, kind="order", at=now, text="bread", amount=Decimal("12.50"),
                                   created=now, uid="order-1")  # fmt: skip
        referral = store.activity.add(contact_id=ann, kind="referral", at=now, text="sent Bob", amount=None,
                                      created=now)  # fmt: skip
        store.activity.set_referred(referral, bob)
    got = store.activity.get(order)
    assert (got.kind, got.amount, got.uid, got.contact_name, got.at) == ("order", Decimal("12.5"), "order-1", "Ann",
                                                                        now.replace(microsecond=0))  # fmt: skip
    assert [i.id for i in store.activity.list(contact_id=ann, kinds=["call", "order"])] == [order, call]
    assert [i.id for i in store.activity.list(since=now - timedelta(hours=1), limit=1)] == [referral]
    assert store.activity.order_count(ann) == 1
    assert store.activity.order_near(ann, now - timedelta(days=1), now + timedelta(days=1)) == ("bread", 1250)
    assert [(r.referrer_name, r.referred_name) for r in store.activity.referrals(bob)] == [("Ann", "Bob")]
    assert [(i.id, uid) for i, uid in store.activity.export()][0][0] == call
    assert store.uid_exists("interactions", "order-1")


def test_reminders(store, add_contact, now):
    cid = add_contact("Ann", emails=["ann@x.example"])
    today = now.date()
    with store.write():
        rid = store.reminders.add(contact_id=cid, text="call back", due_on=today, due_time=time(14, 0),
                                  rule="every week", created=now)  # fmt: skip
        later = store.reminders.add(contact_id=cid, text="later", due_on=today + timedelta(days=3), due_time=None,
                                    rule=None, created=now)  # fmt: skip
    got = store.reminders.get_many([rid], today)[rid]
    assert (got.text, got.due_time, got.rule, got.state, got.contact_email) == (
        "call back", time(14, 0), "every week", "today", "ann@x.example")
    assert store.reminders.schedule(rid) == (today, today)
    assert [r.id for r in store.reminders.open(due_until=today)] == [rid]
    assert store.reminders.count_open(None, today + timedelta(days=7)) == 2
    assert store.reminders.open_ids_starting("", 10) == [(rid, "call back", "Ann", today),
                                                         (later, "later", "Ann", today + timedelta(days=3))]
    assert store.reminders.open_ids_starting(str(later), 10) == [(later, "later", "Ann", today + timedelta(days=3))]
    assert store.reminders.open_ids_starting("999", 10) == [] and len(store.reminders.open_ids_starting("", 1)) == 1
    with store.write():
        store.reminders.update(rid, now, due_on=today + timedelta(days=7), scheduled_on=today + timedelta(days=7),
                               due_time=None)  # fmt: skip
        store.reminders.add_completion(rid, today, now)
        store.reminders.update(later, now, status="done", done_at=now)
    assert [(r.id, r.due_time, r.status) for r in store.reminders.of_contact(cid)] == [
        (later, None, "done"), (rid, None, "open")]
    assert [(r.id, uid, anchor) for r, uid, anchor, _ in store.reminders.export(open_only=True)] == [
        (rid, store.contacts.get(cid).uid, today)]


def test_deals(store, add_contact, now):
    cid = add_contact()
    today = now.date()
    with store.write():
        deal = store.deals.add(contact_id=cid, title="Bakery", value=Decimal("1000.50"), stage="proposal",
                               close_on=today - timedelta(days=1), created=now)  # fmt: skip
        other = store.deals.add(contact_id=cid, title="Cafe", value=Decimal("10"), stage="won", close_on=None,
                                created=now)  # fmt: skip
    got = store.deals.get(deal)
    assert (got.title, got.value, got.stage, got.closed_at) == ("Bakery", Decimal("1000.5"), "proposal", None)
    assert store.deals.get(other).closed_at == now.replace(microsecond=0)
    assert [d.id for d in store.deals.closing_by(today)] == [deal]
    assert store.deals.pipeline() == {"proposal": (1, 100050), "won": (1, 1000)}
    with store.write():
        store.deals.move(deal, "lost", now)
    assert [d.id for d in store.deals.list(stages=["lost", "won"])] == [deal, other]
    assert store.deals.closing_by(today) == []


def test_occasions(store, add_contact, now):
    cid = add_contact()
    with store.write():
        oid = store.occasions.add(contact_id=cid, label="birthday", day="--03-14", lead_days=3, note=None,
                                  next_on=date(2027, 3, 14), notify_on=date(2027, 3, 11), created=now)  # fmt: skip
    got = store.occasions.get(oid)
    assert (got.label, got.date, got.next_on, got.notify_on, got.contact_name) == (
        "birthday", "--03-14", date(2027, 3, 14), date(2027, 3, 11), "Ann Lee")
    assert store.occasions.notifying_by(date(2027, 3, 10)) == []
    with store.write():
        store.occasions.reschedule(oid, date(2026, 11, 20), date(2026, 11, 17))
    assert [o.id for o in store.occasions.notifying_by(now.date())] == [oid]
    assert [o.id for o in store.occasions.list()] == [oid]
    with store.write():
        assert store.occasions.delete(oid) and not store.occasions.delete(oid)
