"""Names are matched without case or accents wherever a person types one."""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import given
from hypothesis import strategies as st

from minicrm.models import fold


@pytest.mark.parametrize("name, folded", [
    ("Zoë", "zoe"), ("Müller", "muller"), ("María José", "maria jose"), ("Straße", "strasse"), ("Søren", "soren"),
    ("Łukasz", "lukasz"), ("ÆSIR", "aesir"), ("Ｆｕｌｌ", "full"), ("plain", "plain"),
])  # fmt: skip
def test_fold_drops_case_and_accents(name, folded):
    assert fold(name) == folded


@pytest.mark.parametrize("text", ["𝐀", "ǅ", "ﬃ", "Å", "ΐ", "ǰ"])  # compatibility forms and letters that casefold to several
def test_fold_is_idempotent_on_compatibility_and_special_case_letters(text):
    assert fold(fold(text)) == fold(text)


@given(st.text(max_size=30))
def test_fold_is_idempotent(text):
    assert fold(fold(text)) == fold(text)


def test_references_list_and_search_find_names_typed_without_accents(cli):
    for name in ("Zoë Adams", "Hans Müller", "María López"):
        cli.ok("add", name)
    assert cli.ok("show", "zoe", "--json").json()["name"] == "Zoë Adams"
    assert cli.ok("show", "muller", "--json").json()["name"] == "Hans Müller"
    assert cli.ok("show", "MÜLLER", "--json").json()["name"] == "Hans Müller"
    assert cli.ok("show", "hans muller", "--json").json()["name"] == "Hans Müller"
    assert [r["name"] for r in cli.ok("list", "--search", "lopez", "--json").json()] == ["María López"]
    assert [r["name"] for r in cli.ok("list", "--search", "zo", "--json").json()] == ["Zoë Adams"]  # short: a scan
    assert [h["contact_name"] for h in cli.ok("search", "maria", "--json").json()] == ["María López"]
    assert [h["contact_name"] for h in cli.ok("search", "maría", "--json").json()] == ["María López"]
    cli.ok("edit", "zoe", "--name", "Zoé Martin")
    assert cli.ok("show", "zoe martin", "--json").json()["name"] == "Zoé Martin"


