"""add, list, show, edit, rm, stage and how CONTACT references resolve."""

from __future__ import annotations

import os
import stat

import pytest


def test_add_prints_the_contact_id_first_and_stores_every_field(cli):
    result = cli.ok("add", "Ann Lee", "--email", "Ann@Example.com", "--email", "ann@work.example",
                    "--phone", "+44 20 7946 0958", "--org", "Lee Bakes", "--tag", "VIP", "--tag", "gluten-free",
                    "--stage", "cons", "--birthday", "05-17", "--note", "likes rye", "--field", "allergy=nuts")  # fmt: skip
    row = result.rows()[0]
    assert row[0] == "1"
    assert row[2] == "Ann Lee"
    shown = cli.ok("show", "1", "--json").json()
    assert shown["emails"] == ["ann@example.com", "ann@work.example"]
    assert shown["phones"] == ["+442079460958"]
    assert shown["org"] == "Lee Bakes"
    assert shown["tags"] == ["vip", "gluten-free"]
    assert shown["stage"] == "consideration"
    assert shown["birthday"] == "--05-17"
    assert shown["note"] == "likes rye"
    assert shown["fields"] == {"allergy": "nuts"}
    assert shown["stage_history"][0]["to_stage"] == "consideration"
    assert shown["stage_history"][0]["source"] == "add"


def test_add_json_is_one_object_with_ids_as_integers(cli):
    body = cli.ok("add", "Bob", "--json").json()
    assert isinstance(body, dict)
    assert body["id"] == 1 and body["name"] == "Bob"
    assert len(body["uid"]) == 36


def test_database_is_created_owner_only(cli, isolated):
    cli.ok("add", "Bob")
    mode = stat.S_IMODE(os.stat(isolated).st_mode)
    assert mode == 0o600


def test_invalid_input_is_rejected_and_nothing_is_written(cli):
    cases = [
        (["add", "Ann", "--email", "not-an-email"], "is not an email address"),
        (["add", "Ann", "--stage", "married"], "is not a stage"),
        (["add", "Ann", "--phone", "   "], "the phone is empty"),
        (["add", "Ann", "--phone", "+44 20\x1b7946"], "control character"),
        (["add", "Ann", "--field", "novalue"], "KEY=VALUE"),
        (["add", "   "], "the name is empty"),
        (["add", "Ann\x1b[31m"], "control character"),
        (["add", "Ann", "--tag", "two words"], "is not a tag"),
        (["add", "A" * 201], "characters long"),
    ]
    for args, message in cases:
        result = cli(*args)
        assert result.exit_code == 1, args
        assert message in result.stderr
        assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1
        assert result.stdout == ""
    assert cli.ok("list").stdout == ""
    unreadable = cli("add", "Ann", "--birthday", "someday")
    assert unreadable.exit_code == 2 and "cannot read the birthday" in unreadable.stderr
    assert cli.ok("list").stdout == ""


def test_an_email_belongs_to_one_contact(cli):
    cli.ok("add", "Ann", "--email", "ann@example.com")
    result = cli("add", "Annie", "--email", "ANN@example.com")
    assert result.exit_code == 1
    assert "already belongs to contact 1 (Ann)" in result.stderr
    assert len(cli.ok("list").rows()) == 1


def test_contact_reference_resolution(cli):
    cli.ok("add", "Ann Lee", "--email", "ann@example.com")
    cli.ok("add", "Anna Smith")
    cli.ok("add", "Émile Zola")
    assert cli.ok("show", "1").rows()[0][2] == "Ann Lee"  # id
    assert cli.ok("show", "ANN@example.com").rows()[0][2] == "Ann Lee"  # exact email
    assert cli.ok("show", "ann lee").rows()[0][2] == "Ann Lee"  # exact name beats the longer Anna
    assert cli.ok("show", "smith").rows()[0][2] == "Anna Smith"  # unique part
    assert cli.ok("show", "ÉMILE").rows()[0][2] == "Émile Zola"  # case-insensitive beyond ASCII

    ambiguous = cli("show", "ann")
    assert ambiguous.exit_code == 1
    assert "1 Ann Lee" in ambiguous.stderr and "2 Anna Smith" in ambiguous.stderr

    missing = cli("show", "bob")
    assert missing.exit_code == 3
    assert 'no contact matches "bob"' in missing.stderr and "minicrm list --search" in missing.stderr
    assert cli("show", "99").exit_code == 3
    assert cli("show", "50%").exit_code == 3  # LIKE wildcards are literal


