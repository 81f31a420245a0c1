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


def test_a_doubtful_phone_is_kept_and_reported_with_its_line(cli, tmp_path):
    result = cli("import", FIXTURES / "iphone.vcf")  # (415) 555-0178 has no country code, and no region is set
    assert result.exit_code == 0
    assert result.stderr.splitlines()[0] == ("Warning: line 24: the phone '(415) 555-0178' is kept as typed, "
                                             "unverified: it has no country code and no region is set "
                                             "(e.g. minicrm config region GB)")  # fmt: skip
    assert contacts(cli)["Dr. Bob Stone"]["phones"] == ["(415) 555-0178"]
    strict = cli("--db", tmp_path / "strict.db", "import", FIXTURES / "iphone.vcf", "--strict")
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


# ------------------------------------------------------------------ reading vCards faithfully


def import_text(cli, tmp_path, text: str | bytes, *args: str, name: str = "in.vcf"):
    source = tmp_path / name
    source.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return cli("import", source, *args)


def test_commas_and_semicolons_in_text_are_kept(cli, tmp_path):
    card = ("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Mr. John Richter\\, James Doe Sr.\r\n"
            "N:Doe;John;Richter\\,James;Mr.;Sr.\r\nNOTE:Call after 5pm\\, not before\\; ask for Ann\\nthen hang up\r\n"
            "TITLE:Head of Sales, EMEA\r\nORG:Acme\\, Inc.;Sales\r\n"
            "ADR;TYPE=work:;;12 Mill Lane\\nUnit 4;London;;SE1 9AA;United Kingdom\r\nEND:VCARD\r\n")  # fmt: skip
    result = import_text(cli, tmp_path, card)
    assert result.exit_code == 0 and result.stderr == "Imported: contacts: 1 created.\n"
    [john] = cli.ok("list", "--json").json()
    assert john["name"] == "Mr. John Richter, James Doe Sr."
    assert john["note"] == "Call after 5pm, not before; ask for Ann\nthen hang up"
    assert john["org"] == "Acme, Inc."
    assert john["fields"]["title"] == "Head of Sales, EMEA" and john["fields"]["department"] == "Sales"
    assert john["fields"]["address"] == "12 Mill Lane\nUnit 4, London, SE1 9AA, United Kingdom"  # its lines kept
    # the structured name goes out as it came in
    out = cli.ok("export", "contacts", "--to", "vcf").stdout
    assert "\nN:Doe;John;Richter\\,James;Mr.;Sr.\n" in out and "FN:Mr. John Richter\\, James Doe Sr." in out


def test_a_renamed_contact_goes_out_under_the_new_name(cli, tmp_path):
    card = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Mr. John Richter\\, James Doe Sr.\r\nN:Doe;John;Richter\\,James;Mr.;Sr.\r\nEND:VCARD\r\n"
    assert import_text(cli, tmp_path, card).exit_code == 0
    assert "vcard_n" in cli.ok("show", "richter", "--json").json()["fields"]
    cli.ok("edit", "richter", "--field", "size=L")  # other changes keep the card's N
    assert "\nN:Doe;John;Richter\\,James;Mr.;Sr.\n" in cli.ok("export", "contacts", "--to", "vcf").stdout
    renamed = cli.ok("edit", "richter", "--name", "Dr. Jane Roe", "--json").json()
    assert renamed["fields"] == {"size": "L"}  # the old N named the old name
    out = cli.ok("export", "contacts", "--to", "vcf").stdout
    assert "\nFN:Dr. Jane Roe\n" in out and "\nN:Roe;Jane;;Dr.;\n" in out and "Richter" not in out
    again = tmp_path / "again.vcf"
    again.write_text(out)
    cli.ok("import", again, env={"MINICRM_DB": str(tmp_path / "copy.db")})
    assert cli.ok("list", "--json", env={"MINICRM_DB": str(tmp_path / "copy.db")}).json()[0]["name"] == "Dr. Jane Roe"


def test_vcard_2_1_quoted_printable_and_charset(cli, tmp_path):
    card = ("BEGIN:VCARD\r\nVERSION:2.1\r\n"
            "N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Br=C3=BCning;Michael;;;\r\n"
            "FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Michael Br=C3=BC=\r\nning\r\n"
            "TITLE;ENCODING=QUOTED-PRINTABLE;CHARSET=ISO-8859-1:Gesch=E4ftsf=FChrer, Vertrieb=\r\n und Service\r\n"
            "NOTE;ENCODING=QUOTED-PRINTABLE:first line=0D=0Asecond, third\r\n"
            "TEL;WORK;VOICE:+49 30 901820\r\nEMAIL;PREF;INTERNET:michael@example.de\r\nEND:VCARD\r\n").encode()  # fmt: skip
    card += b"BEGIN:VCARD\r\nVERSION:2.1\r\nN:Iksi\xf1ski;Piotr\r\nFN:Piotr Iksi\xf1ski\r\nEND:VCARD\r\n"  # 8-bit, no CHARSET
    result = import_text(cli, tmp_path, card)
    assert result.exit_code == 0
    assert result.stderr.splitlines() == [
        "Warning: line 14: N: its text is not UTF-8; read as Windows-1252",
        "Warning: line 15: FN: its text is not UTF-8; read as Windows-1252",
        "Imported: contacts: 2 created; 2 warnings."]
    people = contacts(cli)
    michael = people["Michael Brüning"]
    assert michael["fields"]["title"] == "Geschäftsführer, Vertrieb und Service"
    assert michael["note"] == "first line\nsecond, third"
    assert michael["phones"] == ["+4930901820"] and michael["emails"] == ["michael@example.de"]
    assert "Piotr Iksiñski" in people


