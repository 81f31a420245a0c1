"""vCard import and export; iCalendar export of reminders."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

FIXTURES = Path(__file__).parent / "fixtures"


def contacts(cli, *db):
    return {c["name"]: c for c in cli.ok(*db, "list", "--json").json()}


def test_iphone_vcards(cli):
    result = cli("import", FIXTURES / "iphone.vcf", env={"MINICRM_REGION": "US"})
    assert result.exit_code == 0, result.stderr
    people = contacts(cli)
    ann = people["Ann Lee"]
    assert ann["emails"] == ["ann.lee@leebakes.example", "ann@home.example"]
    assert ann["phones"] == ["+447911123456", "+442079460958"]
    assert ann["org"] == "Lee Bakes" and ann["tags"] == ["friends", "vip"]
    assert ann["birthday"] == "--05-17"  # X-APPLE-OMIT-YEAR
    assert ann["note"] == ("Prefers sourdough, not rye.\nPays by card. A note long enough that the phone folds "
                           "it onto a second line.")  # fmt: skip
    assert ann["fields"] == {"title": "Owner", "address": "12 Mill Lane, London, SE1 9AA, United Kingdom"}
    bob = people["Dr. Bob Stone"]
    assert bob["phones"] == ["+14155550178"] and bob["birthday"] == "1979-07-02"


def test_a_doubtful_phone_is_kept_and_reported_with_its_line(cli):
    result = cli("import", FIXTURES / "iphone.vcf")  # (415) 555-0178 has no country code, and no region is set
    assert result.exit_code == 0
    assert result.stderr.splitlines()[0] == ("Warning: line 24: the phone '(415) 555-0178' is kept as typed, "
                                             "unverified: it has no country code and no region is set "
                                             "(e.g. minicrm config region GB)")  # fmt: skip
    assert contacts(cli)["Dr. Bob Stone"]["phones"] == ["(415) 555-0178"]
    strict = cli("--db", "strict.db", "import", FIXTURES / "iphone.vcf", "--strict")
    assert strict.exit_code == 1
    assert strict.stderr.splitlines()[0].startswith("line 19: '(415) 555-0178' has no country code")


def test_google_and_thunderbird_vcards(cli, tmp_path):
    strict = cli("--db", tmp_path / "strict.db", "import", FIXTURES / "google.vcf", "--strict", "--skip-invalid",
                 "--rejects", tmp_path / "bad.vcf")  # fmt: skip
    assert strict.exit_code == 0
    assert "line 20: 'broken@@example' is not an email address" in strict.stderr
    assert (tmp_path / "bad.vcf").read_text().startswith("BEGIN:VCARD\nVERSION:3.0\nFN:Broken Email\n")
    result = cli("import", FIXTURES / "google.vcf")
    assert result.exit_code == 0
    assert "Warning: line 23: the email 'broken@@example' is kept as typed in the field email: " in result.stderr
    assert contacts(cli)["Broken Email"]["fields"]["email"] == "broken@@example"
    cli.ok("import", FIXTURES / "thunderbird.vcf")
    people = contacts(cli)
    assert people["Café Lumen"]["tags"] == ["wholesale"]
    assert people["Jonas Weber"]["birthday"] == "--05-17"  # BDAY:--0517 (vCard 4.0 without a year)
    priya = people["Priya Nair"]
    assert priya["uid"] == "4fbe8971-0bc3-424c-9c26-36c3e1eff6b1"
    assert priya["phones"] == ["+442079460959", "+447911123457"]  # TEL;VALUE=URI:tel:...
    assert priya["birthday"] == "1988-02-03" and priya["fields"] == {"url": "https://nairdesign.example"}
    assert priya["note"] == "Brand refresh client.\nReferred Jonas."


def test_vcard_round_trip(cli, tmp_path):
    cli.ok("add", "Ann Lee", "--email", "ann@example.com", "--phone", "+44 20 7946 0958", "--org", "Lee, Bakes; Ltd",
           "--tag", "vip", "--tag", "gluten-free", "--birthday", "05-17", "--stage", "purchase",
           "--note", "Line one; with, punctuation\nline two \\ backslash " + "long " * 30, "--field", "size=L")  # fmt: skip
    cli.ok("add", "Bob", "--birthday", "1980-01-02", "--phone", "+44 20 7946 0958 ext. 12", "--phone", "+1 415 555 0100")
    first = cli.ok("export", "contacts", "--to", "vcf").stdout
    assert "TEL:+442079460958 ext. 12" in first
    assert first.count("BEGIN:VCARD") == 2 and "VERSION:3.0" in first
    assert all(len(line) <= 75 for line in first.splitlines())  # folded
    (tmp_path / "a.vcf").write_text(first)
    other = tmp_path / "other.db"
    cli.ok("--db", other, "import", tmp_path / "a.vcf")
    assert cli.ok("--db", other, "export", "contacts", "--to", "vcf").stdout == first
    strip = lambda c: {k: v for k, v in c.items() if k not in ("created_at", "updated_at")}  # noqa: E731
    assert [strip(c) for c in cli.ok("--db", other, "list", "--json").json()] == [
        strip(c) for c in cli.ok("list", "--json").json()]


def test_vcard_is_parsed_by_vobject_as_a_phone_would(cli):
    import vobject

    cli.ok("add", "Ann Lee", "--email", "ann@example.com", "--phone", "+44 20 7946 0958")
    card = vobject.readOne(cli.ok("export", "contacts", "--to", "vcf").stdout)
    assert card.fn.value == "Ann Lee" and card.n.value.family == "Lee" and card.n.value.given == "Ann"
    assert card.tel.value == "+442079460958" and card.email.value == "ann@example.com"


def test_export_vcf_needs_contacts(cli):
    result = cli("export", "reminders", "--to", "vcf")
    assert result.exit_code == 2 and "vCard holds contacts only" in result.stderr


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(junk=st.text(max_size=80), where=st.integers(0, 6), cut=st.booleans())
def test_odd_vcards_never_crash(cli, tmp_path, isolated, junk, where, cut):
    lines = ["BEGIN:VCARD", "VERSION:4.0", "FN:Ann", "EMAIL:ann@example.com", "NOTE:hi", "END:VCARD",
             "BEGIN:VCARD", "FN:Bob", "END:VCARD"]  # fmt: skip
    lines.insert(where, junk)
    if cut:
        lines = lines[:-1]
    source = tmp_path / "odd.vcf"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8", errors="surrogatepass")
    cli.ok("list")

    def count():
        with sqlite3.connect(isolated) as conn:
            n = conn.execute("SELECT count(*) FROM contacts").fetchone()[0]
            assert conn.execute("SELECT count(*) FROM contact_search").fetchone()[0] == n
        return n

    before = count()
    result = cli("import", source, "--on-duplicate", "create")
    assert result.exit_code in (0, 1)
    if result.exit_code == 1:
        assert count() == before and result.stderr.startswith("line ")
    cli.ok("import", source, "--skip-invalid", "--rejects", tmp_path / "r.vcf")


# ------------------------------------------------------------------ iCalendar


def test_ics_export_of_open_reminders(cli, tmp_path):
    import icalendar

    cli.ok("add", "Ann Lee", "--phone", "+44 20 7946 0958", "--email", "ann@example.com")
    cli.ok("remind", "ann", "Birthday cake", "--on", "2026-12-01", "--every", "yearly")
    cli.ok("remind", "ann", "Call back; about \"rye\", too", "--on", "tomorrow 9am", "--every", "every 2 weeks")
    cli.ok("remind", "ann", "One-off", "--on", "yesterday")
    cli.ok("remind", "ann", "Finished", "--on", "today")
    cli.ok("done", "4")
    target = tmp_path / "minicrm.ics"
    cli.ok("export", "reminders", "-o", target)
    raw = target.read_bytes()
    assert b"\r\n" in raw and all(len(line) <= 75 for line in raw.split(b"\r\n"))
    cal = icalendar.Calendar.from_ical(raw)
    events = {str(e["uid"]): e for e in cal.walk("VEVENT")}
    reminders = {r["uid"]: r for r in cli.ok("due", "--week", "--json").json()}
    assert set(reminders) <= set(events) and len(events) == 3  # open ones only
    by_text = {str(e["summary"]): e for e in events.values()}
    cake = by_text["Birthday cake (Ann Lee)"]
    assert cake["dtstart"].dt.isoformat() == "2026-12-01" and cake["dtend"].dt.isoformat() == "2026-12-02"
    assert cake["rrule"]["FREQ"] == ["YEARLY"] and cake["rrule"]["INTERVAL"] == [1]
    call = by_text['Call back; about "rye", too (Ann Lee)']
    assert call["dtstart"].dt.isoformat() == "2026-11-19T09:00:00"  # floating local time
    assert call["dtend"].dt.isoformat() == "2026-11-19T09:15:00"
    assert call["rrule"]["FREQ"] == ["WEEKLY"] and call["rrule"]["INTERVAL"] == [2]
    assert "+442079460958" in str(call["description"])
    assert "rrule" not in by_text["One-off (Ann Lee)"]
    # the same reminders keep their UIDs: a subscribed calendar updates instead of duplicating
    cli.ok("snooze", "3", "--until", "friday")
    again = icalendar.Calendar.from_ical(cli.ok("export", "reminders", "--to", "ics").stdout)
    assert {str(e["uid"]) for e in again.walk("VEVENT")} == set(events)
    moved = {str(e["summary"]): e for e in again.walk("VEVENT")}["One-off (Ann Lee)"]
    assert moved["dtstart"].dt.isoformat() == "2026-11-20"


def test_ics_of_nothing_is_a_valid_empty_calendar(cli):
    import icalendar

    cal = icalendar.Calendar.from_ical(cli.ok("export", "--to", "ics").stdout)
    assert cal["version"] == "2.0" and cal.walk("VEVENT") == []
    assert cli("export", "contacts", "--to", "ics").exit_code == 2


def test_several_files_in_one_transaction(cli, tmp_path, isolated):
    google = tmp_path / "google.csv"
    google.write_bytes((FIXTURES / "google_contacts.csv").read_bytes())
    phone = tmp_path / "phone.vcf"
    phone.write_bytes((FIXTURES / "iphone.vcf").read_bytes())
    result = cli("import", google, phone, "--strict")  # no region: Bob's (415) number on the phone is refused
    assert result.exit_code == 1
    assert result.stderr.splitlines()[:2] == [
        f"{google} line 8: cannot read the birthday '1990-13-45'. Use 1990-05-17, or 05-17 when the year is unknown",
        f"{phone} line 19: '(415) 555-0178' has no country code. Write it as +<country> <number>, "
        "or set MINICRM_REGION (e.g. GB)"]  # fmt: skip
    assert cli.ok("list").stdout == ""
    done = cli.ok("import", google, phone, "--strict", "--skip-invalid")
    assert "contacts: 3 created, 1 skipped; 2 rejected" in done.stderr  # Ann is in both: the vCard is skipped
    assert Path(f"{google}.rejects.csv").read_text().count("\n") == 2
    assert Path(f"{phone}.rejects.vcf").read_text().startswith("BEGIN:VCARD")
    plan = cli("import", google, phone, "--dry-run", "--json")
    assert {a["file"] for a in plan.json()} == {str(google), str(phone)}
    assert cli("import", google, phone, "--rejects", tmp_path / "r.csv").exit_code == 2
