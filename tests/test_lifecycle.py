"""Lifecycle rules: orders and referrals move contacts forward, never back; a person's stage wins."""

from __future__ import annotations


def stage(cli, who):
    return cli.ok("show", who, "--json").json()["stage"]


def history(cli, who):
    return [(s["from_stage"], s["to_stage"], s["source"]) for s in cli.ok("show", who, "--json").json()["stage_history"]]


def test_first_order_purchase_second_retention_third_nothing(cli):
    cli.ok("add", "Ann")
    first = cli.ok("log", "ann", "order", "--amount", "5")
    assert "Ann moved from awareness to purchase." in first.stderr
    assert stage(cli, "ann") == "purchase"
    second = cli.ok("log", "ann", "order")
    assert "moved from purchase to retention" in second.stderr
    third = cli.ok("log", "ann", "order")
    assert third.stderr == ""
    assert history(cli, "ann") == [(None, "awareness", "add"), ("awareness", "purchase", "rule"),
                                   ("purchase", "retention", "rule")]  # fmt: skip


def test_other_kinds_move_nobody(cli):
    cli.ok("add", "Ann")
    for kind in ("call", "email", "meeting", "note", "message", "visit", "ticket"):
        assert cli.ok("log", "ann", kind).stderr == ""
    assert stage(cli, "ann") == "awareness"


def test_rules_never_move_backwards(cli):
    cli.ok("add", "Ann", "--stage", "advocacy")
    cli.ok("add", "Bob", "--stage", "retention")
    cli.ok("log", "ann", "order")
    cli.ok("log", "bob", "order")
    assert stage(cli, "ann") == "advocacy" and stage(cli, "bob") == "retention"
    assert history(cli, "bob") == [(None, "retention", "add")]


def test_a_first_order_skips_to_purchase_and_a_second_skips_to_retention(cli):
    cli.ok("add", "Ann", "--stage", "consideration")
    cli.ok("log", "ann", "order", "--at", "2 days ago")
    cli.ok("log", "ann", "order", "--at", "1 week ago")  # backdated: still the second order
    assert history(cli, "ann")[1:] == [("consideration", "purchase", "rule"), ("purchase", "retention", "rule")]


def test_a_manual_stage_wins_over_later_orders(cli):
    cli.ok("add", "Ann")
    cli.ok("log", "ann", "order")
    cli.ok("log", "ann", "order")
    cli.ok("stage", "ann", "consideration")  # the owner knows better
    cli.ok("log", "ann", "order")
    assert stage(cli, "ann") == "consideration"
    assert history(cli, "ann")[-1] == ("retention", "consideration", "user")


def test_referral_moves_to_advocacy_and_links_both(cli):
    cli.ok("add", "Priya", "--stage", "purchase")
    cli.ok("add", "Jonas")
    logged = cli.ok("log", "priya", "referral", "Introduced Jonas", "--referred", "jonas", "--json")
    assert "Priya moved from purchase to advocacy." in logged.stderr
    assert logged.json()["kind"] == "referral"
    assert stage(cli, "priya") == "advocacy"
    assert stage(cli, "jonas") == "awareness"  # being referred is not a move
    rows = cli.ok("referrals", "--json").json()
    assert [(r["referrer_name"], r["referred_name"], r["text"]) for r in rows] == [("Priya", "Jonas", "Introduced Jonas")]
    assert [r["referrer_id"] for r in cli.ok("referrals", "jonas", "--json").json()] == [1]
    assert len(cli.ok("referrals", "priya", "--json").json()) == 1


def test_referrals_list_is_newest_first_and_survives_deleting_the_referred(cli):
    for name in ("Priya", "Jonas", "Lena"):
        cli.ok("add", name)
    cli.ok("log", "priya", "referral", "--referred", "jonas", "--at", "3 days ago")
    cli.ok("log", "priya", "referral", "--referred", "lena", "--at", "yesterday")
    assert [r["referred_name"] for r in cli.ok("referrals", "--json").json()] == ["Lena", "Jonas"]
    cli.ok("rm", "lena", "--yes")
    assert [r["referred_name"] for r in cli.ok("referrals", "--json").json()] == [None, "Jonas"]
    assert cli.ok("referrals", "jonas").rows()[0][5] == "Jonas"


def test_referred_needs_a_referral_and_another_person(cli):
    cli.ok("add", "Priya")
    cli.ok("add", "Jonas")
    wrong_kind = cli("log", "priya", "call", "--referred", "jonas")
    assert wrong_kind.exit_code == 1 and "--referred goes with a referral" in wrong_kind.stderr
    self_ref = cli("log", "priya", "referral", "--referred", "priya")
    assert self_ref.exit_code == 1 and "cannot refer themselves" in self_ref.stderr
    missing = cli("log", "priya", "referral", "--referred", "nobody")
    assert missing.exit_code == 3 and missing.stdout == ""
    assert cli.ok("history", "--json").json() == []  # nothing was logged by the failures
    assert stage(cli, "priya") == "awareness"


def test_no_referrals_is_an_empty_success(cli):
    result = cli.ok("referrals", "--json")
    assert result.json() == []
