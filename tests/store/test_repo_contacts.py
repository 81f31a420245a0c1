"""Contacts: writes and reads, the search row and keep-in-touch columns on every write path."""

from __future__ import annotations

from datetime import timedelta

from minicrm.store.api import ContactQuery


def test_add_get_update_delete(store, add_contact, now):
    cid = add_contact("Ann Lee", emails=["ann@x.example"], phones=["+4930123"], tags=["vip", "b"], org="Acme")
    got = store.contacts.get(cid)
    assert (got.name, got.emails, got.phones, got.tags, got.org, got.stage) == (
        "Ann Lee", ("ann@x.example",), ("+4930123",), ("vip", "b"), "Acme", "awareness")
    assert got.created_at == now.replace(microsecond=0) and got.fields == {}
    with store.write():
        store.contacts.update(cid, now + timedelta(hours=1), name="Ann Stone", fields={"shoe": "38"})
        store.contacts.replace_lists(cid, emails=["a@y.example", "ann@x.example"], tags=None)
    got = store.contacts.get(cid)
    assert (got.name, got.emails, got.tags, got.fields) == ("Ann Stone", ("a@y.example", "ann@x.example"),
                                                            ("vip", "b"), {"shoe": "38"})  # fmt: skip
    assert got.updated_at == (now + timedelta(hours=1)).replace(microsecond=0)
    assert store.contacts.named("ann stone", exact=True, limit=5) == [(cid, "Ann Stone")]
    assert store.contacts.named("stone", exact=False, limit=5) == [(cid, "Ann Stone")]
    assert store.contacts.ids_by_email("a@y.example") == [cid]
    assert store.contacts.ids_by_phone("+4930123") == [cid]
    assert store.contacts.id_by_uid(got.uid) == cid
    assert store.contacts.stage_of(cid) == "awareness"
    assert store.contacts.reach([cid]) == {cid: ("a@y.example", "+4930123")}
    with store.write():
        store.contacts.delete(cid)
    assert store.contacts.get(cid) is None and store.search.contacts("Stone", 5) == []


def test_list_filters_sorts_and_counts(store, add_contact):
    a = add_contact("Bea", tags=["vip"], org="Zed")
    b = add_contact("Abe", org="Acme")
    c = add_contact("Cai", tags=["vip"], stage="purchase")
    assert [x.id for x in store.contacts.list(ContactQuery())] == [b, a, c]
    assert [x.id for x in store.contacts.list(ContactQuery(sort="org", descending=True))] == [a, b, c]
    assert [x.id for x in store.contacts.list(ContactQuery(tags=("vip",)))] == [a, c]
    assert [x.id for x in store.contacts.list(ContactQuery(search="acm"))] == [b]
    assert store.contacts.count(ContactQuery(stage="purchase")) == 1 and store.contacts.count() == 3
    assert store.contacts.matching(ContactQuery(tags=("vip",)), [a, b, c, a]) == {a, c}


def test_stage_history(store, add_contact, now):
    cid = add_contact()
    with store.write():
        store.contacts.add_stage_change(cid, None, "awareness", now, "add")
        store.contacts.add_stage_change(cid, "awareness", "purchase", now + timedelta(days=1), "user")
    history = store.contacts.stage_history(cid)
    assert [(h.from_stage, h.to_stage, h.source) for h in history] == [(None, "awareness", "add"),
                                                                      ("awareness", "purchase", "user")]  # fmt: skip
    assert history[1].at == (now + timedelta(days=1)).replace(microsecond=0)
    assert store.contacts.stage_histories([cid]) == {cid: history}


def test_bulk_add_indexes_and_takes_the_tags_cadence(store, add_contact, now):
    with store.write():
        store.cadence.set_tag("vip", 14)
    old = now - timedelta(days=30)
    with store.write():
        first = store.next_id("contacts")
        rows = [dict(id=first + n, uid=f"u{n}", name=name, org=None, stage="awareness", birthday=None, note=None,
                     fields={}, emails=[], phones=[], tags=tags, created_at=old, updated_at=old,
                     stage_history=[(None, "awareness", old, "import")])
                for n, (name, tags) in enumerate([("Bob Vip", ["vip"]), ("Cai Plain", [])])]  # fmt: skip
        store.contacts.add_many(rows)
        store.contacts.index_from(first)
    assert store.cadence.touch_of(first) == (None, 14, (old + timedelta(days=14)).replace(microsecond=0))
    assert store.cadence.touch_of(first + 1) == (None, None, None)
    assert [t.name for t in store.cadence.touches_due(now)] == ["Bob Vip"]
    assert [h.id for h in store.search.contacts("Plain", 5)] == [first + 1]
    assert store.uid_exists("contacts", "u1") and not store.uid_exists("contacts", "u9")


def test_duplicates_and_moving_records(store, add_contact, now):
    a = add_contact("Ann", emails=["same@x.example"], org="Acme")
    b = add_contact("Ann L", emails=["same@x.example"], org=" acme ")
    assert list(store.duplicates.shared_values()) == [("email", "same@x.example", [a, b])]
    assert list(store.duplicates.sharing_an_org()) == [("acme", [(a, "Ann"), (b, "Ann L")])]
    with store.write():
        store.activity.add(contact_id=b, kind="call", at=now, text=None, amount=None, created=now)
        assert store.contacts.move_records(b, a) == {"interactions": 1, "reminders": 0, "stage_changes": 0}
    assert [i.contact_id for i in store.activity.list()] == [a]
