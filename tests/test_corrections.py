"""Correcting and removing what was recorded: interaction edit/rm, reminder edit/rm, deal edit/rm."""

from __future__ import annotations

import pytest


@pytest.fixture
def ann(cli):
    cli.ok("add", "Ann Lee", "--email", "ann@example.com")
    return "ann"


def customer(cli, name="Ann Lee"):
    rows = [r for r in cli.ok("customers", "--json").json() if r["contact_name"] == name]
    return rows[0] if rows else None


def last_change(cli):
    return cli.ok("audit", "--limit", "1", "--json").json()[0]


# ------------------------------------------------------------------ interactions


def test_interaction_edit_corrects_the_amount_and_customer_value_follows(cli, ann):
    order = cli.id("log", ann, "order", "Cake", "--amount", "500", "--at", "3 days ago")
    assert customer(cli)["lifetime_value"] == 500
    result = cli.ok("interaction", "edit", order, "--amount", "50", "--json")
    assert result.json()["amount"] == 50
    assert result.json()["text"] == "Cake"  # what was not given is kept
    assert customer(cli)["lifetime_value"] == 50
    assert last_change(cli)["command"] == "interaction edit"


def test_interaction_edit_moves_last_contact_with_the_date(cli, ann):
    call = cli.id("log", ann, "call", "hello")
    assert cli.ok("show", ann, "--json").json()["last_contact_at"].startswith("2026-11-18")
    cli.ok("interaction", "edit", call, "--at", "2026-11-01 10:00")
    assert cli.ok("show", ann, "--json").json()["last_contact_at"].startswith("2026-11-01")


def test_interaction_edit_to_an_order_applies_the_lifecycle_rule(cli, ann):
    note = cli.id("log", ann, "note", "Paid 20 for bread")
    result = cli.ok("interaction", "edit", note, "--kind", "order", "--amount", "20")
    assert "moved from awareness to purchase" in result.stderr
    assert cli.ok("show", ann, "--json").json()["stage"] == "purchase"
    assert customer(cli)["orders"] == 1
    # an order that becomes a note no longer counts, and the stage is never moved back
    cli.ok("interaction", "edit", note, "--kind", "note")
    assert customer(cli) is None
    assert cli.ok("show", ann, "--json").json()["stage"] == "purchase"


def test_interaction_edit_text_is_searchable_and_empty_text_clears_it(cli, ann):
    call = cli.id("log", ann, "call", "talked about sourdough")
    cli.ok("interaction", "edit", call, "--text", "talked about croissants")
    assert [h["text"] for h in cli.ok("history", "--json").json()] == ["talked about croissants"]
    assert "croissants" in cli.ok("search", "croissants").stdout
    assert "sourdough" not in cli.ok("search", "sourdough").stdout
    assert cli.ok("interaction", "edit", call, "--text", "", "--json").json()["text"] is None


@pytest.mark.parametrize("args, code, words", [
    (["99", "--text", "x"], 3, "no interaction with id 99"),
    (["1"], 1, "nothing to change"),
    (["1", "--kind", "lunch"], 1, "kind"),
    (["1", "--at", "tomorrow"], 1, "in the future"),
    (["1", "--amount", "lots"], 1, "not an amount"),
    (["1", "--at", "the day after never"], 2, ""),
])  # fmt: skip
def test_interaction_edit_errors_change_nothing(cli, ann, args, code, words):
    cli.ok("log", ann, "call", "hello")
    before = cli.ok("history", "--json").json()
    result = cli("interaction", "edit", *args)
    assert result.exit_code == code
    assert result.stdout == ""
    assert words in result.stderr and result.stderr.startswith("Error:") and len(result.stderr.splitlines()) == 1
    assert cli.ok("history", "--json").json() == before


def test_interaction_rm_asks_in_a_script_and_removes_with_yes_as_one_change(cli, ann):
    first = cli.id("log", ann, "order", "A", "--amount", "10", "--at", "5 days ago")
    second = cli.id("log", ann, "order", "B", "--amount", "30", "--at", "2 days ago")
    cli.ok("log", ann, "call", "kept")
    refused = cli("interaction", "rm", first)
    assert refused.exit_code == 2 and "--yes" in refused.stderr
    assert len(cli.ok("history", "--json").json()) == 3
    removed = cli.ok("interaction", "rm", first, second, "--yes")
    assert removed.stdout == "" and "Removed 2 interactions" in removed.stderr
    assert [h["text"] for h in cli.ok("history", "--json").json()] == ["kept"]
    assert customer(cli) is None
    assert last_change(cli)["command"] == "interaction rm"
    cli.ok("undo")
    assert len(cli.ok("history", "--json").json()) == 3
    assert customer(cli)["lifetime_value"] == 40


