"""Slashed dates follow the date_order setting; one that reads two ways is refused, never guessed."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from minicrm import dates, recurrence
from minicrm.errors import DateParseError

NOW = datetime(2026, 11, 18, 9, 30).astimezone()


@pytest.mark.parametrize("typed, order, expected", [
    ("03/04/2026", "DMY", "2026-04-03"), ("03/04/2026", "MDY", "2026-03-04"),
    ("13/04/2026", None, "2026-04-13"), ("13/04/2026", "YMD", "2026-04-13"), ("04/13/2026", None, "2026-04-13"),
    ("03/03/2026", None, "2026-03-03"),  # both readings are the same day
    ("2026/04/03", None, "2026-04-03"), ("2026/04/03", "DMY", "2026-04-03"),  # a year first is year, month, day
    ("3/4/26", "DMY", "2026-04-03"), ("3/4/26", "MDY", "2026-03-04"),
    ("03-04-2026", "DMY", "2026-04-03"), ("03-04-2026", "MDY", "2026-03-04"),  # dashes with the year last
    ("03/04", "DMY", "2027-04-03"), ("25/12", None, "2026-12-25"),  # no year: the next such day
    ("03/04/2026 14:30", "DMY", "2026-04-03 14:30"), ("3/4/2026 9am", "MDY", "2026-03-04 09:00"),
])  # fmt: skip
def test_a_slashed_date_is_read_in_the_order_in_force(typed, order, expected):
    when = dates.parse_when(typed, NOW, "future", order=order)
    assert f"{when.day}" + (f" {when.time:%H:%M}" if when.time else "") == expected


@pytest.mark.parametrize("typed, order, message", [
    ("03/04/2026", None, "'03/04/2026' reads two ways: 3 April 2026 (day first) or 4 March 2026 (month first)"),
    ("03/04/2026", "YMD", "'03/04/2026' reads two ways: 3 April 2026 (day first) or 4 March 2026 (month first)"),
    ("03/04", None, "'03/04' reads two ways: 3 April (day first) or 4 March (month first)"),
    ("3/4/05", None, "'3/4/05' reads three ways"),
    ("13/04/2026", "MDY", "'13/04/2026' is not a date in month/day/year order (the date_order setting is MDY). "
                          "If you meant 13 April 2026, type 2026-04-13"),
    ("04/13/2026", "DMY", "If you meant 13 April 2026, type 2026-04-13"),
    ("32/13/2026", None, "there is no day '32/13/2026'"),
])  # fmt: skip
def test_a_slashed_date_that_reads_two_ways_or_none_is_refused_saying_why(typed, order, message):
    with pytest.raises(DateParseError) as refused:
        dates.parse_when(typed, NOW, "future", order=order)
    assert message in str(refused.value)
    if "two ways" in message:
        assert "minicrm config date_order DMY" in str(refused.value)


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2999, 12, 31)), st.sampled_from(["DMY", "MDY"]),
       st.booleans())  # fmt: skip
def test_a_date_written_in_the_order_in_force_reads_back_as_that_day(day, order, padded):
    d, m = (f"{day.day:02d}", f"{day.month:02d}") if padded else (str(day.day), str(day.month))
    typed = f"{d}/{m}/{day.year}" if order == "DMY" else f"{m}/{d}/{day.year}"
    assert dates.parse_when(typed, NOW, order=order).day == day


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2999, 12, 31)), st.sampled_from(["DMY", "MDY"]),
       st.sampled_from([None, "YMD"]))  # fmt: skip
def test_without_an_order_a_slashed_date_is_its_day_or_refused_never_another_day(day, written, order):
    typed = f"{day.day}/{day.month}/{day.year}" if written == "DMY" else f"{day.month}/{day.day}/{day.year}"
    try:
        assert dates.parse_when(typed, NOW, order=order).day == day
    except DateParseError as refused:
        assert day.day <= 12 and f"{day.day} {day:%B} {day.year}" in str(refused)


def test_birthdays_follow_the_order_too():
    today = date(2026, 11, 18)
    assert recurrence.parse_birthday("03/04/1984", today, "DMY") == "1984-04-03"
    assert recurrence.parse_birthday("03/04/1984", today, "MDY") == "1984-03-04"
    assert recurrence.parse_birthday("17/05/1990", today) == "1990-05-17"
    assert recurrence.parse_birthday("17/05/90", today, "DMY") == "1990-05-17"  # a two-digit year: the last such
    assert recurrence.parse_birthday("17/05", today) == "--05-17"
    with pytest.raises(DateParseError, match="reads two ways"):
        recurrence.parse_birthday("03/04/1984", today)


# ------------------------------------------------------------------ every command, and the import


def test_without_a_setting_an_ambiguous_date_is_refused_and_nothing_written(cli):
    cli.ok("add", "Ann Lee")
    result = cli("remind", "ann", "call", "--on", "03/04/2027")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "3 April 2027 (day first) or 4 March 2027 (month first)" in result.stderr
    assert "minicrm config date_order" in result.stderr and "Traceback" not in result.stderr
    assert cli.ok("due", "--week", "--json").json() == []
    assert cli.ok("remind", "ann", "call", "--on", "13/04/2027", "--json").json()["due_on"] == "2027-04-13"


@pytest.mark.parametrize("setup, env, expected", [
    (["config", "date_order", "DMY"], {}, "2027-04-03"),
    (["config", "date_order", "MDY"], {}, "2027-03-04"),
    (None, {"LANG": "en_US.UTF-8"}, "2027-03-04"),  # the locale's order
    (None, {"LC_TIME": "de_DE.UTF-8"}, "2027-04-03"),
])  # fmt: skip
def test_every_command_reads_slashed_dates_in_the_order_in_force(cli, setup, env, expected):
    if setup:
        cli.ok(*setup)
    cli.ok("add", "Ann Lee", env=env)
    typed = "03/04/2027"
    past = "03/04/2026"
    past_expected = "2026" + expected[4:]
    assert cli.ok("remind", "ann", "x", "--on", typed, "--json", env=env).json()["due_on"] == expected
    assert cli.ok("reminder", "edit", "1", "--on", typed, "--json", env=env).json()["due_on"] == expected
    assert cli.ok("snooze", "1", "--until", typed, "--json", env=env).json()["due_on"] == expected
    assert cli.ok("deal", "add", "ann", "Cake", "--close", typed, "--json", env=env).json()["close_on"] == expected
    assert cli.ok("deal", "edit", "1", "--close", typed, "--json", env=env).json()["close_on"] == expected
    logged = cli.ok("log", "ann", "call", "--at", past, "--json", env=env).json()
    assert logged["at"].startswith(past_expected)
    assert cli.ok("interaction", "edit", "1", "--at", past, "--json", env=env).json()["at"].startswith(past_expected)
    assert len(cli.ok("history", "--since", past, "--until", past, "--json", env=env).json()) == 1
    assert cli.ok("report", "--since", past, "--json", env=env).json()["since"] == past_expected
    assert cli.ok("edit", "ann", "--birthday", "03/04/1984", "--json", env=env).json()["birthday"] == "1984" + expected[4:]
    assert cli.ok("consent", "ann", "grant", "sms", "--at", past, "--json", env=env).json()["at"].startswith(past_expected)
    assert cli.ok("occasion", "add", "ann", "03/04", "--label", "shop", "--json", env=env).json()["date"] == "--" + expected[5:]


def test_an_import_reads_slashed_birthdays_in_the_order_and_keeps_an_ambiguous_one_with_a_warning(cli, tmp_path):
    source = tmp_path / "people.csv"
    source.write_text("Name,Birthday\nAnn Lee,03/04/1984\nBob Stone,17/05/1990\n")
    result = cli("import", source)
    assert result.exit_code == 0, result.stderr
    assert ("Warning: line 2: the birthday '03/04/1984' is kept as typed in the field birthday: reads two ways: "
            "3 April 1984 (day first) or 4 March 1984 (month first)") in result.stderr
    ann = cli.ok("show", "ann", "--json").json()
    assert (ann["birthday"], ann["fields"]) == (None, {"birthday": "03/04/1984"})
    assert cli.ok("show", "bob", "--json").json()["birthday"] == "1990-05-17"  # one reading only: taken

    dmy = {"MINICRM_DB": str(tmp_path / "dmy.db")}
    cli.ok("config", "date_order", "DMY", env=dmy)
    assert "Warning" not in cli.ok("import", source, env=dmy).stderr
    assert cli.ok("show", "ann", "--json", env=dmy).json()["birthday"] == "1984-04-03"
    cli.ok("import", source, "--date-order", "MDY", env={"MINICRM_DB": str(tmp_path / "mdy.db")})
    assert cli.ok("show", "ann", "--json", env={"MINICRM_DB": str(tmp_path / "mdy.db")}).json()["birthday"] == "1984-03-04"
    assert cli("import", source, "--date-order", "DM").exit_code == 1
