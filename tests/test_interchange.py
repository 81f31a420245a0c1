"""Import and export: round trips, vendor CSV headers, bad rows, duplicates, hostile input."""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import stat
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

FIXTURES = Path(__file__).parent / "fixtures"


def fill(cli):
    """A database with every kind of record, stage history and a recurring reminder."""
    cli.ok("add", "Ann Lee", "--email", "ann@example.com", "--phone", "+44 20 7946 0958", "--org", "Lee Bakes",
           "--tag", "vip", "--birthday", "05-17", "--note", "line one\nline two", "--field", "size=L")  # fmt: skip
    cli.ok("add", "Bob Stone", "--email", "bob@stone.example", "--stage", "consideration",
           "--phone", "+44 20 7946 0958 x12", "--phone", "+1 415 555 0100")  # (an extension has a ; in it)
    cli.ok("stage", "bob", "purchase")
    cli.ok("log", "ann", "order", "two loaves, \"rye\"", "--amount", "12.50", "--at", "yesterday 10:00")
    cli.ok("log", "bob", "call", "--at", "2026-11-02 14:00")
    cli.ok("remind", "ann", "birthday cake", "--on", "2026-12-01", "--every", "yearly")
    cli.ok("remind", "bob", "follow up", "--on", "tomorrow 9am")
    cli.ok("remind", "bob", "old one", "--on", "yesterday")
    cli.ok("done", "3")


def count(db: Path, table: str) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


# ------------------------------------------------------------------ round trips


@pytest.mark.parametrize("fmt", ["json", "ndjson"])
def test_export_import_export_is_identical(cli, tmp_path, fmt):
    fill(cli)
    first = cli.ok("export", "all", "--to", fmt).stdout
    other = tmp_path / "other.db"
    dump = tmp_path / f"dump.{fmt}"
    dump.write_text(first)
    result = cli.ok("--db", other, "import", dump)
    assert "contacts: 2 created; interactions: 2 created; reminders: 3 created" in result.stderr
    assert result.stdout == ""
    assert cli.ok("--db", other, "export", "all", "--to", fmt).stdout == first
    # the copy is a working database: search index, stage history, recurrence
    assert [c["name"] for c in cli.ok("--db", other, "list", "--search", "bakes", "--json").json()] == ["Ann Lee"]
    shown = cli.ok("--db", other, "show", "bob", "--json").json()
    assert [(s["from_stage"], s["to_stage"], s["source"]) for s in shown["stage_history"]] == [
        (None, "consideration", "add"), ("consideration", "purchase", "user")]
    assert cli.ok("--db", other, "done", "1", "--json").json()[0]["due_on"] == "2027-12-01"


def test_records_carry_their_type_and_contact_uid(cli):
    fill(cli)
    lines = [json.loads(line) for line in cli.ok("export", "--to", "ndjson").stdout.splitlines()]
    core = [r for r in lines if r["type"] in ("contact", "interaction", "reminder")]
    assert [r["type"] for r in core] == ["contact"] * 2 + ["interaction"] * 2 + ["reminder"] * 3
    assert lines[:len(core)] == core  # then the other tables: here a completion and the score weights
    assert {r["type"] for r in lines[len(core):]} == {"reminder_completion", "score_weight"}
    contact_uids = {r["id"]: r["uid"] for r in lines if r["type"] == "contact"}
    for record in core[2:]:
        assert record["contact_uid"] == contact_uids[record["contact_id"]]
    assert list(lines[0])[:3] == ["type", "id", "uid"] and "stage_history" in lines[0]


def test_csv_contacts_round_trip(cli, tmp_path):
    fill(cli)
    first = cli.ok("export", "contacts", "--to", "csv").stdout
    assert first.splitlines()[0].startswith("id,uid,name,emails,phones,org,stage,tags,birthday,note,fields")
    (tmp_path / "c.csv").write_text(first)
    other = tmp_path / "other.db"
    cli.ok("--db", other, "import", tmp_path / "c.csv")
    again = cli.ok("--db", other, "export", "contacts", "--to", "csv").stdout
    # last_contact_at comes from interactions, which a contacts CSV does not hold: blank it, then compare
    def table(text):
        rows = list(csv.reader(io.StringIO(text)))
        return [row[:11] + row[12:] for row in rows]

    assert table(again) == table(first) and len(table(first)) == 3


def test_export_to_a_file_is_owner_only_and_format_follows_extension(cli, tmp_path):
    fill(cli)
    target = tmp_path / "backup.ndjson"
    result = cli.ok("export", "-o", target)
    assert result.stdout == ""
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    types = [json.loads(line)["type"] for line in target.read_text().splitlines()]
    assert len([t for t in types if t in ("contact", "interaction", "reminder")]) == 7
    csv_file = tmp_path / "people.csv"
    cli.ok("export", "-o", csv_file)
    assert csv_file.read_text().startswith("id,uid,name")
    assert not list(tmp_path.glob(".*partial"))


def test_export_usage_errors(cli):
    for args, message in [(["export", "all", "--to", "csv"], "one kind of record"),
                          (["export", "people"], "cannot export"),
                          (["export", "--to", "xml"], "not a format")]:  # fmt: skip
        result = cli(*args)
        assert result.exit_code == 2, args
        assert message in result.stderr and result.stdout == ""


