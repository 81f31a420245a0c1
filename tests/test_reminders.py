"""remind, due, done, snooze: the morning list and recurrence."""

from __future__ import annotations

import pytest


@pytest.fixture
def ann(cli):
    cli.ok("add", "Ann Lee", "--phone", "+1 415 555 0100", "--email", "ann@example.com")
    return "ann"


def due_texts(cli, *args):
    return [row["text"] for row in cli.ok("due", *args, "--json").json()]


def test_remind_prints_the_reminder_id_first(cli, ann):
    row = cli.ok("remind", ann, "Call back", "--on", "tomorrow 9am").rows()[0]
    assert row[0] == "1"
    body = cli.ok("remind", ann, "Cake", "--on", "fri", "--every", "yearly", "--json").json()
    assert body["due_on"] == "2026-11-20" and body["rule"] == "yearly"
    assert body["contact_name"] == "Ann Lee"


def test_due_defaults_to_overdue_and_today(cli, ann):
    cli.ok("remind", ann, "late", "--on", "2 days ago")
    cli.ok("remind", ann, "now", "--on", "today 23:30")
    cli.ok("remind", ann, "soon", "--on", "in 3 days")
    cli.ok("remind", ann, "later", "--on", "in 10 days")
    assert due_texts(cli) == ["late", "now"]
    assert due_texts(cli, "--overdue") == ["late"]
    assert due_texts(cli, "--today") == ["now"]
    assert due_texts(cli, "--week") == ["late", "now", "soon"]
    late = cli.ok("due", "--json").json()[0]
    assert (late["state"], late["days_late"]) == ("overdue", 2)
    assert late["contact_phone"] == "+14155550100"


def test_due_table_reads_like_a_morning_list(cli, ann):
    cli.ok("remind", ann, "Send invoice", "--on", "3 days ago")
    cli.ok("remind", ann, "Call about cake", "--on", "today 14:00")
    table = cli.ok("due", tty=True).stdout
    assert "3 days late" in table
    assert "today 14:00" in table
    assert "+14155550100" in table
    assert table.index("Send invoice") < table.index("Call about cake")


def test_due_table_gives_each_item_two_lines_and_fits_the_terminal(cli, ann):
    """What to do and, dimmed beneath, why: cut with … rather than wrapped, so a
    screenful of items is a screenful of lines, at any width, and no id is ever cut."""
    import re

    long = "Bring the big order list and ask about the wedding cake tasting next month " * 2
    for n in range(40):
        cli.ok("remind", ann, f"{n} {long}", "--on", f"{n + 100} days ago")
    for columns in ("80", "100", "120", "160"):
        lines = cli.ok("due", tty=True, env={"COLUMNS": columns, "LINES": "30"}).screen()
        assert all(len(line) <= int(columns) for line in lines), columns
        rows = [line for line in lines if re.match(r"\s+\d+\s+(reminder\s+)?\d+ days late", line)]
        assert len(rows) == (30 - 8) // 2  # a screenful of two-line items
        assert [int(row.split()[0]) for row in rows] == list(range(40, 40 - len(rows), -1))  # whole ids
        first = lines.index(rows[0])
        assert "…" in lines[first] and "days late" in lines[first + 1] and lines[first + 2] == rows[1]
        assert lines[-1] == f"{40 - len(rows)} more — use --all to see every row"


def test_due_table_on_a_narrow_terminal_wraps_rather_than_cutting_ids(cli, ann):
    import re

    for n in range(3):
        cli.ok("remind", ann, f"Call about the wedding cake tasting {n}", "--on", f"{n + 100} days ago")
    lines = cli.ok("due", tty=True, env={"COLUMNS": "45"}).screen()
    assert all(len(line) <= 45 for line in lines)
    assert [line.split()[0] for line in lines if re.match(r"\s+\d+\s+\d+ days late", line)] == ["3", "2", "1"]


def test_due_with_nothing_is_a_success(cli):
    result = cli.ok("due", "--json")
    assert result.json() == []
    assert cli.ok("due").stdout == ""
    first = cli.ok("due", tty=True).stderr  # an empty database: say how to start
    assert "minicrm add" in first and "minicrm import" in first and "minicrm demo" in first
    cli.ok("add", "Ann")
    assert "minicrm due --week" in cli.ok("due", tty=True).stderr
    assert "Nothing due this week." in cli.ok("due", "--week", tty=True).stderr


def test_done_prints_done_not_late(cli, ann):
    rid = cli.id("remind", ann, "old", "--on", "3 days ago")
    table = cli.ok("done", rid, tty=True).stdout
    assert "done" in table and "late" not in table


def test_done_completes_and_a_recurring_reminder_rolls_forward(cli, ann):
    once = cli.id("remind", ann, "once", "--on", "yesterday")
    weekly = cli.id("remind", ann, "weekly", "--on", "today", "--every", "weekly")
    result = cli.ok("done", once, weekly, "--json").json()
    assert [r["status"] for r in result] == ["done", "open"]
    assert result[1]["due_on"] == "2026-11-25"
    assert due_texts(cli) == []
    assert due_texts(cli, "--week") == ["weekly"]


def test_monthly_from_the_31st_keeps_the_end_of_month(cli, ann):
    rid = cli.id("remind", ann, "rent", "--on", "2027-01-31", "--every", "monthly")
    seen = []
    for when in ("2027-01-31T10:00", "2027-02-28T10:00", "2027-03-31T10:00"):
        seen.append(cli.ok("done", rid, "--json", env={"MINICRM_NOW": when}).json()[0]["due_on"])
    assert seen == ["2027-02-28", "2027-03-31", "2027-04-30"]


