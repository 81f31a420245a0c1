"""Privacy, audit and files: consent, erasure, the audit trail and undo, backup and restore."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from minicrm.store import open_readonly
from minicrm.store.api import AuditRow


def test_consent(store, add_contact, now):
    cid = add_contact()
    with store.write():
        store.privacy.add_consent(contact_id=cid, purpose="newsletter", granted=True, at=now - timedelta(days=2),
                                  source="form", recorded=now)  # fmt: skip
        store.privacy.add_consent(contact_id=cid, purpose="newsletter", granted=False, at=now, source=None,
                                  recorded=now)  # fmt: skip
    assert [c.granted for c in store.privacy.consent_history(cid)] == [True, False]
    (current,) = store.privacy.current_consent(cid)
    assert (current.purpose, current.granted, current.at) == ("newsletter", False, now.replace(microsecond=0))


def test_erasure_keeps_amounts_with_a_placeholder(store, add_contact, now):
    cid = add_contact("Ann", emails=["ann@x.example"])
    with store.write():
        store.activity.add(contact_id=cid, kind="order", at=now, text="secret", amount=Decimal("5"), created=now)
    assert store.privacy.salt()
    with store.write():
        keeper = store.privacy.placeholder_contact("Erased people", now)
        assert store.privacy.placeholder_contact("Erased people", now) == keeper
        store.privacy.erase(cid, ["h1"], now, keep_amounts_with=keeper)
        store.audit.mark_final()
    assert store.contacts.get(cid) is None
    assert [(i.contact_id, i.text, i.amount) for i in store.activity.list()] == [(keeper, None, Decimal("5"))]
    assert store.privacy.erased_hashes(["h1", "h2"]) == ["h1"] and store.privacy.all_erased_hashes() == {"h1"}
    assert not any(e.contact_id == cid for e in store.audit.entries())
    assert store.privacy.scrub_files()
    assert store.audit.recent(1)[0].undoable is False


def test_audit_trail_and_revert(store, add_contact, now):
    store.actor = ("ann", "add", now)
    cid = add_contact("Ann")
    store.actor = ("ann", "edit", now)
    with store.write():
        store.contacts.update(cid, now, name="Ann Stone")
    edit, add = store.audit.recent(10)
    assert (edit.command, add.command, edit.user, edit.at) == ("edit", "add", "ann", now.replace(microsecond=0))
    entries = list(store.audit.entries(contact_id=cid))
    assert all(isinstance(e, AuditRow) for e in entries)
    assert (entries[0].change_id, entries[0].table, entries[0].action) == (edit.id, "contacts", "update")
    assert entries[0].old["name"] == "Ann" and entries[0].new["name"] == "Ann Stone"
    with store.write():
        assert store.audit.revert([edit.id]) >= 1
    assert store.contacts.get(cid).name == "Ann"
    assert [h.id for h in store.search.contacts("Ann", 5)] == [cid]  # the search row follows the revert
    assert store.audit.recent(1, before=edit.id)[0].id == add.id


def test_backup_restore_health(store, add_contact, tmp_path, now):
    add_contact("Ann")
    target = tmp_path / "backup.db"
    store.files.backup_to(target)
    assert target.stat().st_mode & 0o077 == 0
    add_contact("Bob")
    health = store.files.health()
    assert (health["integrity"], health["broken_links"], health["counts"]["contacts"]) == (["ok"], 0, 2)
    assert set(store.files.sizes()) == {"x.db", "x.db-wal"}
    backup = open_readonly(target)
    try:
        store.files.restore_from(backup)
    finally:
        backup.close()
    store.files.upgrade(now)
    assert store.contacts.count() == 1 and store.audited
