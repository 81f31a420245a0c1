"""Keep-in-touch cadence and the ranked morning list (due): reminders, cadence, deals."""

from __future__ import annotations

import pytest


def due(cli, *args, env=None):
    return [(i["kind"], i["contact_name"], i["days_late"], i["urgency"]) for i in
            cli.ok("due", *args, "--json", env=env).json()]  # fmt: skip


@pytest.fixture
def ann(cli):
    cli.ok("add", "Ann Lee", "--email", "ann@x.example", "--tag", "vip")
    return cli


def test_a_cadence_item_appears_when_the_last_contact_is_older(ann):
    ann.ok("log", "ann", "call", "--at", "2026-10-10 12:00")
    result = ann.ok("cadence", "ann", "30d", "--json").json()
    assert result == {"target": "contact", "contact_id": 1, "name": "Ann Lee", "days": 30,
                      "next_touch_on": "2026-11-09"}  # fmt: skip
    items = ann.ok("due", "--json").json()
    assert len(items) == 1
    item = items[0]
    assert (item["kind"], item["id"], item["item_id"], item["contact_id"], item["text"]) == (
        "cadence", None, "cadence:1", 1, "Get in touch (every 30 days)")  # id is a reminder's only
    assert (item["due_on"], item["state"], item["days_late"]) == ("2026-11-09", "overdue", 9)
    assert item["reason"] == "last contact 39 days ago; cadence 30 days"
    assert item["urgency"] == 5 + 9  # base 5 + 9 days late
    assert item["contact_email"] == "ann@x.example"


def test_logging_anything_clears_it_and_off_removes_it(ann):
    ann.ok("log", "ann", "call", "--at", "2026-10-10 12:00")
    ann.ok("cadence", "ann", "2w")
    assert due(ann) == [("cadence", "Ann Lee", 25, 30)]  # 10-10 + 14 days = 10-24
    ann.ok("log", "ann", "email", "--at", "yesterday")
    assert due(ann) == []
    assert due(ann, "--week") == []
    assert due(ann, env={"MINICRM_NOW": "2026-12-01T09:00"}) == [("cadence", "Ann Lee", 0, 5)]  # due today
    ann.ok("cadence", "ann", "off")
    assert due(ann, env={"MINICRM_NOW": "2026-12-31T09:00"}) == []


def test_a_backdated_log_does_not_reset_a_later_contact(ann):
    ann.ok("log", "ann", "call", "--at", "2026-11-17 12:00")
    ann.ok("cadence", "ann", "7d")
    ann.ok("log", "ann", "note", "--at", "2026-09-01 12:00")
    assert due(ann, "--week") == [("cadence", "Ann Lee", 0, 0)]  # 11-24: 6 days ahead, 5 - 6 clipped to 0
    assert ann.ok("due", "--week", "--json").json()[0]["due_on"] == "2026-11-24"


def test_never_contacted_counts_from_when_they_were_added(ann):
    ann.ok("cadence", "ann", "3")
    items = ann.ok("due", "--json", env={"MINICRM_NOW": "2026-11-25T09:00"}).json()
    assert [(i["due_on"], i["reason"]) for i in items] == [("2026-11-21", "never contacted; cadence 3 days")]


def test_a_tag_cadence_applies_to_tagged_contacts_now_and_later(ann):
    ann.ok("log", "ann", "call", "--at", "2026-11-01 12:00")
    set_tag = ann.ok("cadence", "--tag", "VIP", "14d", "--json")
    assert set_tag.json()["target"] == "tag" and set_tag.json()["name"] == "vip"
    assert "Cadence for tag vip: every 14 days." in set_tag.stderr
    assert due(ann) == [("cadence", "Ann Lee", 3, 8)]
    ann.ok("add", "Bob", "--tag", "vip")  # created now: due in 14 days
    assert [i["contact_name"] for i in ann.ok("due", "--json", env={"MINICRM_NOW": "2026-12-03T09:00"}).json()] == [
        "Ann Lee", "Bob"]
    ann.ok("add", "Cy")
    ann.ok("log", "cy", "call", "--at", "2026-10-01 12:00")
    ann.ok("edit", "cy", "--tag", "vip")  # tagged later: the tag's cadence applies at once
    assert [i["contact_name"] for i in ann.ok("due", "--json").json()] == ["Cy", "Ann Lee"]
    ann.ok("edit", "cy", "--remove-tag", "vip")
    assert [i["contact_name"] for i in ann.ok("due", "--json").json()] == ["Ann Lee"]


