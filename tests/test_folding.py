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