def test_yearly_from_february_29th(cli, ann):
    rid = cli.id("remind", ann, "leap birthday", "--on", "2028-02-29", "--every", "yearly")
    first = cli.ok("done", rid, "--json", env={"MINICRM_NOW": "2028-02-29T10:00"}).json()[0]
    assert first["due_on"] == "2029-02-28"
    second = cli.ok("done", rid, "--json", env={"MINICRM_NOW": "2029-02-28T10:00"}).json()[0]
    assert second["due_on"] == "2030-02-28"


def test_an_overdue_recurring_reminder_rolls_past_today(cli, ann):
    rid = cli.id("remind", ann, "daily check", "--on", "2026-11-10", "--every", "daily")
    assert cli.ok("done", rid, "--json").json()[0]["due_on"] == "2026-11-19"


def test_done_with_an_unknown_id_changes_nothing(cli, ann):
    rid = cli.id("remind", ann, "keep me", "--on", "today")
    result = cli("done", rid, 99)
    assert result.exit_code == 3
    assert "no reminder with id 99" in result.stderr
    assert due_texts(cli) == ["keep me"]


def test_done_twice_is_a_conflict(cli, ann):
    rid = cli.id("remind", ann, "once", "--on", "today")
    cli.ok("done", rid)
    again = cli("done", rid)
    assert again.exit_code == 1 and "already done" in again.stderr


def test_snooze_postpones_and_recurrence_keeps_its_rhythm(cli, ann):
    rid = cli.id("remind", ann, "weekly call", "--on", "today 9am", "--every", "weekly")
    snoozed = cli.ok("snooze", rid, "--until", "fri", "--json").json()
    assert (snoozed["due_on"], snoozed["due_time"], snoozed["snoozed"]) == ("2026-11-20", "09:00", True)
    assert due_texts(cli) == []
    rolled = cli.ok("done", rid, "--json", env={"MINICRM_NOW": "2026-11-20T10:00"}).json()[0]
    assert rolled["due_on"] == "2026-11-25"  # still Wednesdays
    assert rolled["snoozed"] is False


def test_snooze_errors(cli, ann):
    rid = cli.id("remind", ann, "x", "--on", "today")
    past = cli("snooze", rid, "--until", "yesterday")
    assert past.exit_code == 1 and "in the past" in past.stderr
    assert cli("snooze", 42, "--until", "tomorrow").exit_code == 3
    assert cli("snooze", rid, "--until", "the twelfth of never").exit_code == 2


def test_remind_rejects_bad_dates_and_rules_as_usage_errors(cli, ann):
    bad_date = cli("remind", ann, "x", "--on", "someday")
    assert bad_date.exit_code == 2 and "cannot read the date 'someday'" in bad_date.stderr
    bad_rule = cli("remind", ann, "x", "--on", "today", "--every", "fortnight-ish")
    assert bad_rule.exit_code == 2 and "cannot read the rule" in bad_rule.stderr
    assert cli("remind", "nobody", "x", "--on", "today").exit_code == 3
    assert due_texts(cli, "--week") == []


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "America/Adak", "Asia/Kolkata"])
def test_a_reminder_at_2330_today_is_due_today_in_any_zone(cli, ann, zone, monkeypatch):
    import time

    monkeypatch.setenv("TZ", zone)
    time.tzset()
    env = {"MINICRM_NOW": "2026-11-18T23:45:00"}
    cli.ok("remind", ann, "late call", "--on", "today 23:30", env=env)
    cli.ok("remind", ann, "tomorrow", "--on", "tomorrow 00:15", env=env)
    items = cli.ok("due", "--json", env=env).json()
    assert [(i["text"], i["state"]) for i in items] == [("late call", "today")]
    assert items[0]["due_on"] == "2026-11-18"


def test_the_birthday_story(cli):
    """The stranger's first day: add, log an order, a yearly birthday reminder, see it due."""
    cli.ok("add", "Maria", "--birthday", "1984-11-19")
    cli.ok("log", "maria", "order", "Seeded loaf", "--amount", "5.50")
    cli.ok("remind", "maria", "Birthday cake", "--on", "Nov 19", "--every", "yearly")
    tomorrow = {"MINICRM_NOW": "2026-11-19T08:00:00"}
    items = cli.ok("due", "--json", env=tomorrow).json()
    assert [(i["text"], i["state"], i["rule"]) for i in items] == [("Birthday cake", "today", "yearly")]
    rid = items[0]["id"]
    assert cli.ok("done", rid, "--json", env=tomorrow).json()[0]["due_on"] == "2027-11-19"


def test_due_at_80_columns_keeps_40_characters_of_the_task_and_one_line_per_name(cli):
    cli.ok("add", "Maximiliane Josephine von Hohenzollern-Sigmaringen")
    task = "Call about the wedding cake order: three tiers, sugar flowers and a gluten-free layer"
    cli.ok("remind", "maximiliane", task, "--on", "2 days ago 10:00")
    lines = cli.ok("due", tty=True, env={"COLUMNS": "80"}).screen()
    body = [line for line in lines[4:] if line.strip()]
    assert len(body) == 2 and all(len(line) <= 80 for line in lines)  # one item: two lines, nothing wrapped
    assert task[:40] in body[0]
    assert "Maximiliane Josephine" in body[1] and body[1].rstrip().endswith("…")