def test_list_filters_and_sorts(cli):
    cli.ok("add", "Zoe", "--tag", "vip", "--org", "Acme Ltd", "--stage", "purchase")
    cli.ok("add", "Adam", "--tag", "vip", "--tag", "lead", "--note", "met at the fair")
    cli.ok("add", "Mia", "--org", "Other", "--email", "mia@fair.example")

    def names(*args):
        return [row[2] for row in cli.ok("list", *args).rows()]

    assert names() == ["Adam", "Mia", "Zoe"]
    assert names("--sort=-name") == ["Zoe", "Mia", "Adam"]
    assert names("--tag", "vip") == ["Adam", "Zoe"]
    assert names("--tag", "vip", "--tag", "lead") == ["Adam"]
    assert names("--stage", "purchase") == ["Zoe"]
    assert names("--org", "acme") == ["Zoe"]
    assert names("--search", "FAIR") == ["Adam", "Mia"]  # note and email
    assert names("--limit", "2") == ["Adam", "Mia"]
    assert names("--sort", "id") == ["Zoe", "Adam", "Mia"]
    bad = cli("list", "--sort", "shoe_size")
    assert bad.exit_code == 1 and "cannot sort by" in bad.stderr


def test_list_stale_finds_contacts_nobody_talked_to_lately(cli):
    cli.ok("add", "Quiet", env={"MINICRM_NOW": "2026-09-01T10:00:00"})
    cli.ok("add", "Chatty", env={"MINICRM_NOW": "2026-09-01T10:00:00"})
    cli.ok("add", "New")
    cli.ok("log", "Chatty", "call", "--at", "3 days ago")
    cli.ok("log", "Quiet", "call", "--at", "2026-10-01")
    stale = [row[2] for row in cli.ok("list", "--stale", "30").rows()]
    assert stale == ["Quiet"]


def test_empty_list_on_a_terminal_says_how_to_start(cli):
    result = cli.ok("list", tty=True)
    assert result.stdout == ""
    assert "minicrm add" in result.stderr
    assert cli.ok("list", "--json").json() == []


def test_list_table_keeps_each_contact_on_one_line(cli):
    """Long names, organisations, emails and tags are cut with … to fit, never wrapped."""
    for n in range(3):
        cli.ok("add", f"Bartholomew Alexander Montgomery-Fitzgerald {n}", "--org",
               "The Very Long Organisation Name of Bakers and Confectioners Ltd",
               "--email", f"bartholomew.alexander.montgomery.fitzgerald{n}@example.org",
               "--tag", "wholesale", "--tag", "gluten-free", "--tag", "newsletter")  # fmt: skip
    for columns in ("80", "100", "120", "160"):
        lines = [line.rstrip() for line in cli.ok("list", tty=True, env={"COLUMNS": columns}).screen() if line.strip()]
        assert all(len(line) <= int(columns) for line in lines), columns
        assert [line.split()[0] for line in lines[2:]] == ["1", "2", "3"], columns  # one line each
        assert "…" in lines[2] and "never" in lines[2]  # cut, and the last column still there


def test_list_table_leaves_out_a_flexible_column_with_nothing_in_it(cli):
    cli.ok("add", "Ann", "--email", "ann@example.org")
    assert "Organisation" not in cli.ok("list", tty=True).stdout
    cli.ok("add", "Bob", "--org", "Acme")
    assert "Organisation" in cli.ok("list", tty=True).stdout


def test_show_keeps_every_text_whole(cli):
    """Listings cut long texts to one line; show, about one contact, wraps them instead."""
    cli.ok("add", "Ann")
    text = "Wants a three-tier wedding cake with lemon curd, no nuts, delivered to the old mill on Saturday"
    cli.ok("log", "ann", "call", text)
    cli.ok("remind", "ann", text, "--on", "tomorrow")
    table = cli.ok("show", "ann", tty=True, env={"COLUMNS": "80"}).stdout
    words = " ".join(table.split())
    assert "…" not in table
    assert all(word in words for word in text.split())


def test_edit_adds_and_removes_and_clears(cli):
    cli.ok("add", "Ann", "--tag", "new", "--org", "Acme", "--email", "a@x.example", "--field", "k=v")
    cli.ok("edit", "ann", "--tag", "vip", "--remove-tag", "new", "--email", "b@x.example",
           "--remove-email", "a@x.example", "--org", "", "--field", "k=", "--field", "size=L", "--name", "Ann Lee")  # fmt: skip
    shown = cli.ok("show", "1", "--json").json()
    assert shown["name"] == "Ann Lee"
    assert shown["tags"] == ["vip"]
    assert shown["emails"] == ["b@x.example"]
    assert shown["org"] is None
    assert shown["fields"] == {"size": "L"}

    missing_tag = cli("edit", "ann", "--remove-tag", "nope", "--name", "Changed")
    assert missing_tag.exit_code == 1 and "has no tag 'nope'" in missing_tag.stderr
    assert cli.ok("show", "1", "--json").json()["name"] == "Ann Lee"  # nothing changed


def test_edit_stage_keeps_history(cli):
    cli.ok("add", "Ann")
    cli.ok("edit", "ann", "--stage", "purchase")
    result = cli.ok("stage", "ann", "retention")
    assert result.rows()[0][6] == "retention"
    history = cli.ok("show", "ann", "--json").json()["stage_history"]
    assert [(h["from_stage"], h["to_stage"], h["source"]) for h in history] == [
        (None, "awareness", "add"), ("awareness", "purchase", "user"), ("purchase", "retention", "user")]
    same = cli.ok("stage", "ann", "retention")
    assert "already at retention" in same.stderr
    assert len(cli.ok("show", "ann", "--json").json()["stage_history"]) == 3
    assert cli("stage", "ann", "married").exit_code == 1