def test_empty_exports(cli):
    """An empty database holds only the score weights every database starts with."""
    assert {r["type"] for r in cli.ok("export", "--to", "json").json()} == {"score_weight"}
    assert cli.ok("export", "contacts", "--to", "json").stdout == "[]\n"
    assert cli.ok("export", "reminders", "--to", "ndjson").stdout == ""


def test_import_from_standard_input(cli):
    fill(cli)
    dump = cli.ok("export", "contacts", "--to", "ndjson").stdout
    cli.ok("rm", "ann", "--yes")
    result = cli.ok("import", "-", "--from", "ndjson", input=dump)
    assert "contacts: 1 created, 1 skipped" in result.stderr
    assert cli("import", "-", input=dump).exit_code == 2  # no extension: say the format


# ------------------------------------------------------------------ vendor CSVs


def test_google_contacts_csv(cli):
    result = cli("import", FIXTURES / "google_contacts.csv", "--rejects", "/dev/null")
    assert result.exit_code == 0, result.stderr
    # the broken row's person arrives, the doubtful values kept as typed in fields named after their columns
    assert "Warning: line 8: the birthday '1990-13-45' is kept as typed in the field birthday: " in result.stderr
    assert "Warning: line 8: the email 'not-an-email' is kept as typed in the field e_mail_1_value: " in result.stderr
    broken = cli.ok("show", "broken", "--json").json()
    assert broken["fields"] == {"birthday": "1990-13-45", "e_mail_1_value": "not-an-email"}
    ann = cli.ok("show", "ann", "--json").json()
    assert ann["name"] == "Ann Lee" and ann["org"] == "Lee Bakes"
    assert ann["emails"] == ["ann.lee@leebakes.example", "ann@home.example"]
    assert ann["phones"][0].replace(" ", "") == "+447911123456"
    assert ann["tags"] == ["friends", "vip"]  # myContacts is Google's, not the user's
    assert ann["birthday"] == "1990-05-17" and ann["note"] == "Prefers sourdough.\nPays by card."
    assert ann["fields"]["nickname"] == "Annie"
    assert ann["fields"]["address_1_formatted"] == "12 Mill Lane\nLondon SE1 9AA\nUK"  # its lines kept
    assert "e_mail_1_label" not in ann["fields"]
    assert cli.ok("show", "bob", "--json").json()["birthday"] == "--07-02"
    cafe = cli.ok("show", "lumen", "--json").json()
    assert cafe["name"] == "Café Lumen" and cafe["tags"] == ["wholesale"]  # no person: named after the org


def test_outlook_csv(cli):
    cli.ok("import", FIXTURES / "outlook_contacts.csv")
    jonas = cli.ok("show", "jonas", "--json").json()
    assert jonas["org"] == "Acme GmbH" and jonas["birthday"] == "1984-05-17"
    assert len(jonas["phones"]) == 2 and jonas["tags"] == ["clients", "germany"]
    assert jonas["fields"]["job_title"] == "Purchasing lead"
    assert jonas["fields"]["business_fax"]  # a fax is kept, as a field, not dialled
    assert "anniversary" not in jonas["fields"]  # 0/0/00 is Outlook's empty date
    assert cli.ok("show", "lena", "--json").json()["birthday"] is None


def test_hubspot_csv_maps_lifecycle_stages(cli):
    cli.ok("import", FIXTURES / "hubspot_contacts.csv")
    stages = {c["name"]: c["stage"] for c in cli.ok("list", "--json").json()}
    assert stages == {"Priya Nair": "purchase", "Lena Fischer": "consideration", "Tom Becker": "advocacy"}
    assert cli.ok("show", "priya", "--json").json()["fields"]["record_id"] == "101"


def test_map_overrides_and_extra_columns_become_fields(cli, tmp_path):
    source = tmp_path / "x.csv"
    source.write_text("Kunde,Handy,Firma,Lieblingsbrot,Intern\nAnn Lee,+44 7911 123456,Lee Bakes,Rye,x\n")
    cli.ok("import", source, "--map", "Kunde=name", "--map", "Handy=phone", "--map", "firma=org",
           "--map", "Intern=ignore")  # fmt: skip
    ann = cli.ok("show", "ann", "--json").json()
    assert ann["org"] == "Lee Bakes" and ann["fields"] == {"lieblingsbrot": "Rye"} and len(ann["phones"]) == 1
    bad = cli("import", source, "--map", "Nope=name")
    assert bad.exit_code == 2 and "does not have" in bad.stderr


# ------------------------------------------------------------------ bad rows, dry runs, duplicates


def bad_csv(tmp_path: Path) -> Path:
    source = tmp_path / "in.csv"
    source.write_text("name,email,birthday\nAnn,ann@example.com,\nBob,not-an-email,\n,,\nCy,cy@example.com,31 Feb\n"
                      '"Dee","dee@example.com",,extra\n')  # fmt: skip
    return source


def test_strict_a_bad_row_fails_the_whole_import_and_names_every_line(cli, tmp_path, isolated):
    cli.ok("add", "Zed")
    result = cli("import", bad_csv(tmp_path), "--strict")
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0].startswith("line 3: 'not-an-email' is not an email address")
    assert lines[1].startswith("line 5: ") and "birthday" in lines[1]
    assert lines[2].startswith("Warning: line 6: 4 cells but the header has 3 columns; the cells past the header")
    assert lines[-1] == "Error: 2 invalid records; nothing was imported. Fix them, or add --skip-invalid to import the others"
    assert count(isolated, "contacts") == 1 and count(isolated, "contact_search") == 1


