"""Occasions: a yearly date with a lead time, shown in due with last year's order."""

from __future__ import annotations

OCCASION = ["id", "uid", "contact_id", "contact_name", "label", "date", "lead_days", "note", "next_on", "notify_on"]


def occasions_due(cli, when, *args):
    items = cli.ok("due", "--kind", "occasion", *args, "--json", env={"MINICRM_NOW": when}).json()
    return [(i["text"], i["due_on"], i["urgency"]) for i in items]


def test_birthday_with_lead_time_and_last_years_order(cli):
    cli.ok("add", "Ann", "--birthday", "1990-11-25")
    cli.ok("log", "ann", "order", "Chocolate cake", "--amount", "45", "--at", "2025-11-20 10:00")
    cli.ok("log", "ann", "order", "Bread", "--amount", "5", "--at", "2025-08-01 10:00")  # too early to count
    added = cli.ok("occasion", "add", "ann", "birthday", "--note", "custom cake", "--json").json()
    assert list(added) == OCCASION
    assert (added["date"], added["lead_days"], added["next_on"], added["notify_on"]) == (
        "1990-11-25", 14, "2026-11-25", "2026-11-11")
    items = cli.ok("due", "--json").json()
    assert [(i["kind"], i["item_id"], i["text"], i["due_on"], i["state"]) for i in items] == [
        ("occasion", "occasion:1", "Birthday in 7 days: custom cake", "2026-11-25", "upcoming")]
    assert items[0]["reason"] == ("birthday on 25 Nov, reminding 14 days ahead; last year: Chocolate cake (45.00);"
                                  " customer worth 50.00")
    assert items[0]["urgency"] == 7 + 7  # base 7 + 7 days since the reminding began (value points: none under 100)
    assert occasions_due(cli, "2026-11-10T09:00") == []  # before the lead time
    assert occasions_due(cli, "2026-11-10T09:00", "--week") == [("Birthday in 15 days: custom cake", "2026-11-25", 6)]
    assert occasions_due(cli, "2026-11-25T09:00")[0][0] == "Birthday today: custom cake"


def test_a_passed_occasion_rolls_to_next_year(cli):
    cli.ok("add", "Tom")
    cli.ok("occasion", "add", "tom", "11-20", "--label", "anniversary", "--lead", "1w")
    assert occasions_due(cli, "2026-11-20T09:00") == [("Anniversary today", "2026-11-20", 14)]
    assert occasions_due(cli, "2026-11-21T09:00") == []
    later = {"MINICRM_NOW": "2026-11-21T09:00"}
    assert cli.ok("occasion", "list", "--json", env=later).json()[0]["next_on"] == "2027-11-20"  # seen rolled
    cli.ok("add", "Someone", env=later)  # the first write after it passed rolls the stored dates too
    rolled = [e for e in cli.ok("audit", "--json").json() if e["table"] == "occasions" and e["action"] == "update"]
    assert [(e["command"], e["new"]["next_on"]) for e in rolled] == [("add", "2027-11-20")]
    item = cli.ok("due", "--json", env={"MINICRM_NOW": "2027-11-15T09:00"}).json()[0]
    assert item["text"] == "Anniversary in 5 days" and item["reason"].endswith("no order around it last year")


def test_29_february_falls_on_the_28th_in_other_years(cli):
    cli.ok("add", "Leap", "--birthday", "2000-02-29")
    assert cli.ok("occasion", "add", "leap", "birthday", "--json").json()["next_on"] == "2027-02-28"


def test_occasion_errors_and_rm(cli):
    cli.ok("add", "Ann")
    no_birthday = cli("occasion", "add", "ann", "birthday")
    assert no_birthday.exit_code == 1 and "has no birthday" in no_birthday.stderr
    assert cli("occasion", "add", "ann", "05-17", "--lead", "200d").exit_code == 1
    assert cli("occasion", "add", "ann", "someday").exit_code == 2  # an unreadable date is a usage error
    cli.ok("occasion", "add", "ann", "05-17", "--lead", "0")
    assert "Deleted occasion 1." in cli.ok("occasion", "rm", "1").stderr
    assert cli("occasion", "rm", "1").exit_code == 3
    assert cli.ok("occasion", "list", "--json").json() == []