def test_rm_needs_yes_in_a_script_and_cascades(cli):
    cli.ok("add", "Ann")
    cli.ok("log", "ann", "call", "hello")
    cli.ok("remind", "ann", "call back", "--on", "tomorrow")
    refused = cli("rm", "ann")
    assert refused.exit_code == 2 and "--yes" in refused.stderr
    assert len(cli.ok("list").rows()) == 1
    removed = cli.ok("rm", "ann", "--yes")
    assert "Deleted Ann (#1)" in removed.stderr
    assert cli.ok("list").stdout == ""
    assert cli.ok("history").stdout == ""
    assert cli.ok("due", "--week").stdout == ""


def test_show_json_nests_recent_activity(cli):
    cli.ok("add", "Ann")
    cli.ok("log", "ann", "order", "cake", "--amount", "12.5")
    cli.ok("remind", "ann", "deliver", "--on", "tomorrow 9am")
    body = cli.ok("show", "ann", "--json").json()
    assert body["interactions"][0]["amount"] == 12.5
    assert body["reminders"][0]["due_on"] == "2026-11-19"
    assert body["reminders"][0]["due_time"] == "09:00"
    table = cli.ok("show", "ann", tty=True).stdout
    assert "deliver" in table and "cake" in table and "12.50" in table


def test_search_index_follows_every_write(cli):
    cli.ok("add", "Ann Lee", "--org", "Quetzal Bakery", "--field", "allergy=hazelnut")

    def found(text):
        return [row[2] for row in cli.ok("list", "--search", text).rows()]

    assert found("quetzal") == ["Ann Lee"]
    assert found("HAZEL") == ["Ann Lee"]  # custom field values, any case
    assert found("nn L") == ["Ann Lee"]  # any part, not just word starts
    cli.ok("edit", "ann", "--org", "Other", "--tag", "sourdough", "--email", "ann@rye.example")
    assert found("quetzal") == []
    assert found("sourdough") == ["Ann Lee"]
    assert found("rye.ex") == ["Ann Lee"]
    assert found("An") == ["Ann Lee"]  # under three characters: a plain scan
    cli.ok("rm", "ann", "--yes")
    assert found("sourdough") == []


@pytest.mark.parametrize("text", ['"', '""', "a*", "AND", "NEAR(x y)", "x OR y", "col:val", "'; DROP TABLE contacts; --"])
def test_search_text_is_never_a_query_language(cli, text):
    cli.ok("add", f"Odd {text} name")
    assert [row[2] for row in cli.ok("list", "--search", text).rows()] == [f"Odd {text} name"]


def test_search_finds_a_phone_however_it_is_typed(cli):
    cli.ok("add", "Ann Lee", "--phone", "+44 20 7946 0958")
    for typed in ("7946 0958", "+44 20 7946", "(020) 7946-0958"[5:], "79460958"):
        assert [row[2] for row in cli.ok("list", "--search", typed).rows()] == ["Ann Lee"], typed


def test_show_is_the_whole_customer_page(cli):
    cli.ok("add", "Jonas Weber", "--tag", "client")
    cli.ok("cadence", "jonas", "14d")
    cli.ok("deal", "add", "jonas", "Website", "--value", "8000", "--close", "Dec 15")
    cli.ok("deal", "add", "jonas", "Old one", "--stage", "lost")
    cli.ok("occasion", "add", "jonas", "12-01", "--label", "anniversary")
    cli.ok("remind", "jonas", "Send the quote", "--on", "tomorrow")
    for n in range(12):
        cli.ok("log", "jonas", "order" if n < 3 else "call", f"touch {n}", *(["--amount", "100"] if n < 3 else []),
               "--at", f"{40 - 3 * n} days ago")  # fmt: skip
    page = cli.ok("show", "jonas", "--json").json()
    assert (page["value"]["orders"], page["value"]["lifetime_value"], page["value"]["average_order_value"],
            page["value"]["median_gap_days"]) == (3, 300, 100, 3)  # fmt: skip
    assert page["score"] > 0
    assert page["cadence"] == {"days": 14, "next_touch_on": "2026-11-25"}  # 14 days after the last call
    assert [d["title"] for d in page["deals"]] == ["Website"]  # open deals only
    assert [o["label"] for o in page["occasions"]] == ["anniversary"]
    assert [r["text"] for r in page["reminders"]] == ["Send the quote"]
    assert len(page["interactions"]) == 10 and page["interactions_more"] == 2
    screen = "\n".join(cli.ok("show", "jonas", tty=True).screen())
    for words in ("Lifetime value", "300.00", "Average order", "Usual gap", "3 days", "Score", "every 14 days",
                  "Open deals", "Website", "Occasions", "anniversary", "Open reminders", "Recent interactions",
                  "2 more — minicrm history 1"):  # fmt: skip
        assert words in screen, words
