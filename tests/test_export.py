"""``export all`` holds every table a user owns, and ``import`` of it into an empty database gives the
same database back: the demo with one of everything, exported, imported, shown and exported again."""

from __future__ import annotations

import json
import sqlite3

import pytest

from minicrm.store.tables import LEFT_OUT, OWNED


def fill_everything(cli, db) -> None:
    """The demo, plus a row in every table the demo leaves empty."""
    cli.ok("--db", db, "demo")
    for args in (["occasion", "add", "tom", "birthday", "--lead", "14d", "--note", "cake"],
                 ["occasion", "add", "maria", "birthday", "--lead", "7d"],
                 ["consent", "maria", "grant", "email-marketing", "--source", "shop counter"],
                 ["consent", "priya", "revoke", "sms", "--at", "yesterday"],
                 ["segment", "save", "regulars", "--tag", "regular", "--stage", "retention"],
                 ["config", "currency", "EUR"],
                 ["score", "--set", "recency=40", "--set", "tag:vip=10"],
                 ["cadence", "--tag", "wholesale", "21d"],
                 ["cadence", "aiko", "45d"],
                 ["snooze", "deal:1", "--until", "Nov 25"],
                 ["remind", "sam", "Monthly check", "--on", "2026-10-31", "--every", "monthly"],
                 ["done", "9"],
                 ["digest", "--send", "command:true"]):  # fmt: skip
        cli.ok("--db", db, *args)
    cli.ok("--db", db, "snooze", "cadence:7", "--until", "Nov 20")  # a hold on a contact's item


READS = (["due"], ["due", "--json"], ["report"], ["report", "--json"], ["list", "--sort", "score", "--json"],
         ["segment", "list"], ["config"], ["score"], ["deal", "list"], ["occasion", "list"],
         *(["show", ref, "--json"] for ref in ("1", "2", "3", "4", "5", "6", "7", "8")),
         *(["show", ref] for ref in ("maria", "priya", "jonas")))  # fmt: skip


def test_export_all_then_import_gives_the_same_database(cli, tmp_path):
    first_db, copy_db = tmp_path / "first.db", tmp_path / "copy.db"
    fill_everything(cli, first_db)
    dump = tmp_path / "all.ndjson"
    cli.ok("--db", first_db, "export", "all", "-o", dump)
    types = {json.loads(line)["type"] for line in dump.read_text().splitlines()}
    assert types == {"contact", "interaction", "reminder", *(t.type for t in OWNED)} - {"erasure"}

    result = cli.ok("--db", copy_db, "import", dump)
    assert "deals: 3 created" in result.stderr and "due holds: 2 created" in result.stderr
    for args in READS:
        assert cli.ok("--db", copy_db, *args).stdout == cli.ok("--db", first_db, *args).stdout, args
    for args in (["due"], ["show", "maria"]):  # as a person sees them too
        assert (cli.ok("--db", copy_db, *args, tty=True).stdout == cli.ok("--db", first_db, *args, tty=True).stdout)
    assert cli.ok("--db", copy_db, "export", "all", "--to", "ndjson").stdout == dump.read_text()

    # the same file again changes nothing
    again = cli.ok("--db", copy_db, "import", dump)
    assert "created" not in again.stderr and "updated" not in again.stderr
    assert cli.ok("--db", copy_db, "export", "all", "--to", "ndjson").stdout == dump.read_text()


def test_every_table_is_exported_or_left_out_on_purpose(tmp_path, cli):
    """A table added by a migration must be an entry of store.tables.OWNED, or say in LEFT_OUT why not."""
    cli.ok("list")
    db = sqlite3.connect(tmp_path / "crm.db")
    rows = db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'").fetchall()
    virtual = [name for name, sql in rows if sql and sql.upper().startswith("CREATE VIRTUAL TABLE")]
    tables = {name for name, _ in rows if not any(name.startswith(v + "_") for v in virtual)}
    db.close()
    described = {t.name for t in OWNED} | set(LEFT_OUT)
    assert tables - described == set(), "add them to OWNED (or LEFT_OUT) in store/tables.py"
    assert described - tables == set()


def test_import_of_owned_records_into_a_database_in_use_keeps_its_settings(cli, tmp_path):
    """Settings, weights, segments and tag cadences of a file replace a database's own only when it
    was empty, or with --on-duplicate update."""
    source = tmp_path / "source.db"
    cli.ok("--db", source, "config", "currency", "EUR")
    cli.ok("--db", source, "add", "Ann Lee")
    dump = tmp_path / "s.ndjson"
    cli.ok("--db", source, "export", "all", "-o", dump)
    cli.ok("add", "Bob Stone")
    cli.ok("config", "currency", "GBP")
    result = cli.ok("import", dump)
    assert "settings: 1 skipped" in result.stderr
    assert cli.ok("config", "--json").json()
    assert "GBP" in cli.ok("config").stdout
    cli.ok("import", dump, "--on-duplicate", "update")
    assert "EUR" in cli.ok("config").stdout


