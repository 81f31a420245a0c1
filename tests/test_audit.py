"""The audit trail and undo."""

from __future__ import annotations

import getpass
import sqlite3

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

DATA = ("contacts", "contact_emails", "contact_phones", "contact_tags", "interactions", "reminders",
        "reminder_completions", "stage_changes")  # fmt: skip


def snapshot(db) -> dict[str, list[tuple]]:
    conn = sqlite3.connect(db)
    try:
        tables = {t: conn.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall() for t in DATA}
        tables["contact_search"] = conn.execute("SELECT rowid, * FROM contact_search ORDER BY rowid").fetchall()
        tables["fts"] = conn.execute(
            "SELECT rowid FROM interactions_fts WHERE interactions_fts MATCH 'cake' ORDER BY rowid"
        ).fetchall()
        return tables
    finally:
        conn.close()


def changes(db) -> int:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT count(*) FROM changes").fetchone()[0]
    finally:
        conn.close()


def test_every_change_records_what_when_and_who(cli):
    cli.ok("add", "Ann", "--email", "ann@example.com")
    cli.ok("add", "Bob")
    cli.ok("edit", "ann", "--note", "likes cake")
    entries = cli.ok("audit", "--json").json()
    assert list(entries[0]) == ["change_id", "at", "user", "command", "table", "action", "contact_id", "summary",
                                "old", "new"]  # fmt: skip
    latest = entries[0]
    assert (latest["command"], latest["table"], latest["action"]) == ("edit", "contacts", "update")
    assert latest["old"]["note"] is None and latest["new"]["note"] == "likes cake"
    assert latest["summary"] == "note: ∅ → likes cake"
    assert latest["at"] == "2026-11-18T09:30:00+01:00"
    assert latest["user"] == getpass.getuser()
    assert {e["command"] for e in entries} == {"add", "edit"}

    anns = cli.ok("audit", "ann", "--json").json()
    assert anns and all(e["contact_id"] == 1 for e in anns)
    assert {e["table"] for e in anns} == {"contacts", "contact_emails", "stage_changes"}
    rows = cli.ok("audit", "bob").rows()
    assert rows and all(row[6] == "2" for row in rows)


def test_reads_and_failed_commands_leave_no_change(cli, isolated):
    cli.ok("add", "Ann", "--email", "ann@example.com")
    before = changes(isolated)
    cli.ok("list")
    cli.ok("show", "ann")
    assert cli("add", "Other", "--email", "ann@example.com").exit_code == 1
    assert cli("log", "ann", "bogus-kind").exit_code == 1
    assert changes(isolated) == before


def test_undo_an_edit_and_redo_it(cli, isolated):
    cli.ok("add", "Ann", "--email", "ann@example.com", "--tag", "vip")
    before = cli.ok("show", "ann", "--json").json()
    cli.ok("edit", "ann", "--name", "Ann Lee", "--remove-tag", "vip", "--email", "lee@example.com")
    edited = cli.ok("show", "1", "--json").json()

    undone = cli.ok("undo")
    assert undone.rows()[0][3] == "edit"
    assert "Undid change 2 (edit)" in undone.stderr
    assert cli.ok("show", "1", "--json").json() == before
    assert [r[2] for r in cli.ok("list", "--search", "lee@").rows()] == []  # the search index followed

    redone = cli.ok("redo")
    assert redone.rows()[0][3] == "edit" and "Redid change 2 (edit)" in redone.stderr
    assert cli.ok("show", "1", "--json").json() == edited
    assert [r[2] for r in cli.ok("list", "--search", "lee@").rows()] == ["Ann Lee"]
    commands = [row[3] for row in cli.ok("audit").rows()]
    assert commands[0] == "redo"


