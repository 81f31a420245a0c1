"""Cadence, segments, customers, scoring and search: round trips, records with parsed values."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from minicrm.store.api import ContactHit, CustomerRow, InteractionHit, Reorder, ScoreInputs, Touch


def test_cadence(store, add_contact, now):
    ann = add_contact("Ann", tags=["vip"], emails=["ann@x.example"], at=now - timedelta(days=20))
    bob = add_contact("Bob")
    with store.write():
        store.cadence.set_tag("vip", 14)
        store.cadence.set_contact(bob, 30)
    assert store.cadence.tags() == {"vip": 14}
    assert store.cadence.touch_of(bob)[:2] == (30, 30)
    (touch,) = store.cadence.touches_due(now)
    assert isinstance(touch, Touch) and isinstance(touch.next_touch_at, datetime)
    assert (touch.id, touch.touch_days, touch.email, touch.last_contact_at) == (ann, 14, "ann@x.example", None)
    assert touch.next_touch_at == (now - timedelta(days=6)).replace(microsecond=0)
    with store.write():
        store.cadence.set_tag("vip", None)
    assert store.cadence.touches_due(now) == [] and store.cadence.touch_of(ann) == (None, None, None)


def test_segments(store, now):
    with store.write():
        store.segments.save("vips", {"tag": ["vip"]}, now)
    assert store.segments.get("vips") == ({"tag": ["vip"]}, now.replace(microsecond=0))
    assert store.segments.list() == [("vips", {"tag": ["vip"]}, now.replace(microsecond=0))]
    with store.write():
        assert store.segments.delete("vips")
    assert store.segments.get("vips") is None


def orders(store, contact_id, now, days_ago, amount="10"):
    with store.write():
        for days in days_ago:
            store.activity.add(contact_id=contact_id, kind="order", at=now - timedelta(days=days), text="bread",
                               amount=Decimal(amount), created=now)  # fmt: skip


def test_customers(store, add_contact, now):
    ann = add_contact("Ann", at=now - timedelta(days=100))
    bob = add_contact("Bob", at=now - timedelta(days=100))
    orders(store, ann, now, [40, 30, 20], "25")
    orders(store, bob, now, [5], "10")
    cai = add_contact("Cai", at=now - timedelta(days=100))
    orders(store, cai, now, [90, 80, 70], "5")
    rows = store.customers.values(now)
    assert all(isinstance(r, CustomerRow) for r in rows)
    assert [(r.contact_id, r.orders, r.cents, r.median_gap) for r in rows] == [
        (ann, 3, 7500, 10.0), (cai, 3, 1500, 10.0), (bob, 1, 1000, None)]
    assert rows[0].last_at == (now - timedelta(days=20)).replace(microsecond=0) and rows[0].rfm_group
    assert rows[0].first_at == (now - timedelta(days=40)).replace(microsecond=0)
    assert [r.contact_id for r in store.customers.values(now, order="recent", limit=1, scored=False)] == [bob]
    assert [r.contact_id for r in store.customers.values(now, at_risk=True)] == [cai]
    assert [r.rfm_group for r in store.customers.values(now, limit=3)] == [r.rfm_group for r in rows]
    assert store.customers.lifetime_cents([ann, bob, 999]) == {ann: 7500, bob: 1000}
    (reorder,) = store.customers.reorders_due(now + timedelta(days=1), now)
    assert isinstance(reorder, Reorder) and reorder.contact_id == ann
    assert reorder.reorder_at == (now - timedelta(days=10)).replace(microsecond=0)
    assert store.customers.stage_counts() == {"awareness": 3}
    window = (now - timedelta(days=50), now + timedelta(days=1))
    assert store.customers.interaction_counts([window]) == [4]
    assert store.customers.order_totals([window]) == [(4, 8500)]
    assert store.customers.count_stale(now - timedelta(days=10)) == 2  # Ann and Cai


def test_scoring(store, add_contact, now):
    ann = add_contact("Ann", tags=["vip", "b"])
    orders(store, ann, now, [3])
    with store.write():
        store.scoring.set_weight("tag:vip", 5)
        store.scoring.set_weight("recency", 2.5)
        store.scoring.set_weight("recency", None)
    assert store.scoring.weights()["tag:vip"] == 5 and "recency" not in store.scoring.weights()
    inputs = store.scoring.inputs(ann, now)
    assert inputs == ScoreInputs(stage="awareness", last_contact_at=(now - timedelta(days=3)).replace(microsecond=0),
                                 recent=1, orders=1, cents=1000, tags=inputs.tags)  # fmt: skip
    assert sorted(inputs.tags) == ["b", "vip"]


def test_search(store, add_contact, now):
    ann = add_contact("Ann Lee", org="Quetzal Bakery")
    with store.write():
        iid = store.activity.add(contact_id=ann, kind="note", at=now, text="talked about sourdough starters",
                                 amount=None, created=now)  # fmt: skip
    (hit,) = store.search.contacts("quetzal", 10)
    assert isinstance(hit, ContactHit) and (hit.id, hit.name, hit.texts["org"]) == (ann, "Ann Lee", "Quetzal Bakery")
    assert store.search.contacts("qu", 10) == []
    (found,) = store.search.interactions(["sourd"], 10)
    assert isinstance(found, InteractionHit) and (found.id, found.contact_id, found.at) == (
        iid, ann, now.replace(microsecond=0))
    assert "«sourdough»" in found.snippet