def test_what_cannot_be_read_is_skipped_with_its_line_and_nothing_is_logged(cli, tmp_path):
    card = ("ENCODING:UTF-8\n"
            "BEGIN:VCARD\nVERSION:3.0\nFN:Ann Lee\nLABEL,TYPE=HOME:Klippe 58\n21255 Bad Vilbel\n"
            "PHOTO;ENCODING=b;TYPE=JPEG:not*base64\nX-UNHEARD-OF:x\nEMAIL:ann@example.com\nEND:VCARD\n"
            "BEGIN:VCARD\nVERSION:4.0\nFN:Bob Stone\nEMAIL:bob@example.com\n")  # fmt: skip
    result = import_text(cli, tmp_path, card)
    assert result.exit_code == 0
    assert result.stderr.splitlines() == [
        "Warning: line 1: 'ENCODING:UTF-8' is outside any BEGIN:VCARD … END:VCARD; skipped",
        "Warning: line 5: 'LABEL,TYPE=HOME:Klippe 58' is not a vCard property; skipped",
        "Warning: line 6: '21255 Bad Vilbel' is not a vCard property; skipped",
        "Warning: line 7: PHOTO is not valid base64; skipped",
        "Warning: line 8: X-UNHEARD-OF is a property minicrm does not keep; skipped",
        "Warning: line 11: the card has no END:VCARD; read to the end of the file",
        "Imported: contacts: 2 created; 6 warnings."]
    assert set(contacts(cli)) == {"Ann Lee", "Bob Stone"}


def test_utf16_cards_and_folds_inside_a_character(cli, tmp_path):
    folded = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Zoë Ünal\r\nNOTE:Grüße\r\nEND:VCARD\r\n".encode("utf-16-be")
    assert import_text(cli, tmp_path, folded).exit_code == 0  # UTF-16 without a byte-order mark
    split = "é".encode()  # a fold between the two bytes of é
    card = b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ren" + split[:1] + b"\r\n " + split[1:] + b" Roy\r\nEND:VCARD\r\n"
    assert import_text(cli, tmp_path, card, name="fold.vcf").stderr == "Imported: contacts: 1 created.\n"
    assert set(contacts(cli)) == {"Zoë Ünal", "René Roy"}


def test_the_phone_region_comes_from_the_cards_own_address(cli, tmp_path):
    card = ("BEGIN:VCARD\nVERSION:3.0\nFN:Heiko Muster\nTEL:0351 223344\n"
            "ADR:;;Hauptstr. 1;Dresden;;01067;Deutschland\nEND:VCARD\n"
            "BEGIN:VCARD\nVERSION:3.0\nFN:No Address\nTEL:0351 223344\nEND:VCARD\n")  # fmt: skip
    result = import_text(cli, tmp_path, card)
    assert result.stderr.splitlines()[0].startswith("Warning: line 10: the phone '0351 223344' is kept as typed")
    people = contacts(cli)
    assert people["Heiko Muster"]["phones"] == ["+49351223344"]
    assert people["No Address"]["phones"] == ["0351 223344"]
    given = cli.ok("--db", tmp_path / "de.db", "import", tmp_path / "in.vcf", "--region", "DE")
    assert "Warning" not in given.stderr  # --region reads both


def test_n_is_derived_with_a_name_parser_when_the_source_had_none(cli):
    cli.ok("add", "Mr. John Richter, James Doe Sr.")
    cli.ok("add", "Dr. Ann Lee Jr.")
    cli.ok("add", "Lee Bakes", "--org", "Lee Bakes")
    out = cli.ok("export", "contacts", "--to", "vcf").stdout
    names = [line for line in out.splitlines() if line.startswith("N:")]
    assert names == ["N:John Richter;James;Doe;Mr.;Sr.", "N:Lee;Ann;;Dr.;Jr.", "N:;;;;"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=120))
def test_any_text_survives_a_card(text):
    """Escaping (vobject) and unescaping, folding and unfolding (ours) are inverses, for any text."""
    import vobject

    from minicrm.interchange.vcard import card_record, properties

    card = vobject.vCard()
    card.add("fn").value = "x"
    card.add("note").value = text
    card.add("title").value = text
    lines = list(enumerate(card.serialize().splitlines(keepends=True), start=1))
    raw = card_record(list(properties(lines, "utf-8", lambda *_: None)), lambda *_: None)
    expected = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    assert raw.get("note", "") == expected  # a note of white space alone is no note
    assert raw["fields"].get("title", "") == expected
