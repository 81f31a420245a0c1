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


def test_search_terms_are_capped_and_say_so(cli):
    setup(cli)
    for args in (("search",), ("list", "--search")):
        long = cli(*args, "x" * 201)
        assert long.exit_code == 1 and long.stderr == (
            "Error: the search text is 201 characters long. Keep it to 200: a few distinctive words find the same\n")
        many = cli(*args, " ".join(["ab"] * 21))
        assert many.exit_code == 1 and many.stderr == "Error: the search text has 21 words. Keep it to 20\n"
        thousands = cli(*args, " ".join(f"w{n}" for n in range(5000)))
        assert thousands.exit_code == 1 and "Keep it to 200" in thousands.stderr
    assert cli.ok("search", " ".join(["sourdough"] * 20), "--json").json()  # at the cap: still a search


def test_a_long_text_gives_a_snippet_of_its_best_twelve_words(cli):
    cli.ok("add", "Ann")
    words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf"]
    text = " ".join(words[n * 5 % 7] for n in range(14_000)) + " the zebra crossing at last."
    cli.ok("log", "ann", "note", "-", input=text)
    hits = cli.ok("search", "zeb cross", "--json").json()
    [found] = [h["snippet"] for h in hits]
    assert found.startswith("…") and found.endswith(" the «zebra» «crossing» at last.")
    assert len(found.split()) == 12
    everything = cli.ok("search", " ".join(words * 2), "--json").json()  # 14 words that match all 14,000
    assert everything[0]["snippet"].count("«") == 12


def test_a_segment_is_checked_when_saved(cli, isolated, now):
    setup(cli)
    refused = cli("segment", "save", "huge", "--search", "x" * 5000)
    assert refused.exit_code == 1 and "the search text is 5000 characters long" in refused.stderr
    assert "huge" not in cli.ok("segment", "list").stdout
    from minicrm.store import open_store

    store = open_store(isolated, now)  # a segment saved before the cap, as an older minicrm could
    with store.write():
        store.segments.save("old", {"search": "x" * 5000}, now)
    store.close()
    listed = cli("segment", "list")
    assert listed.exit_code == 1 and listed.stderr.startswith(
        "Error: the segment 'old' no longer passes the checks: the search text is 5000 characters long.")
    assert "minicrm segment rm old" in listed.stderr
