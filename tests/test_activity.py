"""log and history."""

from __future__ import annotations

import pytest


@pytest.fixture
def ann(cli):
    cli.ok("add", "Ann Lee", "--email", "ann@example.com")
    return "ann"


def test_log_prints_the_interaction_id_first(cli, ann):
    row = cli.ok("log", ann, "call", "Asked about cakes").rows()[0]
    assert row[0] == "1"
    assert row[4] == "call"
    assert row[6] == "Asked about cakes"


def test_log_reads_text_from_stdin(cli, ann):
    body = "Dear Ann,\n\tthe cake is ready.\n"
    logged = cli.ok("log", "ann@example.com", "email", "-", "--json", input=body).json()
    assert logged["text"] == "Dear Ann,\n\tthe cake is ready."
    tsv = cli.ok("history").rows()[0]
    assert tsv[6] == "Dear Ann,\\n\\tthe cake is ready."  # one record per line


def test_log_at_and_amount(cli, ann):
    logged = cli.ok("log", ann, "order", "Cake", "--at", "yesterday 4pm", "--amount", "1,234.5", "--json").json()
    assert logged["at"] == "2026-11-17T16:00:00+01:00"
    assert logged["amount"] == 1234.5
    no_time = cli.ok("log", ann, "visit", "--at", "mon", "--json").json()
    assert no_time["at"] == "2026-11-16T12:00:00+01:00"  # the Monday just gone, midday
    now = cli.ok("log", ann, "note", "--json").json()
    assert now["at"] == "2026-11-18T09:30:00+01:00"


def test_log_rejects_bad_input_and_writes_nothing(cli, ann):
    assert cli("log", ann, "telepathy").exit_code == 1
    assert cli("log", ann, "call", "--amount", "ten").exit_code == 1
    assert cli("log", ann, "call", "--amount", "nan").exit_code == 1
    assert cli("log", ann, "call", "--at", "whenever").exit_code == 2
    assert cli("log", ann, "call", "bell\x07").exit_code == 1
    assert cli("log", "nobody", "call").exit_code == 3
    future = cli("log", ann, "call", "--at", "tomorrow")
    assert future.exit_code == 1 and "in the future" in future.stderr and "minicrm remind" in future.stderr
    assert cli.ok("history").stdout == ""


def test_kind_accepts_a_unique_prefix(cli, ann):
    assert cli.ok("log", ann, "ord", "--json").json()["kind"] == "order"
    ambiguous = cli("log", ann, "me")
    assert ambiguous.exit_code == 1 and "meeting" in ambiguous.stderr and "message" in ambiguous.stderr


def test_history_is_newest_first_and_filters(cli, ann):
    cli.ok("add", "Bob")
    cli.ok("log", ann, "call", "first", "--at", "2026-11-01 10:00")
    cli.ok("log", ann, "order", "second", "--at", "2026-11-10 10:00", "--amount", "3")
    cli.ok("log", "bob", "email", "third", "--at", "2026-11-15 10:00")

    def texts(*args):
        return [row["text"] for row in cli.ok("history", *args, "--json").json()]

    assert texts() == ["third", "second", "first"]
    assert texts(ann) == ["second", "first"]
    assert texts("--kind", "order") == ["second"]
    assert texts("--kind", "order", "--kind", "email") == ["third", "second"]
    assert texts("--since", "2026-11-10") == ["third", "second"]
    assert texts("--until", "2026-11-10") == ["second", "first"]  # the whole day counts
    assert texts("--since", "2026-11-02", "--until", "2026-11-14") == ["second"]
    assert texts("--limit", "1") == ["third"]
    backwards = cli("history", "--since", "2026-11-10", "--until", "2026-11-01")
    assert backwards.exit_code == 1


def test_history_table_on_a_terminal_shows_a_screenful(cli, ann):
    for i in range(40):
        cli.ok("log", ann, "note", f"note {i}", "--at", f"2026-10-{(i % 28) + 1:02d}")
    table = cli.ok("history", tty=True, env={"LINES": "20"}).stdout
    assert "— use --all" in table
    assert table.count("note ") < 40
    full = cli.ok("history", "--all", tty=True, env={"LINES": "20"}).stdout
    assert full.count("note ") == 40 and "more" not in full
    assert len(cli.ok("history").rows()) == 40  # pipes always get everything


def test_interactions_are_instants_shown_in_local_time(cli, ann, monkeypatch):
    import time

    monkeypatch.setenv("TZ", "Pacific/Auckland")
    time.tzset()
    cli.ok("log", ann, "call", "--at", "2026-11-18 23:30", env={"MINICRM_NOW": "2026-11-19T08:00"})
    monkeypatch.setenv("TZ", "America/Los_Angeles")
    time.tzset()
    at = cli.ok("history", "--json").json()[0]["at"]
    assert at == "2026-11-18T02:30:00-08:00"  # the same instant


def test_a_listing_keeps_a_multi_line_text_on_one_line_and_a_confirmation_shows_it_whole(cli, ann):
    text = "Called about the spring wedding order.\nThree tiers, lemon curd, no nuts; delivery to the mill"
    logged = cli.ok("log", ann, "call", text, tty=True, env={"COLUMNS": "80"}).stdout
    assert all(word in " ".join(logged.split()) for word in text.split())  # what was written, whole
    cli.ok("log", ann, "email", "Sent the quote")
    rows = [line.strip() for line in cli.ok("history", tty=True, env={"COLUMNS": "80"}).screen()]
    rows = [row for row in rows if row and row[0].isdigit()]
    assert len(rows) == 2 and "Sent the quote" in rows[0] and "Called about the spring" in rows[1]
    assert "…" in rows[1]


def test_amounts_stay_in_a_narrow_history_table(cli):
    cli.ok("add", "Ann Lee")
    cli.ok("log", "ann", "order", "A wedding cake with three tiers and sugar flowers", "--amount", "1234.50")
    for columns in ("80", "60"):
        screen = "\n".join(cli.ok("history", tty=True, env={"COLUMNS": columns}).screen())
        assert "1,234.50" in screen, columns
