"""Every item on the morning list can be cleared in one command: done ITEM and snooze ITEM for every kind."""

from __future__ import annotations

import pytest


@pytest.fixture
def demo(cli):
    cli.ok("demo")


def items(cli, *args, env=None):
    return {i["item_id"]: i for i in cli.ok("due", *(args or ["--week"]), "--json", env=env).json()}


def test_every_item_carries_an_item_id_in_every_format(cli, demo):
    listed = cli.ok("due", "--week", "--json").json()
    assert all(i["item_id"] == f"{i['kind']}:{i['id']}" for i in listed if i["kind"] == "reminder")
    assert {i["item_id"].split(":")[0] for i in listed} >= {"reminder", "cadence", "deal", "reorder"}
    tsv = [row[18] for row in cli.ok("due", "--week").rows()]
    csv = [line.split(",")[18] for line in cli.ok("due", "--week", "--format", "csv").stdout.splitlines()[1:]]
    assert tsv == csv == [i["item_id"] for i in listed]
    table = "\n".join(cli.ok("due", "--week", tty=True).screen())
    assert "cadence:" in table and "deal:1" in table


def test_done_on_a_cadence_item_logs_the_touch(cli, demo):
    (cadence,) = [k for k in items(cli) if k.startswith("cadence:")]
    result = cli.ok("done", cadence)
    assert result.stdout == "" and "got in touch with Lena Fischer" in result.stderr
    assert cadence not in items(cli)
    assert cli.ok("history", "lena", "--json").json()[0]["kind"] == "note"


def test_done_on_a_reorder_or_an_occasion_clears_this_time_only(cli, demo):
    cli.ok("occasion", "add", "maria", "11-20", "--label", "anniversary")
    before = items(cli)
    (reorder,) = [k for k in before if k.startswith("reorder:")]
    assert "occasion:1" in before
    cli.ok("done", reorder, "occasion:1")
    after = items(cli)
    assert reorder not in after and "occasion:1" not in after
    assert "occasion:1" in items(cli, env={"MINICRM_NOW": "2027-11-15T09:00:00"})  # next year it is back
    cli.ok("log", "maria", "order", "Seeded loaf", "--amount", "11")  # a new order: a new prediction
    assert reorder in items(cli)


def test_done_on_a_deal_says_how_to_move_it(cli, demo):
    result = cli("done", "deal:1")
    assert result.exit_code == 1 and "minicrm deal move 1 won" in result.stderr
    assert "deal:1" in items(cli)


def test_snooze_any_item_until_a_day(cli, demo):
    for item in ("deal:1", [k for k in items(cli) if k.startswith("cadence:")][0]):
        snoozed = cli.ok("snooze", item, "--until", "2026-11-22", "--json").json()
        assert (snoozed["item_id"], snoozed["due_on"], snoozed["snoozed"]) == (item, "2026-11-22", True)
        assert item not in items(cli, "--today", "--overdue") and item in items(cli)
        assert item in items(cli, "--today", env={"MINICRM_NOW": "2026-11-22T09:00:00"})


def test_plain_reminder_ids_and_item_ids_both_work_and_several_are_one_change(cli, demo):
    cli.ok("snooze", "reminder:5", "--until", "fri 9am")
    assert items(cli)["reminder:5"]["due_on"] == "2026-11-20"
    changes = len(cli.ok("audit", "--json").json())
    cli.ok("done", "1", "reminder:2", [k for k in items(cli) if k.startswith("reorder:")][0])
    assert not {"reminder:1", "reminder:2"} & set(items(cli))
    cli.ok("undo")
    assert {"reminder:1", "reminder:2"} <= set(items(cli))
    assert len(cli.ok("audit", "--json").json()) > changes


@pytest.mark.parametrize("args, code", [
    (["done", "abc"], 2), (["done", "meeting:3"], 2), (["done", "cadence:x"], 2),
    (["done", "occasion:99"], 3), (["done", "deal:99"], 3), (["done", "99"], 3),
    (["snooze", "cadence:99", "--until", "fri"], 3), (["snooze", "deal:1", "--until", "yesterday"], 1),
])  # fmt: skip
def test_bad_items_change_nothing(cli, demo, args, code):
    before = cli.ok("due", "--week", "--json").json()
    result = cli(*args)
    assert result.exit_code == code and result.stdout == "" and result.stderr.count("\n") == 1
    assert cli.ok("due", "--week", "--json").json() == before


def test_done_on_a_snoozed_reorder_clears_it_through_the_snoozed_day(cli, demo):
    """As for the other kinds: done on a snoozed item clears that occurrence, which does not come
    back on the day it was snoozed to, nor later while its prediction stands."""
    (reorder,) = [k for k in items(cli) if k.startswith("reorder:")]
    cli.ok("snooze", reorder, "--until", "2026-11-25")
    assert items(cli)[reorder]["due_on"] == "2026-11-25"
    cli.ok("done", reorder)
    for day in ("2026-11-18", "2026-11-25", "2026-11-28"):
        assert reorder not in items(cli, env={"MINICRM_NOW": f"{day}T09:00:00"}), day
    later = {"MINICRM_NOW": "2026-11-26T09:00:00"}
    cli.ok("log", reorder.split(":")[1], "order", "Seeded loaf", "--amount", "11", env=later)  # a new prediction
    assert items(cli, env=later)[reorder]["due_on"] > "2026-11-25"


@pytest.mark.parametrize("kind", ["deal", "occasion"])
def test_a_deleted_deal_or_occasion_takes_its_hold_with_it_and_undo_brings_both_back(cli, demo, kind):
    if kind == "occasion":
        cli.ok("occasion", "add", "maria", "11-20", "--label", "anniversary")
        item, remove, until = "occasion:1", ["occasion", "rm", "1"], "2026-11-19"
    else:
        item, remove, until = "deal:1", ["deal", "rm", "1", "--yes"], "2026-11-22"
    cli.ok("snooze", item, "--until", until)
    holds = lambda: [h["item"].split(":")[0] for h in cli.ok("export", "all").json() if h["type"] == "due_hold"]  # noqa: E731
    assert holds() == [kind]
    cli.ok(*remove)
    assert holds() == [] and item not in items(cli)
    cli.ok("undo")
    assert holds() == [kind]
    assert item not in items(cli, "--today", "--overdue") and item in items(cli)
