"""Refunds: a kind of interaction whose positive amount lowers value and revenue and is not an order."""

from __future__ import annotations

import sqlite3

import pytest

from minicrm.store import migrations, open_store


@pytest.fixture
def ann(cli):
    cli.ok("add", "Ann Lee")
    cli.ok("log", "ann", "order", "Wedding cake", "--amount", "300", "--at", "2026-11-02 10:00")
    cli.ok("log", "ann", "order", "Bread", "--amount", "20", "--at", "2026-11-09 10:00")
    return "ann"


def value(cli):
    (row,) = cli.ok("customers", "--json").json()
    return row["orders"], row["lifetime_value"], row["average_order_value"]


def test_a_refund_lowers_value_and_revenue_and_is_not_an_order(cli, ann):
    assert value(cli) == (2, 320, 160)
    logged = cli.ok("log", ann, "refund", "Cake arrived damaged", "--amount", "50", "--at", "2026-11-10 09:00")
    assert logged.rows()[0][4] == "refund"
    assert value(cli) == (2, 270, 135)
    rep = cli.ok("report", "--json").json()
    assert (rep["orders_in_window"], rep["revenue_in_window"]) == (2, 270)
    assert {b["start"][:7]: b["amount"] for b in rep["revenue_per_month"]}["2026-11"] == 270
    assert cli.ok("show", ann, "--json").json()["stage"] == "retention"  # a refund moves no stage


def test_removing_or_correcting_a_refund_puts_the_value_back(cli, ann):
    refund = cli.id("log", ann, "refund", "Damaged", "--amount", "50")
    cli.ok("interaction", "edit", refund, "--amount", "10")
    assert value(cli)[1] == 310
    cli.ok("interaction", "edit", refund, "--kind", "note")
    assert value(cli)[1] == 320
    cli.ok("interaction", "edit", refund, "--kind", "refund")
    assert value(cli)[1] == 310
    cli.ok("interaction", "rm", refund, "--yes")
    assert value(cli)[1] == 320
    cli.ok("undo")
    assert value(cli)[1] == 310


@pytest.mark.parametrize("amount", [None, "0", "-5"])
def test_a_refund_needs_a_positive_amount(cli, ann, amount):
    args = ["log", ann, "refund", "Damaged"] + (["--amount", amount] if amount is not None else [])
    result = cli(*args)
    assert result.exit_code == 1 and result.stdout == ""
    assert "refund needs the amount paid back" in result.stderr
    assert len(cli.ok("history", "--json").json()) == 2


def test_refunds_can_be_listed_by_kind(cli, ann):
    cli.ok("log", ann, "refund", "Damaged", "--amount", "5")
    assert [h["kind"] for h in cli.ok("history", "--kind", "refund", "--json").json()] == ["refund"]


def test_upgrading_keeps_interactions_their_index_and_their_triggers(cli, isolated, now, monkeypatch):
    """m012 rebuilds the interactions table: rows, full-text search, derived state and audit survive."""
    everything = list(migrations.MIGRATIONS)
    before = [fn.__name__ for fn in everything].index("m012_refunds")
    monkeypatch.setattr(migrations, "MIGRATIONS", everything[:before])
    open_store(isolated, now).close()
    conn = sqlite3.connect(isolated)
    with conn:  # what an older minicrm wrote (as rows: today's code writes today's search row)
        conn.execute("INSERT INTO contacts (id, uid, name, name_fold, stage, created_at, updated_at) VALUES"
                     " (1, 'u1', 'Ann Lee', 'ann lee', 'purchase', '2026-11-01T09:00:00Z', '2026-11-01T09:00:00Z')")
        conn.execute("INSERT INTO contact_search (rowid, name, folded) VALUES (1, 'Ann Lee', 'ann lee')")
        conn.executemany("INSERT INTO interactions (uid, contact_id, kind, occurred_at, text, amount_cents, created_at)"
                         " VALUES (?, 1, ?, ?, ?, ?, '2026-11-05T09:00:00Z')",
                         [("i1", "order", "2026-11-02T09:00:00Z", "Sourdough loaf", 800),
                          ("i2", "call", "2026-11-05T09:00:00Z", "asked about rye", None)])  # fmt: skip
    monkeypatch.setattr(migrations, "MIGRATIONS", everything)
    open_store(isolated, now).close()
    assert conn.execute("SELECT count(*) FROM interactions").fetchone()[0] == 2
    names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE tbl_name = 'interactions'")}
    assert {"interactions_ai", "interactions_last_ad", "interactions_stats_in", "interactions_stats_de", "interactions_audit_update",
            "interactions_reorder_au", "interactions_contact_at", "interactions_orders_at"} <= names  # fmt: skip
    assert "rye" in cli.ok("search", "rye").stdout
    cli.ok("log", "ann", "refund", "stale loaf", "--amount", "3")
    assert value(cli) == (1, 5, 5)
    call = cli.ok("history", "--kind", "call", "--json").json()[0]["id"]
    cli.ok("interaction", "rm", call, "--yes")
    cli.ok("undo")
    assert len(cli.ok("history", "--json").json()) == 3
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