def test_by_default_every_person_arrives_and_doubts_are_warnings(cli, tmp_path):
    source = bad_csv(tmp_path)
    result = cli.ok("import", source)
    assert result.stderr.splitlines() == [
        "Warning: line 3: the email 'not-an-email' is kept as typed in the field email: "
        "not an email address (An email address must have an @-sign)",
        "Warning: line 5: the birthday '31 Feb' is kept as typed in the field birthday: "
        "cannot read the birthday '31 Feb'",
        "Warning: line 6: 4 cells but the header has 3 columns; the cells past the header are kept as column_4 "
        "(an email address there is read as one)",
        "Imported: contacts: 4 created; 3 warnings.",
    ]
    assert not Path(f"{source}.rejects.csv").exists()
    bob = cli.ok("show", "bob", "--json").json()
    assert bob["emails"] == [] and bob["fields"] == {"email": "not-an-email"}


def test_strict_skip_invalid_imports_the_rest_and_writes_a_reject_file(cli, tmp_path):
    source = bad_csv(tmp_path)
    result = cli.ok("import", source, "--strict", "--skip-invalid")
    assert "Imported: contacts: 2 created; 2 rejected; 1 warning." in result.stderr
    rejects = Path(f"{source}.rejects.csv")
    text = rejects.read_text()
    assert stat.S_IMODE(os.stat(rejects).st_mode) == 0o600
    assert text.splitlines()[0] == "name,email,birthday,minicrm_error"
    assert "Bob,not-an-email,,line 3:" in text and len(text.splitlines()) == 3
    # the reject file, fixed, imports as it is (the error column is ignored)
    rejects.write_text("name,email,birthday,minicrm_error\nBob,bob@example.com,,line 3: whatever\n")
    cli.ok("import", rejects)
    assert [c["name"] for c in cli.ok("list", "--json").json()] == ["Ann", "Bob", "Dee"]
    assert cli.ok("list", "--search", "whatever").stdout == ""


def test_dry_run_changes_nothing(cli, tmp_path, isolated):
    cli.ok("add", "Ann", "--email", "ann@example.com")
    source = tmp_path / "in.csv"
    source.write_text("name,email\nAnnie,ANN@example.com\nBob,bob@example.com\nBad,x\n")
    result = cli("import", source, "--dry-run", "--strict")
    assert result.exit_code == 1  # a real run would fail on line 4
    assert result.rows() == [["2", "skip", "contact", "", "Annie", "same email ann@example.com as contact 1", ""],
                             ["3", "create", "contact", result.rows()[1][3], "Bob", "", ""],
                             ["4", "reject", "contact", "", "", "'x' is not an email address (An email address must have an @-sign). Use the form name@example.com", ""]]  # fmt: skip
    assert "Dry run, nothing changed" in result.stderr
    assert count(isolated, "contacts") == 1
    assert cli("import", source, "--dry-run", "--strict", "--skip-invalid").exit_code == 0
    lenient = cli("import", source, "--dry-run")
    assert lenient.exit_code == 0 and lenient.rows()[2][1] == "create"  # Bad arrives, its "x" in a field
    assert "Warning: line 4: the email 'x' is kept as typed in the field email" in lenient.stderr


def test_on_duplicate(cli, tmp_path):
    cli.ok("add", "Ann", "--email", "ann@example.com", "--tag", "old")
    source = tmp_path / "in.csv"
    source.write_text("name,email,phone,tags,org\nAnn Lee,ann@example.com,+44 7911 123456,new,Lee Bakes\n")
    assert "1 skipped" in cli.ok("import", source).stderr
    assert cli.ok("show", "1", "--json").json()["org"] is None
    assert "1 updated" in cli.ok("import", source, "--on-duplicate", "update").stderr
    ann = cli.ok("show", "1", "--json").json()
    assert (ann["name"], ann["org"], ann["tags"], len(ann["phones"])) == ("Ann Lee", "Lee Bakes", ["old", "new"], 1)
    source.write_text("email,notes\nann@example.com,met again\n")  # no name: the name is kept
    cli.ok("import", source, "--on-duplicate", "update")
    assert cli.ok("show", "1", "--json").json()["name"] == "Ann Lee"
    # same phone (normalised) is a duplicate too
    source.write_text("name,phone\nAnnie,0044 (0)7911-123456\n")
    assert "1 skipped" in cli.ok("import", source).stderr
    assert "1 created" in cli.ok("import", source, "--on-duplicate", "create").stderr
    assert len(cli.ok("list", "--json").json()) == 2
    assert cli("import", source, "--on-duplicate", "merge").exit_code == 2