def test_imported_names_are_folded_too(cli, tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("name,email\nZoë Adams,zoe@example.com\nRenée Dubois,renee@example.com\n", encoding="utf-8")
    cli.ok("import", source)
    assert cli.ok("show", "zoe", "--json").json()["name"] == "Zoë Adams"
    assert cli.ok("show", "renee", "--json").json()["name"] == "Renée Dubois"


def test_a_file_from_before_folding_is_upgraded(cli, isolated, now, monkeypatch):
    from minicrm.store import migrations, open_store

    everything = list(migrations.MIGRATIONS)
    before = [fn.__name__ for fn in everything].index("m011_folded_names")
    monkeypatch.setattr(migrations, "MIGRATIONS", everything[:before])
    open_store(isolated, now).close()
    conn = sqlite3.connect(isolated)
    with conn:  # what an older minicrm wrote: the name only case-folded, no folded column in the index
        conn.execute("INSERT INTO contacts (id, uid, name, name_fold, created_at, updated_at)"
                     " VALUES (1, 'u1', 'Zoë Adams', 'zoë adams', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')")
        conn.execute("INSERT INTO contact_search (rowid, name) VALUES (1, 'Zoë Adams')")
    conn.close()
    monkeypatch.setattr(migrations, "MIGRATIONS", everything)
    assert cli.ok("show", "zoe", "--json").json()["id"] == 1
    assert cli.ok("show", "zoe adams", "--json").json()["id"] == 1


def test_dupes_pairs_close_given_names_with_the_same_surname_without_an_organisation(cli):
    for name in ("Jon Smith", "John Smith", "Ann Lee", "Anne Lee", "Bob Lee", "Zoë Adams", "Zoe Adams", "Jon Baker"):
        cli.ok("add", name)
    pairs = [(p["name"], p["other_name"], p["reason"]) for p in cli.ok("dupes", "--json").json()]
    assert pairs == [
        ("Zoë Adams", "Zoe Adams", "close given names (100) and same surname"),
        ("Jon Smith", "John Smith", "close given names (95) and same surname"),
        ("Ann Lee", "Anne Lee", "close given names (93) and same surname"),
    ]


def test_close_given_names_at_two_different_organisations_are_not_paired(cli):
    cli.ok("add", "Jon Smith", "--org", "Acme")
    cli.ok("add", "John Smith", "--org", "Globex")
    cli.ok("add", "Jane Smith")
    assert cli.ok("dupes", "--json").json() == []
    cli.ok("add", "John Smith")
    assert [(p["id"], p["other_id"]) for p in cli.ok("dupes", "--json").json()] == [(2, 4), (1, 4)]


# ------------------------------------------------------------------ organisations and notes


def test_organisations_and_notes_are_matched_without_accents_and_the_match_is_marked(cli):
    cli.ok("add", "Hans Weber", "--org", "Müller Bäckerei GmbH", "--note", "Liefert crème brûlée montags")
    cli.ok("add", "Ann Lee", "--org", "Muller & Co", "--note", "plain text")
    cli.ok("add", "Bob Stone", "--org", "Acme")
    assert [c["name"] for c in cli.ok("list", "--org", "muller", "--json").json()] == ["Ann Lee", "Hans Weber"]
    assert [c["name"] for c in cli.ok("list", "--org", "MÜLLER", "--json").json()] == ["Ann Lee", "Hans Weber"]
    assert [c["name"] for c in cli.ok("list", "--org", "backerei", "--json").json()] == ["Hans Weber"]
    assert [c["name"] for c in cli.ok("list", "--search", "creme brulee", "--json").json()] == ["Hans Weber"]
    assert [c["name"] for c in cli.ok("list", "--search", "bä", "--json").json()] == ["Hans Weber"]  # short: a scan
    assert [c["name"] for c in cli.ok("list", "--search", "ba", "--json").json()] == ["Hans Weber"]
    hits = {h["contact_name"]: h["snippet"] for h in cli.ok("search", "backerei", "--json").json()}
    assert hits == {"Hans Weber": "org: Müller «Bäckerei» GmbH"}  # found only by folding, still marked
    hits = {h["contact_name"]: h["snippet"] for h in cli.ok("search", "creme brulee", "--json").json()}
    assert hits == {"Hans Weber": "note: Liefert «crème brûlée» montags"}
    hits = {h["contact_name"]: h["snippet"] for h in cli.ok("search", "muller", "--json").json()}
    assert hits == {"Ann Lee": "org: «Muller» & Co", "Hans Weber": "org: «Müller» Bäckerei GmbH"}
    cli.ok("edit", "hans", "--org", "Grün AG")
    assert [c["name"] for c in cli.ok("list", "--org", "grun", "--json").json()] == ["Hans Weber"]
    assert [c["name"] for c in cli.ok("list", "--org", "muller", "--json").json()] == ["Ann Lee"]


def test_a_note_or_organisation_never_makes_a_contact_reference_match(cli):
    cli.ok("add", "Ann Lee", "--org", "Zoë Partners", "--note", "knows Zoë")
    assert cli("show", "zoe").exit_code == 3  # references are names, ids and emails only


def test_contacts_at_one_organisation_written_with_and_without_accents_are_paired(cli):
    cli.ok("add", "Ann Lee", "--org", "Müller GmbH")
    cli.ok("add", "Anne Lee", "--org", "MULLER GMBH")
    assert [p["reason"] for p in cli.ok("dupes", "--json").json()] == ["similar name (93) and same organisation"]


def test_a_folded_match_is_marked_on_the_letters_typed_whatever_their_form():
    from minicrm.services.search import _snippet  # noqa: PLC2701  (the snippet rule itself)

    assert _snippet({"org": "Straße 5"}, "strasse") == "org: «Straße» 5"
    assert _snippet({"note": "met Zoe\u0308 today"}, "zoe") == "note: met «Zoe\u0308» today"  # a decomposed ë whole
    assert _snippet({"name": "ｆｕｌｌ stop"}, "full") == "name: «ｆｕｌｌ» stop"


def test_a_file_from_before_folded_organisations_is_upgraded(cli, isolated, now, monkeypatch):
    from minicrm.store import migrations, open_store

    everything = list(migrations.MIGRATIONS)
    before = [fn.__name__ for fn in everything].index("m018_folded_texts")
    monkeypatch.setattr(migrations, "MIGRATIONS", everything[:before])
    open_store(isolated, now).close()
    conn = sqlite3.connect(isolated)
    with conn:  # what an older minicrm wrote: the search row without folded organisation and note
        for cid, name, org, note in ((1, "Hans Weber", "Müller Bäckerei", "crème brûlée"), (2, "Ann Lee", "Acme", None)):
            conn.execute("INSERT INTO contacts (id, uid, name, name_fold, org, note, created_at, updated_at)"
                         " VALUES (?, ?, ?, lower(?), ?, ?, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
                         (cid, f"u{cid}", name, name, org, note))  # fmt: skip
            conn.execute("INSERT INTO contact_search (rowid, name, org, note, folded) VALUES (?, ?, ?, ?, lower(?))",
                         (cid, name, org, note, name))  # fmt: skip
    conn.close()
    monkeypatch.setattr(migrations, "MIGRATIONS", everything)
    assert [c["name"] for c in cli.ok("list", "--search", "backerei", "--json").json()] == ["Hans Weber"]
    assert [c["name"] for c in cli.ok("list", "--search", "creme", "--json").json()] == ["Hans Weber"]
    assert [c["name"] for c in cli.ok("list", "--search", "acme", "--json").json()] == ["Ann Lee"]
    assert [c["name"] for c in cli.ok("list", "--search", "weber", "--json").json()] == ["Hans Weber"]