def test_each_undo_steps_further_back_and_redo_comes_forward_again(cli, isolated):
    cli.ok("add", "Ann")
    cli.ok("add", "Bob")
    cli.ok("edit", "ann", "--tag", "vip")
    names = lambda: [(r[2], r[7]) for r in cli.ok("list").rows()]  # noqa: E731
    assert cli.ok("undo").rows()[0][3] == "edit"
    assert names() == [("Ann", ""), ("Bob", "")]
    assert cli.ok("undo").rows()[0][3] == "add"  # the add of Bob, not the undo
    assert names() == [("Ann", "")]
    cli.ok("redo")
    assert names() == [("Ann", ""), ("Bob", "")]
    cli.ok("redo")
    assert names() == [("Ann", "vip"), ("Bob", "")]
    nothing = cli("redo")
    assert nothing.exit_code == 1 and "nothing to redo" in nothing.stderr
    cli.ok("undo")
    cli.ok("add", "Cy")  # a new change clears what could be redone
    assert cli("redo").exit_code == 1
    assert names() == [("Ann", ""), ("Bob", ""), ("Cy", "")]
    cli.ok("undo", "3")
    assert names() == []
    assert cli("undo").exit_code == 1  # everything is undone


def test_undo_rm_brings_back_everything(cli, isolated):
    cli.ok("add", "Ann", "--email", "ann@example.com", "--phone", "+1 415 555 0100", "--tag", "cake")
    cli.ok("log", "ann", "order", "wedding cake", "--amount", "120")
    cli.ok("remind", "ann", "call back", "--on", "tomorrow", "--every", "weekly")
    cli.ok("done", "1")
    cli.ok("stage", "ann", "purchase")
    before = snapshot(isolated)
    assert before["fts"] == [(1,)]
    cli.ok("rm", "ann", "--yes")
    assert snapshot(isolated)["contacts"] == []
    cli.ok("undo")
    assert snapshot(isolated) == before
    assert cli.ok("doctor").exit_code == 0


def test_undo_n_reverts_several_as_one_change(cli, isolated):
    cli.ok("list")  # creates the database
    empty = snapshot(isolated)
    cli.ok("add", "Ann")
    cli.ok("add", "Bob")
    cli.ok("log", "bob", "call")
    reverted = cli.ok("undo", "3").rows()
    assert [row[3] for row in reverted] == ["log", "add", "add"]
    assert snapshot(isolated) == empty
    cli.ok("redo")  # all three come back at once
    assert [row[2] for row in cli.ok("list").rows()] == ["Ann", "Bob"]


def test_undo_with_nothing_to_undo_or_too_many(cli):
    result = cli("undo")
    assert result.exit_code == 1 and "nothing to undo" in result.stderr
    cli.ok("add", "Ann")
    result = cli("undo", "5")
    assert result.exit_code == 1 and "only 1 changes" in result.stderr
    assert cli("undo", "0").exit_code == 1
    assert [row[2] for row in cli.ok("list").rows()] == ["Ann"]


names = st.sampled_from(["Ann", "Bob", "Cy", "Dee"])
operations = st.lists(
    st.one_of(
        st.tuples(st.just("add"), names, st.sampled_from(["", "cake", "bread"])),
        st.tuples(st.just("edit"), names, st.sampled_from(["vip", "new", "cake"])),
        st.tuples(st.just("log"), names, st.sampled_from(["cake order", "call about bread"])),
        st.tuples(st.just("remind"), names, st.sampled_from(["daily", "weekly", ""])),
        st.tuples(st.just("done"), st.integers(1, 4), st.just("")),
        st.tuples(st.just("stage"), names, st.sampled_from(["purchase", "retention"])),
        st.tuples(st.just("rm"), names, st.just("")),
    ),
    min_size=1,
    max_size=8,
)


@given(ops=operations)
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_undoing_every_change_returns_to_the_start(cli, isolated, ops):
    cli.ok("add", "Base", "--email", "base@example.com")
    cli.ok("log", "base", "note", "a cake was mentioned")
    start, start_changes = snapshot(isolated), changes(isolated)
    for op, who, extra in ops:
        if op == "add":
            cli("add", who, "--note", extra)
        elif op == "edit":
            cli("edit", who, "--tag", extra, "--org", who + " Ltd")
        elif op == "log":
            cli("log", who, "order", extra, "--amount", "3")
        elif op == "remind":
            cli("remind", who, "follow up", "--on", "today", *(["--every", extra] if extra else []))
        elif op == "done":
            cli("done", str(who))
        elif op == "stage":
            cli("stage", who, extra)
        else:
            cli("rm", who, "--yes")
    made = changes(isolated) - start_changes
    end = snapshot(isolated)
    if made:
        cli.ok("undo", str(made))
    assert snapshot(isolated) == start
    if made:
        cli.ok("redo")  # and all of it comes back
        assert snapshot(isolated) == end
        cli.ok("undo", str(made))
    cli.ok("undo", "2")  # then the Base note and the Base contact
    assert cli.ok("list").rows() == []
    cli.ok("redo")
    cli.ok("rm", "base", "--yes")


