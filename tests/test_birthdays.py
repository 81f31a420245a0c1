"""Birthdays: any year from 1 to today, year-less forms, compact and dotted dates."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from minicrm.recurrence import parse_birthday
from minicrm.errors import DateParseError, InvalidValue

TODAY = date(2026, 11, 18)


@pytest.mark.parametrize("typed, stored", [
    ("1815-12-10", "1815-12-10"), ("18151210", "1815-12-10"), ("10.12.1815", "1815-12-10"),
    ("December 10, 1815", "1815-12-10"), ("0001-01-01", "0001-01-01"), ("20080901", "2008-09-01"),
    ("3.4.1984", "1984-04-03"), ("14.03.1984", "1984-03-14"), ("2026-11-18", "2026-11-18"),
    ("--0415", "--04-15"), ("--04-15", "--04-15"), ("04-15", "--04-15"), ("4-5", "--04-05"),
    ("1604-04-15", "--04-15"), ("16040101", "--01-01"), ("--0229", "--02-29"),
])  # fmt: skip
def test_birthdays_are_stored_as_vcard_does(typed, stored):
    assert parse_birthday(typed, TODAY) == stored


@pytest.mark.parametrize("typed, error", [
    ("2026-11-19", InvalidValue), ("20301231", InvalidValue), ("1990-02-29", DateParseError),
    ("--02-30", DateParseError), ("19901345", DateParseError), ("1990", DateParseError), ("32.01.1990", DateParseError),
    ("someday", DateParseError),
])  # fmt: skip
def test_impossible_or_future_birthdays_are_refused(typed, error):
    with pytest.raises(error):
        parse_birthday(typed, TODAY)


@given(st.dates(min_value=date(1, 1, 1), max_value=TODAY).filter(lambda d: d.year != 1604))
def test_every_past_date_reads_back_in_each_numeric_form(day):
    iso = f"{day.year:04d}-{day.month:02d}-{day.day:02d}"
    for typed in (iso, iso.replace("-", ""), f"{day.day}.{day.month}.{day.year:04d}"):
        assert parse_birthday(typed, TODAY) == iso


def test_add_takes_a_birthday_two_centuries_back(cli):
    result = cli("add", "Ada Lovelace", "--birthday", "1815-12-10", "--json")
    assert (result.exit_code, result.stderr, result.json()["birthday"]) == (0, "", "1815-12-10")