def test_own_cadence_beats_the_tag_and_the_shortest_tag_wins(ann):
    ann.ok("log", "ann", "call", "--at", "2026-11-01 12:00")
    ann.ok("edit", "ann", "--tag", "regular")
    ann.ok("cadence", "--tag", "vip", "30d")
    ann.ok("cadence", "--tag", "regular", "10d")
    assert ann.ok("due", "--json").json()[0]["reason"] == "last contact 17 days ago; cadence 10 days"
    ann.ok("cadence", "ann", "60d")
    assert due(ann) == []
    ann.ok("cadence", "ann", "off")  # back to the tags' shortest
    assert due(ann) == [("cadence", "Ann Lee", 7, 12)]
    ann.ok("cadence", "--tag", "regular", "off")
    assert due(ann) == []  # vip's 30 days: not yet


@pytest.mark.parametrize("args, code, text", [
    (["ann", "soon"], 2, "is not a cadence"),
    (["ann", "0d"], 2, "is not a cadence"),
    (["ann"], 2, "give a CONTACT and a PERIOD"),
    (["--tag", "vip"], 2, "give a PERIOD"),
    (["ann", "3d", "--tag", "vip"], 2, "with --tag give only the PERIOD"),
    (["nobody", "3d"], 3, "no contact matches"),
    (["--tag", "two words", "3d"], 1, "is not a tag"),
])  # fmt: skip
def test_cadence_errors(ann, args, code, text):
    result = ann("cadence", *args)
    assert result.exit_code == code and text in result.stderr and result.stdout == ""


def test_deals_past_their_close_date_are_due(cli):
    cli.ok("add", "Jonas")
    cli.ok("deal", "add", "jonas", "Website", "--value", "8000", "--close", "2026-11-10", "--stage", "proposal")
    cli.ok("deal", "add", "jonas", "Later", "--value", "100", "--close", "2026-11-21")
    cli.ok("deal", "add", "jonas", "Lost one", "--close", "2026-11-01", "--stage", "lost")
    items = cli.ok("due", "--json").json()
    assert [(i["kind"], i["id"], i["item_id"], i["text"], i["days_late"]) for i in items] == [
        ("deal", None, "deal:1", "Close the deal: Website (deal 1)", 8)]
    assert items[0]["reason"] == "expected to close 8 days ago; proposal, worth 8,000.00"
    assert items[0]["urgency"] == 8 + 8 + 10  # base + days late + value points (capped)
    assert [i["text"] for i in cli.ok("due", "--week", "--json").json()] == ["Close the deal: Website (deal 1)",
                                                                              "Close the deal: Later (deal 2)"]
    cli.ok("deal", "move", "1", "won")
    assert cli.ok("due", "--json").json() == []


def test_one_list_ranked_by_urgency_and_kind_narrows_it(cli):
    cli.ok("add", "Ann")
    cli.ok("add", "Bob")
    cli.ok("log", "bob", "order", "--amount", "550", "--at", "2026-09-01 12:00")  # worth 550: 5 value points
    cli.ok("remind", "ann", "call back", "--on", "2026-11-16")  # 2 days late: 10 + 2
    cli.ok("remind", "bob", "cake", "--on", "today")  # 10 + 0 + 5
    cli.ok("cadence", "bob", "30d")  # last contact 09-01: due 10-01, 48 days late: 5 + 30 (cap) + 5
    cli.ok("deal", "add", "ann", "Catering", "--value", "300", "--close", "2026-11-17")  # 8 + 1 + 3
    items = cli.ok("due", "--json").json()
    assert [(i["kind"], i["contact_name"], i["urgency"]) for i in items] == [
        ("cadence", "Bob", 40), ("reminder", "Bob", 15), ("reminder", "Ann", 12), ("deal", "Ann", 12)]
    assert items[1]["reason"] == "due today; customer worth 550.00"
    assert [i["kind"] for i in cli.ok("due", "--kind", "deal", "--kind", "cad", "--json").json()] == ["cadence", "deal"]
    assert [i["text"] for i in cli.ok("due", "--kind", "reminder", "--overdue", "--json").json()] == ["call back"]
    bad = cli("due", "--kind", "birthday")
    assert bad.exit_code == 1 and "reminder, cadence, deal" in bad.stderr
    table = cli.ok("due", tty=True).stdout
    assert "Wednesday 18 November: 3 overdue, 1 today" in table and "Get in touch" in table
    assert cli.ok("due").rows()[0][17:] == ["cadence", "cadence:2", "last contact 78 days ago; cadence 30 days; customer worth 550.00", "40"]


