"""RULE and yearly dates: table-driven cases and hypothesis properties."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from minicrm import recurrence
from minicrm.errors import DateParseError, InvalidValue


@pytest.mark.parametrize(
    "text, canonical",
    [("daily", "daily"), ("Weekly", "weekly"), ("monthly", "monthly"), ("yearly", "yearly"),
     ("annually", "yearly"), ("every 2 weeks", "every 2 weeks"), ("every 3 months", "every 3 months"),
     ("every day", "daily"), ("every other week", "every 2 weeks"), ("fortnightly", "every 2 weeks"),
     ("every 1 month", "monthly"), ("every 2 wks", "every 2 weeks")],
)  # fmt: skip
def test_rules(text, canonical):
    assert str(recurrence.parse_rule(text)) == canonical
    assert str(recurrence.parse_rule(canonical)) == canonical  # canonical forms are stable


@pytest.mark.parametrize("text", ["", "sometimes", "every", "every 0 days", "every 2 fortnights", "hourly"])
def test_bad_rules(text):
    with pytest.raises(DateParseError):
        recurrence.parse_rule(text)


@given(st.text(max_size=30))
def test_any_rule_text_parses_or_says_why(text):
    try:
        recurrence.parse_rule(text)
    except DateParseError:
        pass


@given(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)),
    st.sampled_from(["daily", "weekly", "monthly", "yearly", "every 2 weeks", "every 3 months"]),
    st.integers(min_value=-400, max_value=2000),
)
def test_next_occurrence_is_the_first_one_after(anchor, rule_text, offset):
    rule = recurrence.parse_rule(rule_text)
    after = anchor + timedelta(days=offset)
    k = 0  # the reference: walk every occurrence from the anchor
    while recurrence.occurrence(anchor, rule, k) <= after:
        k += 1
    assert recurrence.next_occurrence(anchor, rule, after) == recurrence.occurrence(anchor, rule, k)


def test_month_ends_and_leap_days():
    monthly, yearly = recurrence.parse_rule("monthly"), recurrence.parse_rule("yearly")
    jan31 = date(2027, 1, 31)
    assert [recurrence.occurrence(jan31, monthly, k) for k in range(4)] == [
        date(2027, 1, 31), date(2027, 2, 28), date(2027, 3, 31), date(2027, 4, 30)]
    feb29 = date(2028, 2, 29)
    assert [recurrence.occurrence(feb29, yearly, k) for k in range(5)] == [
        date(2028, 2, 29), date(2029, 2, 28), date(2030, 2, 28), date(2031, 2, 28), date(2032, 2, 29)]


@pytest.mark.parametrize(
    "text, stored",
    [("1990-05-17", "1990-05-17"), ("05-17", "--05-17"), ("--02-29", "--02-29"), ("May 17", "--05-17"),
     ("17 May 1990", "1990-05-17")],
)  # fmt: skip
def test_birthdays(text, stored):
    assert recurrence.parse_birthday(text) == stored


@pytest.mark.parametrize("text", ["someday", "13-45", "1990", "--02-30", "17"])
def test_unreadable_birthdays_are_usage_errors(text):
    with pytest.raises(DateParseError):
        recurrence.parse_birthday(text)


@pytest.mark.parametrize("text", ["2030-01-01", "2026-11-19"])
def test_birthdays_must_be_in_the_past(text):
    with pytest.raises(InvalidValue):
        recurrence.parse_birthday(text, date(2026, 11, 18))
