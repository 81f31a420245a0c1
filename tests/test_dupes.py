"""minicrm dupes and minicrm merge."""

from __future__ import annotations

import sqlite3


def people(cli):
    cli.ok("add", "Ann Lee", "--email", "ann@example.com", "--org", "Lee Bakes", "--tag", "vip")  # 1
    cli.ok("add", "Bob Stone", "--phone", "+44 20 7946 0958", "--org", "Acme")  # 2
    cli.ok("add", "Robert Stone", "--phone", "+44 (0)20 7946-0958")  # 3: same phone, typed otherwise
    cli.ok("add", "Lee, Anne", "--org", "LEE BAKES", "--note", "from the fair")  # 4: similar name, same org
    cli.ok("add", "Ann Lee", "--org", "Other Co")  # 5: same name, other org: not a duplicate
    cli.ok("add", "Cy", "--org", "Acme")  # 6: same org, other name


def test_dupes_lists_pairs_with_reasons(cli, tmp_path):
    people(cli)
    # an import with --on-duplicate create may leave two contacts with one email
    source = tmp_path / "in.csv"
    source.write_text("name,email\nAnnie Lee,ann@example.com\n")
    cli.ok("import", source, "--on-duplicate", "create")  # 7
    pairs = cli.ok("dupes", "--json").json()
    assert list(pairs[0]) == ["id", "name", "other_id", "other_name", "reason", "score"]
    found = {(p["id"], p["other_id"]): p["reason"] for p in pairs}
    assert found == {
        (1, 7): "same email ann@example.com",
        (2, 3): "same phone +442079460958",
        (1, 4): "similar name (93) and same organisation",
    }
    assert [p["score"] for p in pairs] == sorted((p["score"] for p in pairs), reverse=True)
    assert "similar name" in cli.ok("dupes", tty=True).stdout
    assert len(cli.ok("dupes", "--threshold", "94", "--json").json()) == 2
    assert cli("dupes", "--threshold", "0").exit_code == 1


def test_no_dupes(cli):
    cli.ok("add", "Ann")
    result = cli.ok("dupes", tty=True)
    assert result.stdout == "" and "No likely duplicates." in result.stderr
    assert cli.ok("dupes", "--json").json() == []


def test_merge_moves_everything_and_says_what_it_did(cli, isolated):
    people(cli)
    cli.ok("log", "anne", "call", "met at the fair", "--at", "yesterday")
    cli.ok("log", "anne", "order", "cake", "--amount", "20")
    cli.ok("remind", "anne", "call back", "--on", "tomorrow")
    cli.ok("stage", "anne", "purchase")
    cli.ok("edit", "anne", "--email", "anne@lee.example", "--phone", "+44 7911 123456", "--tag", "fair",
           "--field", "size=L", "--birthday", "05-17")  # fmt: skip
    result = cli.ok("merge", "1", "anne", "--yes", "--json")
    assert result.stderr == ("Merged #4 Lee, Anne into #1 Ann Lee: moved 2 interactions, 1 reminder, "
                             "2 stage changes; added emails anne@lee.example; phones +447911123456; tags fair; "
                             "fields size; took birthday, note.\n")  # fmt: skip
    done = result.json()
    assert (done["interactions"], done["reminders"], done["stage_changes"]) == (2, 1, 2)
    ann = cli.ok("show", "1", "--json").json()
    assert ann["emails"] == ["ann@example.com", "anne@lee.example"] and ann["tags"] == ["vip", "fair"]
    assert ann["phones"] == ["+447911123456"] and ann["fields"] == {"size": "L"}
    assert (ann["birthday"], ann["note"], ann["stage"]) == ("--05-17", "from the fair", "awareness")
    assert len(ann["interactions"]) == 2 and ann["reminders"][0]["text"] == "call back"
    assert len(ann["stage_history"]) == 3
    assert cli("show", "4").exit_code == 3
    # the search index follows: the merged contact's texts are found on KEEP, OTHER is gone
    assert [(h["kind"], h["contact_id"]) for h in cli.ok("search", "fair", "--json").json()] == [
        ("contact", 1), ("interaction", 1)]
    with sqlite3.connect(isolated) as conn:
        assert conn.execute("SELECT count(*) FROM contact_search WHERE rowid = 4").fetchone()[0] == 0


def test_merge_refuses_nonsense_and_changes_nothing(cli):
    people(cli)
    same = cli("merge", "1", "1", "--yes")
    assert same.exit_code == 1 and "same contact" in same.stderr
    missing = cli("merge", "1", "99", "--yes")
    assert missing.exit_code == 3
    unconfirmed = cli("merge", "2", "3")
    assert unconfirmed.exit_code == 2 and "without confirmation" in unconfirmed.stderr
    assert len(cli.ok("list", "--json").json()) == 6


def test_merge_asks_on_a_terminal(cli, monkeypatch):
    from minicrm.cli import common

    people(cli)
    monkeypatch.setattr(common, "stdin_is_terminal", lambda: True)
    declined = cli("merge", "2", "3", input="n\n")
    assert declined.exit_code == 1 and "Nothing merged." in declined.stderr
    assert len(cli.ok("list", "--json").json()) == 6
    accepted = cli("merge", "2", "3", input="y\n")
    assert accepted.exit_code == 0 and "Merged #3 Robert Stone into #2 Bob Stone" in accepted.stderr