def test_duplicates_within_one_file(cli, tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("name,email\nAnn,ann@example.com\nAnn again,ANN@example.com\n")
    assert "1 created, 1 skipped" in cli.ok("import", source).stderr


def test_interactions_need_a_known_contact(cli, tmp_path, isolated):
    source = tmp_path / "x.ndjson"
    source.write_text('{"type": "interaction", "contact_uid": "nope", "kind": "call", "at": "2026-11-01T10:00:00Z"}\n'
                      "not json\n\n[1]\n")  # fmt: skip
    result = cli("import", source, "--strict")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[:3] == [
        "line 1: no contact has the uid nope. Import the contact first (export all keeps the order)",
        "line 2: not valid JSON (Expecting value: line 1 column 1 (char 0))", "line 4: not a JSON object but a list"]


# ------------------------------------------------------------------ hostile input


def check_all_or_nothing(cli, isolated, source, *extra):
    cli.ok("list")  # the database exists before the import
    before = count(isolated, "contacts")
    result = cli("import", source, *extra)
    assert result.exit_code in (0, 1), result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    after = count(isolated, "contacts")
    if result.exit_code == 1:
        assert after == before
    assert count(isolated, "contact_search") == after
    return result


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.binary(max_size=400))
def test_random_bytes_as_csv_never_crash(cli, tmp_path, isolated, body):
    source = tmp_path / "junk.csv"
    source.write_bytes(b"name,email,phone,notes,tags\n" + body)
    check_all_or_nothing(cli, isolated, source)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.binary(max_size=300))
def test_random_bytes_as_ndjson_and_json_never_crash(cli, tmp_path, isolated, body):
    for suffix in ("ndjson", "json"):
        source = tmp_path / f"junk.{suffix}"
        source.write_bytes(body)
        check_all_or_nothing(cli, isolated, source)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(st.text(max_size=30), min_size=1, max_size=6), max_size=6))
def test_odd_csv_cells_never_crash(cli, tmp_path, isolated, rows):
    import csv
    import io

    out = io.StringIO()
    csv.writer(out).writerows([["name", "email", "phone", "birthday", "tags", "x"], *rows])
    source = tmp_path / "odd.csv"
    source.write_text(out.getvalue(), encoding="utf-8", errors="surrogatepass")
    check_all_or_nothing(cli, isolated, source, "--skip-invalid", "--rejects", tmp_path / "r.csv")


def test_invalid_utf8_is_a_rejected_row_not_a_crash(cli, tmp_path, isolated):
    source = tmp_path / "latin.csv"
    source.write_bytes("name,org\nAnn,Lee\nJos\xe9,Caf\xe9\n".encode("latin-1"))
    result = check_all_or_nothing(cli, isolated, source)
    assert result.exit_code == 0  # read as Windows-1252, with a hint
    assert result.stderr.splitlines()[0] == (
        "Warning: line 3: the file is not UTF-8: its undecodable bytes are read as Windows-1252 (cp1252); "
        "if accents look wrong, import again with --encoding (e.g. latin-1, cp1250, mac-roman)")
    assert cli.ok("show", "josé", "--json").json()["org"] == "Café"
    other = tmp_path / "other.db"
    cli.ok("--db", other, "import", source, "--encoding", "cp1252")
    assert cli.ok("--db", other, "show", "josé", "--json").json()["org"] == "Café"


def test_huge_fields_are_rejected_with_a_reason(cli, tmp_path, isolated):
    source = tmp_path / "big.csv"
    source.write_text("name,notes,job\nAnn," + "x" * 200_000 + ",ok\nBob,fine," + "y" * 300 + "\nCy,,\n")
    result = check_all_or_nothing(cli, isolated, source, "--strict")
    assert result.stderr.splitlines()[0] == "line 2: the note is 200000 characters long. Keep it to 100000"
    result = check_all_or_nothing(cli, isolated, tmp_path / "big.csv")  # a long field is kept; a huge note is not
    assert result.exit_code == 0 and count(isolated, "contacts") == 2
    assert cli.ok("show", "bob", "--json").json()["fields"]["job"] == "y" * 300
    assert "line 2: the note is 200000 characters long" in result.stderr


def test_lone_surrogates_in_json_are_refused(cli, tmp_path, isolated):
    source = tmp_path / "s.json"
    source.write_text('[{"name": "Ann \\ud800"}, {"name": "Bob"}]')
    result = check_all_or_nothing(cli, isolated, source, "--strict")
    assert result.exit_code == 1 and result.stderr.startswith("record 1: ")


def test_a_large_import_shows_progress_on_a_terminal_only(cli, tmp_path):
    source = tmp_path / "big.csv"
    source.write_text("name,notes\n" + "".join(f"Person {n},{'x' * 120}\n" for n in range(9000)))
    assert source.stat().st_size > 1_000_000
    shown = cli.ok("import", source, tty=True)
    assert "Importing big.csv" in shown.stderr and "Imported: contacts: 9000 created." in shown.stderr
    piped = cli.ok("import", source)
    assert "Importing" not in piped.stderr and "9000 skipped" not in piped.stderr  # (no emails: all created again)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)
KEYS = ["type", "uid", "name", "emails", "phones", "org", "stage", "tags", "birthday", "note", "fields",
        "created_at", "stage_history", "contact_uid", "kind", "at", "text", "amount", "due_on", "due_time",
        "rule", "status", "snoozed", "done_at", "anchor_on", "scheduled_on"]  # fmt: skip
records = st.dictionaries(st.sampled_from(KEYS), json_values | st.sampled_from(
    ["contact", "interaction", "reminder", "c1", "Ann", "2026-11-01", "2026-11-01T10:00:00Z", "call", "weekly"]),
    max_size=8)  # fmt: skip


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(items=st.lists(records, max_size=5))
def test_any_json_shape_is_imported_or_refused_cleanly(cli, tmp_path, isolated, items):
    source = tmp_path / "fuzz.ndjson"
    source.write_text("".join(json.dumps(item) + "\n" for item in [{"type": "contact", "name": "Anchor",
                                                                    "uid": "c1"}, *items]))  # fmt: skip
    check_all_or_nothing(cli, isolated, source, "--on-duplicate", "create")