def test_likely_to_reorder_from_three_orders_and_reset_by_any_interaction(cli):
    cli.ok("add", "Anna")
    cli.ok("add", "Ben")
    for day in ("2026-10-01", "2026-10-15", "2026-10-29"):  # every 14 days: next one about 11-12
        cli.ok("log", "anna", "order", "--amount", "20", "--at", f"{day} 12:00")
    for day in ("2026-10-01", "2026-10-15"):  # two orders: no prediction
        cli.ok("log", "ben", "order", "--amount", "20", "--at", f"{day} 12:00")
    items = cli.ok("due", "--json").json()
    assert [(i["kind"], i["contact_name"], i["due_on"], i["days_late"]) for i in items] == [
        ("reorder", "Anna", "2026-11-12", 6)]
    assert items[0]["text"] == "Likely to reorder (about every 14 days)"
    assert items[0]["reason"] == "3 orders, usually 14 days apart; last order 20 days ago; customer worth 60.00"
    assert items[0]["urgency"] == 6 + 6  # base 6 + 6 days late (60.00 is under 100: no value points)
    cli.ok("log", "anna", "call", "Asked about next week", "--at", "yesterday 10:00")
    assert cli.ok("due", "--json").json() == []  # the call resets it: next about 12-01
    week = cli.ok("due", "--week", "--json", env={"MINICRM_NOW": "2026-11-26T09:00"}).json()
    assert [(i["kind"], i["due_on"]) for i in week] == [("reorder", "2026-12-01")]
    assert cli.ok("due", "--kind", "reminder", "--json").json() == []


def test_a_reorder_turns_into_at_risk_after_one_more_gap(cli):
    cli.ok("add", "Anna")
    for day in ("2026-09-01", "2026-09-11", "2026-09-21"):  # every 10 days: predicted 10-01, shown until 10-11
        cli.ok("log", "anna", "order", "--amount", "20", "--at", f"{day} 12:00")
    kinds = lambda when: [i["kind"] for i in cli.ok("due", "--json", env={"MINICRM_NOW": when}).json()]  # noqa: E731
    assert kinds("2026-09-30T09:00") == []
    assert kinds("2026-10-01T09:00") == ["reorder"]
    assert kinds("2026-10-11T09:00") == ["reorder"]
    assert kinds("2026-10-12T09:00") == []
    assert [c["contact_name"] for c in cli.ok("at-risk", "--json", env={"MINICRM_NOW": "2026-10-12T09:00"}).json()] == ["Anna"]


def test_a_contact_imported_with_a_tag_gets_the_tags_cadence(cli, tmp_path):
    """The bulk import path refreshes the keep-in-touch columns, as a single add does."""
    cli.ok("add", "Ann Lee", "--tag", "vip")
    cli.ok("cadence", "--tag", "vip", "14d")
    csv = tmp_path / "people.csv"
    csv.write_text("name,tags\nBob Stone,vip\nCai Wu,\n")
    cli.ok("import", csv)
    assert cli.ok("due", "--json").json() == []  # both were just added: no touch due yet
    later = {"MINICRM_NOW": "2026-12-10T09:30"}  # 22 days on: 8 days past the 14-day cadence
    items = cli.ok("due", "--json", env=later).json()
    assert sorted((i["kind"], i["contact_name"], i["due_on"]) for i in items) == [
        ("cadence", "Ann Lee", "2026-12-02"), ("cadence", "Bob Stone", "2026-12-02")]  # fmt: skip
