"""Deals: add, list, move, the pipeline; a won deal counts as an order."""

from __future__ import annotations

import pytest

DEAL = ["id", "uid", "contact_id", "contact_name", "title", "value", "stage", "close_on", "closed_at",
        "created_at", "updated_at", "currency"]  # fmt: skip
PIPELINE = ["stage", "count", "value", "probability", "weighted_value", "currency"]


@pytest.fixture
def people(cli):
    cli.ok("add", "Jonas Weber")
    cli.ok("add", "Priya Nair")


def test_add_prints_the_deal_with_defaults(cli, people):
    deal = cli.ok("deal", "add", "jonas", "Website relaunch", "--value", "8000", "--close", "Dec 15", "--json").json()
    assert list(deal) == DEAL
    assert (deal["id"], deal["contact_name"], deal["title"], deal["value"], deal["stage"], deal["close_on"]) == (
        1, "Jonas Weber", "Website relaunch", 8000.0, "lead", "2026-12-15")
    assert deal["closed_at"] is None
    row = cli.ok("deal", "add", "priya", "Logo", "--stage", "prop").rows()[0]
    assert row[0] == "2" and row[5] == "0.0" and row[6] == "proposal"


def test_invalid_deals_are_refused_and_nothing_is_written(cli, people):
    for args, code, text in [
        (["--value", "-5"], 1, "negative"),
        (["--value", "abc"], 1, "not an amount"),
        (["--stage", "closed"], 1, "not a deal stage"),
        (["--close", "someday soon"], 2, ""),
    ]:
        result = cli("deal", "add", "jonas", "X", *args)
        assert result.exit_code == code, (args, result.stderr)
        assert text in result.stderr and result.stdout == ""
    assert cli("deal", "add", "nobody", "X").exit_code == 3
    assert cli.ok("deal", "list", "--json").json() == []


def test_list_orders_by_close_date_and_filters(cli, people):
    cli.ok("deal", "add", "jonas", "Later", "--close", "2027-01-10")
    cli.ok("deal", "add", "jonas", "No date")
    cli.ok("deal", "add", "priya", "Sooner", "--close", "2026-12-01", "--stage", "negotiation")
    cli.ok("deal", "add", "priya", "Done", "--stage", "lost")
    assert [d["title"] for d in cli.ok("deal", "list", "--json").json()] == ["Sooner", "Later", "No date", "Done"]
    assert [d["title"] for d in cli.ok("deal", "list", "--open", "--json").json()] == ["Sooner", "Later", "No date"]
    assert [d["title"] for d in cli.ok("deal", "list", "--contact", "priya", "--json").json()] == ["Sooner", "Done"]
    assert [d["title"] for d in cli.ok("deal", "list", "--stage", "lost", "--stage", "lead", "--json").json()] == [
        "Later", "No date", "Done"]
    assert cli.ok("deal", "list", "--stage", "lost", "--open", "--json").json() == []


def test_winning_a_deal_logs_an_order_and_moves_the_contact(cli, people):
    cli.ok("deal", "add", "jonas", "Website relaunch", "--value", "8000")
    moved = cli.ok("deal", "move", "1", "won", "--json")
    deal = moved.json()
    assert deal["stage"] == "won" and deal["closed_at"] == "2026-11-18T09:30:00+01:00"
    assert "Logged the win as an order for Jonas Weber" in moved.stderr
    orders = cli.ok("history", "jonas", "--kind", "order", "--json").json()
    assert [(o["text"], o["amount"]) for o in orders] == [("Won deal #1: Website relaunch", 8000.0)]
    shown = cli.ok("show", "jonas", "--json").json()
    assert shown["stage"] == "purchase"
    assert shown["stage_history"][-1]["source"] == "rule"
    again = cli.ok("deal", "move", "1", "won")
    assert "already won" in again.stderr
    assert len(cli.ok("history", "jonas", "--kind", "order", "--json").json()) == 1  # not logged twice


def test_a_second_won_deal_moves_to_retention_and_adding_a_won_deal_counts(cli, people):
    cli.ok("deal", "add", "priya", "Logo", "--value", "2400", "--stage", "won")
    cli.ok("deal", "add", "priya", "Brand book", "--value", "1200")
    cli.ok("deal", "move", "2", "won")
    assert cli.ok("show", "priya", "--json").json()["stage"] == "retention"


def test_move_errors(cli, people):
    cli.ok("deal", "add", "jonas", "X")
    missing = cli("deal", "move", "9", "won")
    assert missing.exit_code == 3 and "no deal with id 9" in missing.stderr
    bad = cli("deal", "move", "1", "maybe")
    assert bad.exit_code == 1 and "lead, proposal, negotiation, won, lost" in bad.stderr
    assert cli.ok("deal", "list", "--json").json()[0]["stage"] == "lead"


def test_pipeline_counts_values_and_weights(cli, people):
    cli.ok("deal", "add", "jonas", "A", "--value", "1000")  # lead 10%
    cli.ok("deal", "add", "jonas", "B", "--value", "2000", "--stage", "proposal")  # 30%
    cli.ok("deal", "add", "priya", "C", "--value", "500.50", "--stage", "proposal")
    cli.ok("deal", "add", "priya", "D", "--value", "4000", "--stage", "negotiation")  # 60%
    cli.ok("deal", "add", "priya", "E", "--value", "300", "--stage", "won")
    cli.ok("deal", "add", "priya", "F", "--value", "999", "--stage", "lost")
    rows = cli.ok("deal", "pipeline", "--json").json()
    assert list(rows[0]) == PIPELINE
    assert [(r["stage"], r["count"], r["value"], r["probability"], r["weighted_value"]) for r in rows] == [
        ("lead", 1, 1000.0, 0.1, 100.0),
        ("proposal", 2, 2500.5, 0.3, 750.15),
        ("negotiation", 1, 4000.0, 0.6, 2400.0),
        ("won", 1, 300.0, 1.0, 300.0),
        ("lost", 1, 999.0, 0.0, 0.0),
    ]
    table = cli.ok("deal", "pipeline", tty=True).stdout
    assert "2,500.50" in table and "30%" in table and "750.15" in table


def test_empty_pipeline_lists_every_stage_at_zero(cli):
    rows = cli.ok("deal", "pipeline", "--json").json()
    assert [(r["stage"], r["count"], r["value"]) for r in rows] == [(s, 0, 0.0) for s in
                                                                     ("lead", "proposal", "negotiation", "won", "lost")]


def test_deals_go_with_their_contact(cli, people):
    cli.ok("deal", "add", "jonas", "X")
    cli.ok("rm", "jonas", "--yes")
    assert cli.ok("deal", "list", "--json").json() == []