def test_excel_style_csv_with_bom_and_crlf(cli, tmp_path):
    source = tmp_path / "excel.csv"
    source.write_bytes(b"\xef\xbb\xbfName,E-mail Address\r\nAnn Lee,ann@example.com\r\n")
    cli.ok("import", source)
    assert cli.ok("show", "ann", "--json").json()["emails"] == ["ann@example.com"]


# ------------------------------------------------------------------ the library, without the CLI


def test_readers_take_a_stream():
    from minicrm import interchange

    report = interchange.ImportReport()
    stream = io.StringIO("Name,E-mail 1 - Value,Group Membership,Job Title\n"
                         "Ann Lee,ann@example.com ::: ann@home.example,* myContacts ::: VIP,Baker\n"
                         "\n" "Bob,bob@example.com,,,extra\n")  # fmt: skip
    records = list(interchange.read(stream, "csv", report))
    assert records[0] == (2, {"type": "contact", "name": "Ann Lee", "emails": ["ann@example.com", "ann@home.example"],
                              "phones": [], "tags": ["vip"], "fields": {"job_title": "Baker"},
                              "_origin": {"emails": [(2, "E-mail 1 - Value")] * 2, "phones": []}, "_warnings": []},
                          ["Ann Lee", "ann@example.com ::: ann@home.example", "* myContacts ::: VIP", "Baker"])  # fmt: skip
    assert report.headers[None][0] == "Name"
    line, ragged, _ = records[1]  # more cells than the header: kept, with a warning
    assert line == 4 and ragged["fields"] == {"column_5": "extra"} and ragged["_warnings"][0][0] == 4
    ndjson = list(interchange.read(io.StringIO('{"name": "Bob"}\n\n[1]\n'), "ndjson"))
    assert [(n, r if isinstance(r, dict) else str(r)) for n, r, _ in ndjson] == [(1, {"name": "Bob"}),
                                                                                 (3, "not a JSON object but a list")]
    vcard = "BEGIN:VCARD\nVERSION:3.0\nFN:Cleo Park\nEMAIL:cleo@example.com\nEND:VCARD\n"
    [(line, raw, text)] = interchange.read(io.StringIO(vcard), "vcf")
    assert (line, raw["name"], raw["emails"], text) == (1, "Cleo Park", ["cleo@example.com"], vcard)


def test_read_files_chains_binary_streams_in_an_encoding():
    from minicrm import interchange

    report = interchange.ImportReport()
    streams = [io.BytesIO("name,org\nJosé,Café\n".encode("cp1252")), io.BytesIO(b'[{"name": "Bob"}]')]
    records = interchange.read_files(["a.csv", "b.json"], ["csv", "json"], streams, report, codec="cp1252")
    seen = [(report.current_file, line, raw["name"]) for line, raw, _ in records]
    assert seen == [("a.csv", 2, "José"), ("b.json", 1, "Bob")]
    assert report.headers == {"a.csv": ["name", "org"]}


def test_plan_import_checks_the_arguments_before_any_file_is_read():
    from minicrm import interchange
    from minicrm.errors import UsageError

    plan = interchange.plan_import(["a.csv", "b.CSV"], mapping=["Mobile=phone"], encoding="UTF8")
    assert (plan.formats, plan.overrides, plan.codec) == (("csv", "csv"), {"Mobile": "phone"}, "utf-8-sig")
    assert interchange.plan_import(["-", "c.vcf"], fmt="vcf").formats == ("vcf", "vcf")
    for files, options, message in [(["-", "-"], {}, "standard input"), (["a.txt"], {}, "cannot tell the format"),
                                    (["a.csv"], {"encoding": "klingon"}, "not a text encoding"),
                                    (["a.csv"], {"on_duplicate": "merge"}, "not an action"),
                                    (["a.vcf"], {"mapping": ["Mobile=phone"]}, "CSV files only"),
                                    (["a.csv", "b.csv"], {"rejects": Path("r.csv")}, "one reject file")]:  # fmt: skip
        with pytest.raises(UsageError, match=message):
            interchange.plan_import(files, **options)