def test_interaction_rm_on_a_terminal_asks_and_no_keeps_it(cli, ann, monkeypatch):
    from minicrm.cli import common

    monkeypatch.setattr(common, "stdin_is_terminal", lambda: True)
    call = cli.id("log", ann, "call", "hello")
    kept = cli("interaction", "rm", call, input="n\n")
    assert kept.exit_code == 1 and "Remove interaction" in kept.stderr
    assert len(cli.ok("history", "--json").json()) == 1
    cli.ok("interaction", "rm", call, input="y\n")
    assert cli.ok("history", "--json").json() == []


def test_interaction_rm_of_an_unknown_id_removes_nothing(cli, ann):
    call = cli.id("log", ann, "call", "hello")
    result = cli("interaction", "rm", call, 77, "--yes")
    assert result.exit_code == 3 and "77" in result.stderr
    assert len(cli.ok("history", "--json").json()) == 1


def test_removing_the_latest_interaction_moves_last_contact_back(cli, ann):
    cli.ok("log", ann, "call", "old", "--at", "2026-10-01 10:00")
    new = cli.id("log", ann, "call", "new")
    cli.ok("interaction", "rm", new, "--yes")
    assert cli.ok("show", ann, "--json").json()["last_contact_at"].startswith("2026-10-01")


# ------------------------------------------------------------------ reminders


def due_ids(cli, *args):
    return [row["id"] for row in cli.ok("due", "--week", *args, "--json").json() if row["kind"] == "reminder"]


def test_reminder_edit_changes_text_and_date(cli, ann):
    rid = cli.id("remind", ann, "Call", "--on", "today")
    edited = cli.ok("reminder", "edit", rid, "--text", "Call about the cake", "--on", "fri 10am", "--json").json()
    assert (edited["text"], edited["due_on"], edited["due_time"]) == ("Call about the cake", "2026-11-20", "10:00")
    assert last_change(cli)["command"] == "reminder edit"


def test_reminder_edit_new_date_restarts_the_rhythm(cli, ann):
    rid = cli.id("remind", ann, "Invoice", "--on", "2026-11-10", "--every", "monthly")
    cli.ok("reminder", "edit", rid, "--on", "2026-11-30")
    done = cli.ok("done", rid, "--json").json()[0]
    assert done["due_on"] == "2026-12-30"


def test_reminder_edit_every_and_no_repeat(cli, ann):
    rid = cli.id("remind", ann, "Check in", "--on", "today")
    assert cli.ok("reminder", "edit", rid, "--every", "weekly", "--json").json()["rule"] == "weekly"
    assert cli.ok("done", rid, "--json").json()[0]["due_on"] == "2026-11-25"
    assert cli.ok("reminder", "edit", rid, "--no-repeat", "--json").json()["rule"] is None
    assert cli.ok("done", rid, "--json").json()[0]["status"] == "done"


@pytest.mark.parametrize("args, code, words", [
    (["99", "--text", "x"], 3, "no reminder with id 99"),
    (["1"], 1, "nothing to change"),
    (["1", "--every", "weekly", "--no-repeat"], 1, "contradict"),
    (["1", "--every", "sometimes"], 2, ""),
    (["1", "--on", "whenever"], 2, ""),
    (["1", "--text", ""], 1, "empty"),
])  # fmt: skip
def test_reminder_edit_errors_change_nothing(cli, ann, args, code, words):
    cli.ok("remind", ann, "Call", "--on", "today")
    before = cli.ok("due", "--json").json()
    result = cli("reminder", "edit", *args)
    assert result.exit_code == code and result.stdout == ""
    assert words in result.stderr and len(result.stderr.splitlines()) == 1
    assert cli.ok("due", "--json").json() == before


def test_reminder_rm_cancels_keeps_history_and_leaves_due(cli, ann):
    rid = cli.id("remind", ann, "Bread order", "--on", "2026-11-11", "--every", "weekly")
    cli.ok("done", rid)  # one occurrence done: history to keep
    other = cli.id("remind", ann, "Call", "--on", "today")
    assert due_ids(cli) == [other, rid]
    result = cli.ok("reminder", "rm", rid, "--json")
    assert result.json()[0]["status"] == "cancelled" and "Cancelled reminder" in result.stderr
    assert due_ids(cli) == [other]
    again = cli("reminder", "rm", rid)
    assert again.exit_code == 1 and "already cancelled" in again.stderr
    assert cli("done", rid).exit_code == 1
    assert cli("snooze", rid, "--until", "tomorrow").exit_code == 1
    assert cli("reminder", "edit", rid, "--text", "x").exit_code == 1
    changes = cli.ok("audit", "--json").json()
    assert any(c["table"] == "reminder_completions" for c in changes)  # the completion is still on record
    cli.ok("undo")
    assert due_ids(cli) == [other, rid]