def test_a_file_from_before_the_audit_trail_is_upgraded_and_audited(cli, isolated, now, monkeypatch):
    from minicrm.store import migrations
    from minicrm.store import open_store

    everything = list(migrations.MIGRATIONS)
    monkeypatch.setattr(migrations, "MIGRATIONS", everything[:2])
    open_store(isolated, now).close()
    conn = sqlite3.connect(isolated)
    with conn:  # what a schema-2 minicrm wrote: no audit tables, no triggers
        conn.execute("INSERT INTO contacts (uid, name, name_fold, created_at, updated_at)"
                     " VALUES ('u1', 'Ann Lee', 'ann lee', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')")
    conn.close()
    monkeypatch.setattr(migrations, "MIGRATIONS", everything)
    assert cli("undo").exit_code == 1  # the old data has no history to undo
    cli.ok("edit", "1", "--org", "Quetzal")
    assert cli.ok("audit", "--json").json()[0]["summary"] == "org: ∅ → Quetzal"
    cli.ok("undo")
    assert cli.ok("show", "1", "--json").json()["org"] is None
    assert names_after(isolated) == ["Ann Lee"]


def names_after(db) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        return [row[0] for row in conn.execute("SELECT name FROM contacts ORDER BY id")]
    finally:
        conn.close()


def test_trust_queries_use_indexes(store, now):
    """The audit, undo, consent and forget queries find rows through indexes, not by scanning."""
    import re

    from minicrm.services import activity, audit, contacts, privacy

    scan = re.compile(r"^SCAN (audit|a|changes|c|consents|k|l|erased)\b")
    people = [contacts.add(store, now, f"Person {n}", emails=[f"p{n}@x.example"]) for n in range(30)]
    for person in people:
        privacy.record_consent(store, now, person, "grant", "sms")
        activity.log(store, now, person, "call", "hi")
    statements: list[str] = []
    store.conn.set_trace_callback(statements.append)
    try:
        list(audit.entries(store, people[7], limit=50))
        list(contacts.find(store, now, consent="sms", limit=10))
        privacy.consent_history(store, people[7])
        audit.undo(store, 1)
        contacts.add(store, now, "New", emails=["new@x.example"], phones=["+1 415 555 0100"])
    finally:
        store.conn.set_trace_callback(None)
    checked = 0
    for sql in statements:
        if sql.lstrip().upper().startswith(("SELECT", "UPDATE", "DELETE", "INSERT")):
            steps = store.query_plan(sql)
            checked += 1
            assert not [s for s in steps if scan.match(s)], f"{steps} in:\n{sql}"
    assert checked > 5


def test_a_command_given_several_ids_is_one_change(cli, isolated):
    for name in ("Ann", "Bob", "Cy"):
        cli.ok("add", name)
    for n in (1, 2, 3):
        cli.ok("remind", str(n), "Call", "--on", "today")
    start = changes(isolated)
    edited = cli.ok("edit", "1", "2", "3", "--tag", "vip", "--json").json()
    assert [c["tags"] for c in edited] == [["vip"]] * 3
    cli.ok("done", "1", "2", "3")
    cli.ok("rm", "2", "3", "--yes")
    assert changes(isolated) == start + 3
    cli.ok("undo")
    assert [r[2] for r in cli.ok("list").rows()] == ["Ann", "Bob", "Cy"]
    cli.ok("undo", "2")
    assert [r[7] for r in cli.ok("list").rows()] == ["", "", ""]
    assert len(cli.ok("due", "--json").json()) == 3


def test_edit_several_refuses_one_name_for_all(cli):
    cli.ok("add", "Ann")
    cli.ok("add", "Bob")
    result = cli("edit", "ann", "bob", "--name", "Same")
    assert result.exit_code == 1 and "--name renames one contact" in result.stderr