def test_the_reject_writer_keeps_each_format(tmp_path):
    from minicrm import interchange

    report = interchange.ImportReport(rejects=[interchange.Reject(3, "bad email", ["Bob", "x"]),
                                               interchange.Reject(4, "too short", ["Cy"])])  # fmt: skip
    out = io.StringIO()
    interchange.write_rejects(out, "csv", report.rejects, report, header=["name", "email"])
    assert out.getvalue() == "name,email,minicrm_error\nBob,x,line 3: bad email\nCy,,line 4: too short\n"
    rejects = [interchange.Reject(2, "no contact", {"type": "interaction"}), interchange.Reject(5, "odd", "not json")]
    out = io.StringIO()
    interchange.write_rejects(out, "ndjson", rejects, report)
    assert out.getvalue() == '{"type": "interaction", "minicrm_error": "line 2: no contact"}\nnot json\n'
    path = tmp_path / "in.csv.rejects.csv"
    assert interchange.reject_path(str(tmp_path / "in.csv"), "csv") == path
    assert interchange.reject_path("-", "vcf") == Path("minicrm-rejects.vcf")
    report.headers[None] = ["name", "email"]
    written = interchange.write_reject_files([str(tmp_path / "in.csv")], ["csv"], report, "utf-8-sig")
    assert written == [(str(tmp_path / "in.csv"), path, 2)]
    assert path.read_text().splitlines()[1] == "Bob,x,line 3: bad email"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_import_and_the_commands_refuse_the_same_interaction_or_reminder_alike(cli, tmp_path):
    """The importer checks an interaction with activity.validate and a reminder with
    reminders.validate, the calls log and remind make: the same reason, word for word."""
    cli.ok("add", "Ann")
    uid = cli.ok("show", "ann", "--json").json()["uid"]
    cases = [
        (["log", "ann", "dance"], {"type": "interaction", "kind": "dance"}),
        (["log", "ann", "call", "bell \x07 rang"], {"type": "interaction", "kind": "call", "text": "bell \x07 rang"}),
        (["log", "ann", "order", "--amount", "1.234"], {"type": "interaction", "kind": "order", "amount": "1.234"}),
        (["remind", "ann", "x" * 1001, "--on", "tomorrow"], {"type": "reminder", "text": "x" * 1001}),
        (["remind", "ann", "call", "--on", "tomorrow", "--every", "fortnightish"],
         {"type": "reminder", "text": "call", "rule": "fortnightish"}),
        (["remind", "ann", "tab\there", "--on", "tomorrow"], {"type": "reminder", "text": "tab\there"}),
    ]  # fmt: skip
    source = tmp_path / "bad.ndjson"
    for command, record in cases:
        said = cli(*command)
        assert said.exit_code in (1, 2) and said.stderr.startswith("Error: "), (command, said.stderr)
        record = {"contact_uid": uid, "at": "2026-11-01T10:00:00Z", "due_on": "2026-12-01", **record}
        source.write_text(json.dumps(record) + "\n")
        imported = cli("import", source, "--strict")
        assert imported.exit_code == 1
        assert imported.stderr.splitlines()[0] == "line 1: " + said.stderr.splitlines()[0].removeprefix("Error: ")


def test_validate_keeps_what_import_does_differently_as_parameters(now):
    from datetime import date, time, timedelta

    from minicrm.errors import InvalidValue
    from minicrm.services import activity, reminders

    later = now + timedelta(days=3)
    assert activity.validate(now, "call", at=later)["at"] == later  # a file's instant is taken as it is
    with pytest.raises(InvalidValue, match="in the future"):
        activity.validate(now, "call", at="in 3 days")  # a typed WHEN is what has happened
    assert activity.validate(now, "ord", "  two loaves ", amount="9.5") == dict(
        kind="order", text="two loaves", at=now, amount=activity.parse_amount("9.50"))
    day = date(2026, 12, 1)
    assert reminders.validate(now, "cake", day, due_time=time(9), every="yearly", status="done") == dict(
        text="cake", due_on=day, due_time=time(9), rule="yearly", status="done")
    assert reminders.validate(now, "cake", "2026-12-01 9am")["due_time"] == time(9)
    with pytest.raises(InvalidValue, match="reminder status"):
        reminders.validate(now, "cake", day, status="later")


def _derived(db) -> dict[str, list[tuple]]:
    conn = sqlite3.connect(db)
    try:
        return {
            "contacts": conn.execute("SELECT id, last_contact_at, touch_days, next_touch_at FROM contacts"
                                     " ORDER BY id").fetchall(),  # fmt: skip
            "customer_stats": conn.execute("SELECT * FROM customer_stats ORDER BY contact_id").fetchall(),
            "fts": conn.execute("SELECT rowid FROM interactions_fts WHERE interactions_fts MATCH 'order OR call'"
                                " ORDER BY rowid").fetchall(),  # fmt: skip
            "triggers": conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"
                                     " ORDER BY name").fetchall(),  # fmt: skip
        }
    finally:
        conn.close()


def test_a_bulk_import_keeps_derived_data_as_the_row_triggers_would(cli, isolated, tmp_path, monkeypatch):
    """Interactions imported in bulk bring last contact, next touch, customer stats and the search
    index up to date once per batch: the result must be the one the row-by-row triggers give."""
    from minicrm.store import activity

    cli.ok("add", "Old", "--tag", "vip")
    cli.ok("cadence", "--tag", "vip", "30d")
    for day in ("2026-01-05", "2026-02-04", "2026-03-06"):  # a regular customer: a reorder date
        cli.ok("log", "old", "order", "an order", "--amount", "10", "--at", day)
    cli.ok("add", "Late", "--tag", "vip")
    cli.ok("log", "late", "call", "latest call", "--at", "2026-11-10")
    old_uid = cli.ok("show", "old", "--json").json()["uid"]
    late_uid = cli.ok("show", "late", "--json").json()["uid"]
    lines = [json.dumps({"type": "contact", "uid": f"c{n}", "name": f"Person {n}"}) for n in range(30)]
    for n in range(600):
        owner = (old_uid, late_uid)[n % 2] if n % 7 == 0 else f"c{n % 30}"
        kind = "call" if n % 7 == 0 or n % 3 == 0 else "order"  # the old customer only gets calls: later ones
        kind = "refund" if kind == "order" and n % 11 == 5 else kind  # refunds count too
        day = f"2026-{1 + n % 10:02d}-{1 + n % 27:02d}T{8 + n % 9:02d}:00:00Z"
        record = {"type": "interaction", "contact_uid": owner, "kind": kind, "at": day, "text": f"{kind} {n}"}
        if (kind == "order" and n % 5) or kind == "refund":
            record["amount"] = f"{n}.50" if kind == "order" else "1.25"
        lines.append(json.dumps(record))
    source = tmp_path / "many.ndjson"
    source.write_text("\n".join(lines) + "\n")
    sqlite3.connect(isolated).execute("PRAGMA wal_checkpoint(TRUNCATE)").close()
    copy = tmp_path / "copy.db"
    copy.write_bytes(isolated.read_bytes())

    cli.ok("import", str(source))  # batches above BULK_MIN: without the row triggers
    monkeypatch.setattr(activity, "BULK_MIN", 10**9)
    cli.ok("import", str(source), env={"MINICRM_DB": str(copy)})  # through the triggers
    bulk = _derived(isolated)
    assert bulk == _derived(copy)
    assert bulk["customer_stats"] and bulk["fts"] and bulk["contacts"][0][3]


