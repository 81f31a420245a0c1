"""Phones: normalised when libphonenumber can place them, else kept as typed with a warning."""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minicrm.errors import InvalidValue
from minicrm.services.values import E164, check_phone


@pytest.mark.parametrize("typed, region, stored", [
    ("+44 20 7946 0958", None, "+442079460958"),
    ("0044 20 7946 0958", None, "+442079460958"),
    ("(415) 555-0132", "US", "+14155550132"),
    ("030 901820", "de", "+4930901820"),
    ("+44 20 7946 0958 ext. 12", None, "+442079460958;ext=12"),
    ("+44 20 7946 0958 x12", "GB", "+442079460958;ext=12"),
])  # fmt: skip
def test_a_number_that_can_be_placed_is_stored_in_e164(typed, region, stored):
    assert check_phone(typed, region) == (stored, None)


@pytest.mark.parametrize("typed, region, why", [
    ("(415) 555-0132", None, "no country code and no region is set"),
    ("+44 7700 900123", None, "knows no such number"),
    ("+1-555-0199", "US", "knows no such number"),
    ("call reception", "GB", "text besides the number"),
    ("+44 20 7946 0958 ask for Bob", None, "text besides the number"),
    ("1-800-FLOWERS", "US", "text besides the number"),
    ("12", "GB", "not a phone number"),
    ("+999 1234 5678", None, "country code is unknown"),
])  # fmt: skip
def test_a_number_that_cannot_be_placed_is_kept_exactly_as_typed(typed, region, why):
    stored, reason = check_phone(f"  {typed} ", region)
    assert stored == typed
    assert why in reason


@pytest.mark.parametrize("typed, region, message", [
    ("", None, "the phone is empty"),
    ("   ", "GB", "the phone is empty"),
    ("+44 20\n7946 0958", None, "control character"),
    ("1" * 201, None, "characters long"),
    ("020 7946 0958", "England", "is not a country for phone numbers"),
])  # fmt: skip
def test_only_empty_or_broken_text_is_refused(typed, region, message):
    with pytest.raises(InvalidValue, match=message):
        check_phone(typed, region)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60), st.sampled_from([None, "GB", "US", "DE"]))
def test_any_text_is_stored_in_e164_or_as_typed_never_anything_else(typed, region):
    try:
        stored, why = check_phone(typed, region)
    except InvalidValue:
        return
    if why is None:
        assert E164.match(stored), stored
    else:
        assert stored == typed.strip()


def test_add_keeps_a_doubtful_phone_and_warns_once_a_line(cli):
    result = cli("add", "Bob", "--phone", "+44 7700 900123", "--phone", "+44 20 7946 0958",
                 "--phone", "call reception", "--json")  # fmt: skip
    assert result.exit_code == 0
    assert result.stderr.splitlines() == [
        "Warning: the phone '+44 7700 900123' is kept as typed, unverified: libphonenumber knows no such number "
        "(check the digits and the country code).",
        "Warning: the phone 'call reception' is kept as typed, unverified: it contains text besides the number.",
    ]
    bob = result.json()
    assert bob["phones"] == ["+44 7700 900123", "+442079460958", "call reception"]
    assert bob["unverified_phones"] == ["+44 7700 900123", "call reception"]
    assert cli.ok("show", "bob", "--json").json()["unverified_phones"] == bob["unverified_phones"]
    page = "\n".join(cli.ok("show", "bob", tty=True).screen())
    assert "+44 7700 900123 (unverified)" in page and "+442079460958 (unverified)" not in page


def test_with_a_region_the_same_number_is_normalised_and_nothing_is_said(cli):
    result = cli("add", "Bob", "--phone", "(415) 555-0132", "--json", env={"MINICRM_REGION": "US"})
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.json()["phones"] == ["+14155550132"] and result.json()["unverified_phones"] == []