@pytest.mark.parametrize("first, second, table, key", [
    (["segment", "save", "vips", "--tag", "vip"], ["segment", "save", "vips", "--tag", "gold"], "segments", "name"),
    (["score", "--set", "recency=40"], ["score", "--set", "recency=10"], "score_weights", "name"),
    (["cadence", "--tag", "vip", "30d"], ["cadence", "--tag", "vip", "7d"], "tag_cadences", "tag"),
])  # fmt: skip
def test_undoing_a_replaced_row_restores_the_old_value(cli, isolated, first, second, table, key):
    cli.ok("add", "Ann")
    cli.ok(*first)
    before = snapshot_table(isolated, table)
    cli.ok(*second)
    assert snapshot_table(isolated, table) != before
    cli.ok("undo")
    assert snapshot_table(isolated, table) == before


def snapshot_table(db, table: str) -> list:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
    finally:
        conn.close()


def _import_file(tmp_path, zed_uid: str):
    people = tmp_path / "people.ndjson"
    people.write_text(
        '{"type": "contact", "uid": "ann-1", "name": "Ann", "emails": ["ann@example.com"], "tags": ["vip"]}\n'
        '{"type": "contact", "uid": "bob-1", "name": "Bob", "phones": ["+14155550100"]}\n'
        '{"type": "interaction", "contact_uid": "ann-1", "kind": "order", "at": "2026-11-01T10:00:00Z",'
        ' "text": "cake", "amount": "12"}\n'
        f'{{"type": "interaction", "contact_uid": "{zed_uid}", "kind": "call", "at": "2026-11-02T10:00:00Z",'
        ' "text": "cake talk"}\n'
        f'{{"type": "reminder", "contact_uid": "{zed_uid}", "text": "call back", "due_on": "2026-11-20"}}\n'
    )
    return people


def audit_rows(db) -> int:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT count(*) FROM audit").fetchone()[0]
    finally:
        conn.close()


def test_an_import_is_one_change_and_undo_removes_exactly_its_rows(cli, isolated, tmp_path):
    cli.ok("add", "Zed", "--email", "zed@example.com")
    cli.ok("log", "zed", "note", "cake before")
    zed_uid = cli.ok("show", "zed", "--json").json()["uid"]
    before, images, count = snapshot(isolated), audit_rows(isolated), changes(isolated)

    cli.ok("import", str(_import_file(tmp_path, zed_uid)))
    assert changes(isolated) == count + 1
    assert audit_rows(isolated) == images  # no row images for the bulk rows
    entries = cli.ok("audit", "--json").json()
    batch = [e for e in entries if e["command"] == "import"]
    assert [(e["table"], e["action"], e["summary"]) for e in batch] == [
        ("reminders", "insert", "1 row in one batch (ids 1–1)"),
        ("interactions", "insert", "2 rows in one batch (ids 2–3)"),
        ("contacts", "insert", "2 rows in one batch (ids 2–3)"),
    ]
    assert [e["command"] for e in cli.ok("audit", "ann", "--json").json()] == ["import"]
    assert cli.ok("audit", "zed", "--json").json()[0]["command"] == "log"  # the batch names its own contacts

    undone = cli.ok("undo")
    assert undone.rows()[0][3] == "import" and undone.rows()[0][4] == "5"
    assert snapshot(isolated) == before  # search indexes and Zed's last contact included
    assert cli.ok("doctor").exit_code == 0
    cli.ok("redo")  # redo brings the import back
    assert [r[2] for r in cli.ok("list").rows()] == ["Ann", "Bob", "Zed"]
    assert [r[2] for r in cli.ok("list", "--search", "vip").rows()] == ["Ann"]


def test_undo_of_an_import_refuses_when_its_rows_were_changed_since(store, now, tmp_path):
    import pytest

    from minicrm.errors import Conflict
    from minicrm.interchange import import_records
    from minicrm.services import activity, contacts

    records = [(1, {"type": "contact", "name": "Ann", "emails": ["ann@example.com"]}, None),
               (2, {"type": "contact", "name": "Bob"}, None)]  # fmt: skip
    import_records(store, now, records)
    imported = store.audit.recent(1)[0]
    bob = contacts.resolve(store, "bob")
    activity.log(store, now, bob, "call", "later")
    with pytest.raises(Conflict, match=r"change \d+ imported rows that change \d+ changed since"):
        with store.write():
            store.audit.revert([imported.id])  # the later change stays: deleting Bob would lose it
    assert [c.name for c in contacts.find(store, now)] == ["Ann", "Bob"]