def test_reminder_rm_of_several_is_one_change(cli, ann):
    a = cli.id("remind", ann, "A", "--on", "today")
    b = cli.id("remind", ann, "B", "--on", "today")
    cli.ok("reminder", "rm", a, b)
    assert due_ids(cli) == []
    cli.ok("undo")
    assert due_ids(cli) == [a, b]


# ------------------------------------------------------------------ deals


def test_deal_edit_corrects_fields(cli, ann):
    cli.ok("add", "Priya Shah")
    deal = cli.id("deal", "add", ann, "Cake", "--value", "100", "--close", "Dec 1")
    edited = cli.ok("deal", "edit", deal, "--title", "Wedding cake", "--value", "250", "--close", "",
                    "--contact", "priya", "--json").json()  # fmt: skip
    assert (edited["title"], edited["value"], edited["close_on"], edited["contact_name"]) == \
        ("Wedding cake", 250, None, "Priya Shah")  # fmt: skip
    assert edited["stage"] == "lead"


def test_deal_edit_stage_won_logs_the_order(cli, ann):
    deal = cli.id("deal", "add", ann, "Cake", "--value", "100")
    assert cli.ok("deal", "edit", deal, "--stage", "won", "--json").json()["stage"] == "won"
    orders = cli.ok("history", "--kind", "order", "--json").json()
    assert [o["amount"] for o in orders] == [100]


def test_a_deal_past_its_close_date_leaves_due_once_moved_back(cli, ann):
    deal = cli.id("deal", "add", ann, "Cake", "--value", "100", "--close", "today")
    cli.ok("deal", "edit", deal, "--close", "2026-11-10")
    assert [r["kind"] for r in cli.ok("due", "--json").json()] == ["deal"]
    cli.ok("deal", "edit", deal, "--close", "Jan 15")
    assert cli.ok("due", "--json").json() == []


@pytest.mark.parametrize("args, code, words", [
    (["99", "--title", "x"], 3, "no deal with id 99"),
    (["1"], 1, "nothing to change"),
    (["1", "--value", "-5"], 1, "negative"),
    (["1", "--stage", "maybe"], 1, "deal stage"),
    (["1", "--contact", "nobody"], 3, "nobody"),
    (["1", "--close", "someday maybe"], 2, ""),
])  # fmt: skip
def test_deal_edit_errors_change_nothing(cli, ann, args, code, words):
    cli.ok("deal", "add", ann, "Cake", "--value", "100")
    before = cli.ok("deal", "list", "--json").json()
    result = cli("deal", "edit", *args)
    assert result.exit_code == code and result.stdout == ""
    assert words in result.stderr and len(result.stderr.splitlines()) == 1
    assert cli.ok("deal", "list", "--json").json() == before


def test_deal_rm_asks_removes_and_undo_brings_it_back(cli, ann):
    deal = cli.id("deal", "add", ann, "Cake", "--value", "100")
    other = cli.id("deal", "add", ann, "Bread", "--value", "10")
    assert cli("deal", "rm", deal).exit_code == 2
    assert len(cli.ok("deal", "list", "--json").json()) == 2
    result = cli.ok("deal", "rm", deal, other, "--yes")
    assert "Removed 2 deals" in result.stderr
    assert cli.ok("deal", "list", "--json").json() == []
    assert cli("deal", "rm", deal, "--yes").exit_code == 3
    cli.ok("undo")
    assert [d["id"] for d in cli.ok("deal", "list", "--json").json()] == [deal, other]


def test_the_reorder_date_follows_a_removed_or_moved_interaction(cli, ann):
    for days in (20, 13, 6):
        cli.ok("log", ann, "order", "Bread", "--amount", "10", "--at", f"{days} days ago")

    def reorder_on():
        items = [i for i in cli.ok("due", "--week", "--json").json() if i["kind"] == "reorder"]
        return items[0]["due_on"] if items else None

    assert reorder_on() == "2026-11-19"  # last order + the usual 7 days
    call = cli.id("log", ann, "call", "Asked about Christmas")
    assert reorder_on() == "2026-11-25"  # counts from the last contact
    cli.ok("interaction", "edit", call, "--at", "4 days ago")
    assert reorder_on() == "2026-11-21"
    cli.ok("interaction", "rm", call, "--yes")
    assert reorder_on() == "2026-11-19"