def test_edit_adds_and_removes_phones_as_typed_and_undo_keeps_the_mark(cli):
    cli.ok("add", "Bob", "--phone", "+1-555-0199")
    edited = cli.ok("edit", "bob", "--phone", "ask at the desk", "--json").json()
    assert edited["unverified_phones"] == ["+1-555-0199", "ask at the desk"]
    edited = cli.ok("edit", "bob", "--remove-phone", "+1-555-0199", "--json").json()
    assert (edited["phones"], edited["unverified_phones"]) == (["ask at the desk"], ["ask at the desk"])
    cli.ok("undo")
    restored = cli.ok("show", "bob", "--json").json()
    assert restored["unverified_phones"] == ["+1-555-0199", "ask at the desk"]


def test_a_verified_and_an_unverified_phone_survive_a_merge(cli):
    cli.ok("add", "Bob Stone", "--phone", "+44 20 7946 0958")
    cli.ok("add", "Bob Stone", "--email", "bob@example.com", "--phone", "reception")
    cli.ok("merge", "1", "2", "--yes")
    bob = cli.ok("show", "1", "--json").json()
    assert (bob["phones"], bob["unverified_phones"]) == (["+442079460958", "reception"], ["reception"])


def test_phones_stored_before_the_mark_existed_are_verified(cli, isolated, now, monkeypatch):
    from minicrm.store import migrations, open_store

    everything = list(migrations.MIGRATIONS)
    before = [fn.__name__ for fn in everything].index("m007_unverified_phones")
    monkeypatch.setattr(migrations, "MIGRATIONS", everything[:before])
    open_store(isolated, now).close()
    conn = sqlite3.connect(isolated)
    with conn:  # what an older minicrm wrote: every phone checked, no verified column
        conn.execute("INSERT INTO contacts (id, uid, name, name_fold, created_at, updated_at)"
                     " VALUES (1, 'u1', 'Ann Lee', 'ann lee', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')")
        conn.execute("INSERT INTO contact_phones (contact_id, position, phone) VALUES (1, 0, '+442079460958')")
    conn.close()
    monkeypatch.setattr(migrations, "MIGRATIONS", everything)
    ann = cli.ok("show", "1", "--json").json()
    assert (ann["phones"], ann["unverified_phones"]) == (["+442079460958"], [])
    cli.ok("edit", "1", "--phone", "reception")
    cli.ok("undo")
    assert cli.ok("show", "1", "--json").json()["phones"] == ["+442079460958"]


@pytest.mark.parametrize("country, region", [
    ("Deutschland", "DE"), ("Germany", "DE"), ("Allemagne", "DE"), ("Österreich", "AT"), ("Royaume-Uni", "GB"),
    ("Vereinigtes Königreich", "GB"), ("España", "ES"), ("ESPAÑA", "ES"), ("Schweiz", "CH"), ("Suisse", "CH"),
    ("Nederland", "NL"), ("Polska", "PL"), ("Brasil", "BR"), ("Japan", "JP"), ("日本", "JP"), ("Ελλάδα", "GR"),
    ("Türkiye", "TR"), ("Czech Republic", "CZ"), ("USA", "US"), ("U.S.A.", "US"), ("UK", "GB"), ("England", "GB"),
    ("de", "DE"), ("fr", "FR"), ("Atlantis", None), ("", None),
])  # fmt: skip
def test_an_address_country_names_the_phone_region_in_any_language_libphonenumber_knows(country, region):
    from minicrm.interchange.kept import region_of

    assert region_of([country]) == region


def test_an_imported_card_reads_its_phone_in_its_own_address_country(cli, tmp_path):
    card = tmp_path / "card.vcf"
    card.write_text("BEGIN:VCARD\nVERSION:3.0\nFN:Jeanne Petit\nTEL:01 42 68 53 00\n"
                    "ADR:;;12 rue de Rivoli;Paris;;75001;Frankreich\nEND:VCARD\n")  # fmt: skip
    result = cli("import", card)
    assert result.exit_code == 0 and "Warning" not in result.stderr
    assert cli.ok("show", "jeanne", "--json").json()["phones"] == ["+33142685300"]
