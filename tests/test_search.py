"""minicrm search: contacts (trigram) and interaction texts (words), ranked, with snippets, kept in sync."""

from __future__ import annotations


def setup(cli):
    cli.ok("add", "Ann Lee", "--org", "Lee Bakes", "--email", "ann@example.com", "--phone", "+44 20 7946 0958",
           "--note", "Loves sourdough", "--field", "allergy=walnuts")  # fmt: skip
    cli.ok("add", "Bob Stone", "--org", "Acme", "--tag", "sourdough-club")
    cli.ok("log", "ann", "order", "Two sourdough loaves and a rye")
    cli.ok("log", "bob", "call", "Asked about SOURDOUGH starter kits")
    cli.ok("log", "bob", "note", "nothing relevant here")


def test_search_finds_contacts_and_interactions_with_snippets(cli):
    setup(cli)
    hits = cli.ok("search", "sourdough", "--json").json()
    assert list(hits[0]) == ["kind", "id", "contact_id", "contact_name", "at", "rank", "snippet"]
    contacts = [(h["contact_name"], h["snippet"]) for h in hits if h["kind"] == "contact"]
    assert sorted(contacts) == [("Ann Lee", "note: Loves «sourdough»"), ("Bob Stone", "tags: «sourdough»-club")]
    texts = [h["snippet"] for h in hits if h["kind"] == "interaction"]
    assert sorted(texts) == ["Asked about «SOURDOUGH» starter kits", "Two «sourdough» loaves and a rye"]
    ranks = [h["rank"] for h in hits if h["kind"] == "interaction"]
    assert ranks == sorted(ranks)  # best (lowest bm25) first
    assert [h["kind"] for h in hits] == ["contact", "contact", "interaction", "interaction"]


def test_search_covers_every_contact_field_and_phones_as_typed(cli):
    setup(cli)
    for text, snippet in [("walnut", "fields: «walnut»s"), ("EXAMPLE.COM", "emails: ann@«example.com»"),
                          ("lee bak", "org: «Lee Bak»es"), ("20 7946", "phones: +44«207946»0958")]:  # fmt: skip
        hits = cli.ok("search", text, "--json").json()
        assert [(h["contact_name"], h["snippet"]) for h in hits] == [("Ann Lee", snippet)], text


def test_word_prefixes_and_every_word(cli):
    setup(cli)
    assert [h["snippet"] for h in cli.ok("search", "start kit", "--json").json()] == [
        "Asked about SOURDOUGH «starter» «kits»"]
    assert cli.ok("search", "rye kits", "--json").json() == []


def test_search_follows_edits_deletes_and_imports(cli, tmp_path):
    setup(cli)
    cli.ok("edit", "bob", "--org", "Globex")
    assert cli.ok("search", "acme").stdout == ""
    assert cli.ok("search", "globex").rows()[0][3] == "Bob Stone"
    cli.ok("rm", "bob", "--yes")
    assert {h["contact_name"] for h in cli.ok("search", "sourdough", "--json").json()} == {"Ann Lee"}
    source = tmp_path / "in.csv"
    source.write_text("name,notes\nCy Twombly,collects antique sourdough crocks\n")
    cli.ok("import", source)
    assert "Cy Twombly" in {h["contact_name"] for h in cli.ok("search", "crocks", "--json").json()}


def test_search_output_formats_and_errors(cli):
    setup(cli)
    table = cli.ok("search", "sourdough", tty=True).stdout
    assert "«sourdough»" in table and "Ann Lee" in table
    assert cli.ok("search", "sourdough", "--format", "csv").stdout.splitlines()[0] == (
        "kind,id,contact_id,contact_name,at,rank,snippet")
    nothing = cli.ok("search", "zzzz", tty=True)
    assert nothing.stdout == "" and "Nothing matches" in nothing.stderr
    assert cli.ok("search", '"[bold]x', "--json").json() == []  # quotes and markup are text
    empty = cli("search", "  ")
    assert empty.exit_code == 1 and "empty" in empty.stderr
    assert cli.ok("search", "sourdough", "--limit", "1", "--json").json()[0]["kind"] == "contact"