# ------------------------------------------------------------------ CSV read faithfully


@pytest.mark.parametrize("header, row", [
    # Outlook in German (Windows-1252, semicolons, as Excel saves it in Germany)
    ("Vorname;Nachname;Firma;E-Mail-Adresse;E-Mail: Angezeigter Name;Mobiltelefon;Geburtstag;Notizen;Position",
     "Jörg;Müller;Bäckerei Müller;joerg@example.de;Jörg Müller (joerg@example.de);+49 171 9394461;17.5.1980;Roggen, kein Weizen;Inhaber"),
    # French
    ("Prénom;Nom;Société;Adresse de messagerie;Téléphone mobile;Anniversaire;Notes;Titre",
     "Jörg;Müller;Bäckerei Müller;joerg@example.de;+49 171 9394461;1980-05-17;Roggen, kein Weizen;Inhaber"),
    # Spanish, tab-separated
    ("Nombre\tApellidos\tCompañía\tDirección de correo electrónico\tTeléfono móvil\tCumpleaños\tNotas\tPuesto",
     "Jörg\tMüller\tBäckerei Müller\tjoerg@example.de\t+49 171 9394461\t1980-05-17\tRoggen, kein Weizen\tInhaber"),
    # Dutch
    ("Voornaam,Achternaam,Bedrijf,E-mailadres,Mobiele telefoon,Verjaardag,Notities,Functie",
     'Jörg,Müller,Bäckerei Müller,joerg@example.de,+49 171 9394461,1980-05-17,"Roggen, kein Weizen",Inhaber'),
    # another CRM's column names
    ("n_given,n_family,org_name,email,tel_cell,bday,note,title",
     'Jörg,Müller,Bäckerei Müller,joerg@example.de,+49 171 9394461,1980-05-17,"Roggen, kein Weizen",Inhaber'),
])  # fmt: skip
def test_localised_headers_and_delimiters(cli, tmp_path, header, row):
    source = tmp_path / "in.csv"
    source.write_bytes(f"{header}\r\n{row}\r\n".encode("cp1252"))
    result = cli.ok("import", source)
    assert result.stderr.endswith("Imported: contacts: 1 created; 1 warning.\n")  # the one hint: not UTF-8
    joerg = cli.ok("show", "müller", "--json").json()
    assert (joerg["name"], joerg["org"], joerg["emails"], joerg["phones"]) == (
        "Jörg Müller", "Bäckerei Müller", ["joerg@example.de"], ["+491719394461"])
    assert joerg["note"] == "Roggen, kein Weizen" and joerg["birthday"] == "1980-05-17"
    assert "Inhaber" in joerg["fields"].values()  # the job title, under its column's name
    assert set(joerg["fields"].values()) <= {"Inhaber", "Jörg Müller (joerg@example.de)"}  # Outlook's display name


def test_utf16_csv_with_a_byte_order_mark(cli, tmp_path):
    source = tmp_path / "in.csv"
    source.write_bytes("First Name\tLast Name\tE-mail Address\nZoë\tÜnal\tzoe@example.com\n".encode("utf-16"))
    assert cli.ok("import", source).stderr == "Imported: contacts: 1 created.\n"
    assert cli.ok("show", "zoe@example.com", "--json").json()["name"] == "Zoë Ünal"


def test_someone_elses_columns_are_custom_fields(cli, tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("First Name,Last Name,Email,Phone,Mum's first name,Last Name,Mum-email,Mum-phone\n"
                      "Susie,Jones,susie@example.com,+61 2 9374 4000,Ann,Smith,mum@example.com,+61 2 9374 4001\n")  # fmt: skip
    cli.ok("import", source)
    susie = cli.ok("show", "susie", "--json").json()
    assert (susie["name"], susie["emails"], susie["phones"]) == ("Susie Jones", ["susie@example.com"], ["+61293744000"])
    assert susie["fields"] == {"mum_s_first_name": "Ann", "last_name": "Smith", "mum_email": "mum@example.com",
                               "mum_phone": "+61 2 9374 4001"}  # fmt: skip


@settings(max_examples=40, deadline=None)
@given(cells=st.lists(st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=12), min_size=2, max_size=5),
       delimiter=st.sampled_from([",", ";", "\t"]))  # fmt: skip
def test_any_row_reads_back_in_any_delimiter(cells, delimiter):
    from minicrm import interchange

    headers = [f"col{i}" for i in range(len(cells))]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(headers)
    writer.writerow(cells)
    [(line, raw, read_cells)] = list(interchange.read(io.StringIO(out.getvalue()), "csv")) or [(2, None, cells)]
    if any(c.strip() for c in cells):
        assert read_cells == cells


