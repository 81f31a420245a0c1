"""The settings repository: text by key, set, replaced and removed."""

from __future__ import annotations


def test_settings_round_trip(store, now):
    assert store.settings.all() == {} and store.settings.get("region") is None
    with store.write():
        store.settings.set("region", "DE", now)
        store.settings.set("currency", "EUR", now)
        store.settings.set("region", "GB", now)  # replaces
    assert store.settings.all() == {"currency": "EUR", "region": "GB"}
    assert store.settings.get("region") == "GB"
    with store.write():
        assert store.settings.unset("region") is True
        assert store.settings.unset("region") is False
    assert store.settings.all() == {"currency": "EUR"}


def test_phones_keep_their_verified_mark(store, now, add_contact):
    with store.write():
        contact_id = store.contacts.add(name="Bob", org=None, stage="awareness", birthday=None, note=None,
                                        fields={}, emails=[], phones=["+442079460958", "call reception"], tags=[],
                                        at=now, unverified_phones=["call reception"])  # fmt: skip
        store.contacts.add_many([dict(id=contact_id + 1, uid="u2", name="Ann", org=None, stage="awareness",
                                      birthday=None, note=None, fields={}, emails=[], phones=["0123 x"], tags=[],
                                      created_at=now, updated_at=now, stage_history=[],
                                      unverified_phones=["0123 x"])])  # fmt: skip
    assert store.contacts.get(contact_id).unverified_phones == ("call reception",)
    assert store.contacts.get(contact_id + 1).unverified_phones == ("0123 x",)
    with store.write():
        store.contacts.replace_lists(contact_id, phones=["call reception", "+442079460958"])
    assert store.contacts.get(contact_id).unverified_phones == ()  # not given: all verified


def test_digest_sends_round_trip(store, now):
    from datetime import date, timedelta

    from minicrm.models import DigestSent

    day = date(2026, 11, 18)
    assert store.digests.log() == [] and not store.digests.sent(day, "day", "mail")
    with store.write():
        store.digests.record(DigestSent(now, day, "day", "mail", 7, "text"))
        store.digests.record(DigestSent(now + timedelta(minutes=1), day, "week", "command:cat", 0, "json"))
        store.digests.record(DigestSent(now + timedelta(minutes=1), day, "week", "command:cat", 0, "json"))  # --again
    assert store.digests.sent(day, "day", "mail") and store.digests.sent(day, "week", "command:cat")
    assert not store.digests.sent(day, "week", "mail") and not store.digests.sent(day + timedelta(days=1), "day", "mail")
    log = store.digests.log()
    assert [(s.channel, s.span, s.items) for s in log] == [("command:cat", "week", 0)] * 2 + [("mail", "day", 7)]
    assert log[-1] == DigestSent(now, day, "day", "mail", 7, "text")
    assert len(store.digests.log(limit=1)) == 1