@pytest.mark.parametrize("record, message", [
    ({"type": "deal", "uid": "d1", "contact_uid": "c1", "title": "X", "value": 5, "stage": "maybe",
      "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z"}, "CHECK"),
    ({"type": "deal", "uid": "d1", "contact_uid": "nobody", "title": "X", "value": 5, "stage": "lead"}, "no contact"),
    ({"type": "deal", "uid": "d1", "contact_uid": "c1", "title": "X", "value": 5, "stage": "lead"}, "has no created_at"),
    ({"type": "consent", "contact_uid": "c1", "purpose": "sms", "granted": "yes", "at": "2026-01-01T00:00:00Z"},
     "true or false"),
    ({"type": "setting", "key": "colour", "value": "blue"}, "not a setting"),
    ({"type": "tag_cadence", "tag": "vip", "days": 0}, "tag cadence"),
    ({"type": "occasion", "uid": "o1", "contact_uid": "c1", "label": "birthday", "date": "--07-02",
      "lead_days": 3, "next_on": "someday", "notify_on": "2027-06-29"}, "not an ISO date"),
])  # fmt: skip
def test_a_bad_owned_record_is_refused_and_nothing_is_written(cli, tmp_path, record, message):
    dump = tmp_path / "bad.ndjson"
    contact = {"type": "contact", "uid": "c1", "name": "Ann Lee"}
    dump.write_text("\n".join(json.dumps(r) for r in (contact, record)) + "\n")
    result = cli("import", dump, "--strict")
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    assert "line 2" in result.stderr and message in result.stderr, result.stderr
    assert cli.ok("list", "--json").json() == []


def test_erasures_travel_so_an_erased_person_stays_erased(cli, tmp_path):
    cli.ok("add", "Ann Lee", "--email", "ann@example.com")
    cli.ok("add", "Bob Stone")
    cli.ok("forget", "ann", "--yes")
    dump = tmp_path / "all.ndjson"
    cli.ok("export", "all", "-o", dump)
    assert '"type": "erasure"' in dump.read_text() and "ann@example.com" not in dump.read_text()
    copy = tmp_path / "copy.db"
    cli.ok("--db", copy, "import", dump)
    refused = cli("--db", copy, "add", "Ann Lee", "--email", "ann@example.com")
    assert refused.exit_code != 0 and "erased" in refused.stderr


def test_undo_of_an_import_takes_the_owned_rows_too(cli, tmp_path):
    source = tmp_path / "source.db"
    fill_everything(cli, source)
    dump = tmp_path / "all.ndjson"
    cli.ok("--db", source, "export", "all", "-o", dump)
    before = cli.ok("export", "all").json()
    cli.ok("import", dump)
    cli.ok("undo")
    kept = [r for r in cli.ok("export", "all").json() if r["type"] != "digest_send"]  # a delivery log: not audited
    assert kept == before


def test_access_holds_the_same_sections_for_one_person(cli, tmp_path):
    db = tmp_path / "crm.db"
    fill_everything(cli, db)
    report = cli.ok("access", "jonas").json()
    held = report["held"]
    assert [d["title"] for d in held["deal"]] == ["Website relaunch"]
    assert [h["item"].split(":")[0] for h in held["due_hold"]] == ["deal"]
    maria = cli.ok("access", "maria").json()
    assert [o["label"] for o in maria["held"]["occasion"]] == ["birthday"]
    assert [c["purpose"] for c in maria["consent"]] == ["email-marketing"] and "consent" not in maria["held"]
    sam = cli.ok("access", "sam").json()["held"]
    assert len(sam["reminder_completion"]) == 1
    aiko = cli.ok("access", "aiko").json()
    assert aiko["cadence_days"] == 45
    assert "setting" not in held and "score_weight" not in held  # the business's, not the person's


def test_a_segment_export_holds_its_people_s_rows_only(cli, tmp_path):
    db = tmp_path / "crm.db"
    fill_everything(cli, db)
    cli.ok("segment", "save", "clients", "--tag", "client")
    records = cli.ok("export", "all", "--segment", "clients", "--to", "json").json()
    names = {r["name"] for r in records if r["type"] == "contact"}
    uids = {r["uid"] for r in records if r["type"] == "contact"}
    assert names == {"Jonas Weber", "Priya Nair", "Sam O'Brien"}
    assert [r["title"] for r in records if r["type"] == "deal"] == ["Website relaunch", "Brand guidelines, phase 2"]
    assert {r["contact_uid"] for r in records if "contact_uid" in r} <= uids
    assert len([r for r in records if r["type"] == "reminder_completion"]) == 1  # Sam's monthly check
    assert not {"setting", "score_weight", "segment", "tag_cadence"} & {r["type"] for r in records}