# ------------------------------------------------------------------ spreadsheet formulas

FORMULAS = ['=HYPERLINK("http://x","click")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=1+1", "'=already"]


def test_csv_export_guards_formulas_and_import_undoes_it(cli, tmp_path):
    import csv

    for i, text in enumerate(FORMULAS):
        phone = ["--phone", "+44 20 7946 0958"] if i == 0 else []
        cli.ok("add", f"Person {i}", "--org", text, "--note", text, *phone)
    cli.ok("add", "Plain", "--org", "-", "--note", "'just a quote", "--field", "balance=-12.50")
    out = tmp_path / "contacts.csv"
    cli.ok("export", "contacts", "--to", "csv", "-o", str(out))
    rows = list(csv.DictReader(out.open(newline="")))
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value
    assert rows[0]["org"] == "'" + FORMULAS[0]
    assert rows[0]["phones"].startswith("'+44")
    assert rows[5]["org"] == "''=already"
    assert rows[6]["note"] == "'just a quote"

    raw = tmp_path / "raw.csv"
    cli.ok("export", "contacts", "--to", "csv", "--raw", "-o", str(raw))
    assert list(csv.DictReader(raw.open(newline="")))[0]["org"] == FORMULAS[0]

    before = cli.ok("list", "--json").json()
    copy = tmp_path / "copy.db"
    cli.ok("--db", str(copy), "import", str(out))
    after = cli.ok("--db", str(copy), "list", "--json").json()
    keys = ("name", "org", "note", "phones", "fields")
    assert [{k: c[k] for k in keys} for c in after] == [{k: c[k] for k in keys} for c in before]


def test_json_exports_escape_what_json_output_escapes(cli, tmp_path):
    note = "a\u2028b\u2029c"  # (C1 controls are refused on input; the same escape covers them)
    cli.ok("add", "Ann", "--note", note)
    shown = cli.ok("show", "ann", "--json").stdout
    for fmt in ("json", "ndjson"):
        out = tmp_path / f"all.{fmt}"
        cli.ok("export", "all", "--to", fmt, "-o", str(out))
        text = out.read_text()
        for char in "\u2028\u2029":
            assert char not in text and char not in shown
            assert f"\\u{ord(char):04x}" in text and f"\\u{ord(char):04x}" in shown
        copy = tmp_path / f"{fmt}.db"
        cli.ok("--db", str(copy), "import", str(out))
        assert cli.ok("--db", str(copy), "show", "ann", "--json").json()["note"] == note
def test_an_update_keeps_an_address_of_several_lines(cli, tmp_path):
    cli.ok("add", "Ann Lee", "--email", "ann@example.com")
    source = tmp_path / "in.csv"
    source.write_text('name,email,address\nAnn Lee,ann@example.com,"12 Mill Lane\nLondon SE1 9AA"\n')
    result = cli.ok("import", source, "--on-duplicate", "update")
    assert "1 updated" in result.stderr
    assert cli.ok("show", "ann", "--json").json()["fields"] == {"address": "12 Mill Lane\nLondon SE1 9AA"}


def test_a_long_list_of_warnings_is_cut_and_kept_whole_in_a_file_beside_the_source(cli, tmp_path):
    source = tmp_path / "many.csv"
    source.write_text("name,email\n" + "".join(f"Person {n},not-an-email-{n}\n" for n in range(1, 31)))
    result = cli("import", source)
    assert result.exit_code == 0
    lines = result.stderr.splitlines()
    assert len(lines) == 22  # 20 warnings, where the rest are, the summary
    assert lines[0].startswith("Warning: line 2: the email 'not-an-email-1' is kept as typed")
    assert lines[19].startswith("Warning: line 21: ")
    kept = tmp_path / "many.csv.warnings.txt"
    assert lines[20] == f"… and 10 more: all 30 are in {kept}."
    assert lines[21] == "Imported: contacts: 30 created; 30 warnings."
    whole = kept.read_text().splitlines()
    assert len(whole) == 30 and whole[:20] == lines[:20] and whole[-1].startswith("Warning: line 31: ")
    assert kept.stat().st_mode & 0o777 == 0o600
    assert len(cli.ok("list", "--json").json()) == 30  # nobody dropped


def test_a_few_warnings_are_all_printed_and_no_file_is_written(cli, tmp_path):
    source = tmp_path / "few.csv"
    source.write_text("name,email\nAnn,nope\n")
    assert cli("import", source).stderr.count("Warning:") == 1
    assert not (tmp_path / "few.csv.warnings.txt").exists()


def test_the_whole_list_goes_where_warnings_says_and_a_file_that_cannot_be_written_is_only_said(cli, tmp_path):
    source = tmp_path / "many.csv"
    source.write_text("name,email\n" + "".join(f"Person {n},bad-{n}\n" for n in range(25)))
    chosen = tmp_path / "all-warnings.txt"
    result = cli.ok("import", source, "--warnings", chosen)
    assert f"… and 5 more: all 25 are in {chosen}." in result.stderr and len(chosen.read_text().splitlines()) == 25
    result = cli("import", source, "--on-duplicate", "create", "--warnings", tmp_path / "no" / "such" / "dir.txt")
    assert result.exit_code == 0 and "which could not be written to" in result.stderr  # the import itself is done
    assert len(cli.ok("list", "--json").json()) == 50
