"""The WHEN grammar and describing dates: table-driven cases and hypothesis properties."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minicrm import dates
from minicrm.errors import DateParseError, InvalidValue

NOW = datetime(2026, 11, 18, 9, 30).astimezone()  # a Wednesday


@pytest.mark.parametrize(
    "phrase, day, clock",
    [
        ("today", "2026-11-18", None),
        ("Tomorrow", "2026-11-19", None),
        ("yesterday", "2026-11-17", None),
        ("now", "2026-11-18", "09:30"),
        ("in 3 days", "2026-11-21", None),
        ("in a week", "2026-11-25", None),
        ("3d", "2026-11-21", None),
        ("2w", "2026-12-02", None),
        ("+1m", "2026-12-18", None),
        ("-2d", "2026-11-16", None),
        ("1y", "2027-11-18", None),
        ("3 days ago", "2026-11-15", None),
        ("next friday", "2026-11-20", None),
        ("fri", "2026-11-20", None),
        ("wed", "2026-11-25", None),  # today does not count looking forward
        ("last wed", "2026-11-11", None),
        ("next week", "2026-11-25", None),
        ("next month", "2026-12-18", None),
        ("tomorrow 9am", "2026-11-19", "09:00"),
        ("tomorrow at 2:30pm", "2026-11-19", "14:30"),
        ("fri 17:00", "2026-11-20", "17:00"),
        ("9am", "2026-11-18", "09:00"),
        ("12am", "2026-11-18", "00:00"),
        ("12pm", "2026-11-18", "12:00"),
        ("14:30", "2026-11-18", "14:30"),
        ("in 2 hours", "2026-11-18", "11:30"),
        ("eom", "2026-11-30", None),
        ("eow", "2026-11-22", None),
        ("2026-12-01", "2026-12-01", None),
        ("2026-12-01 08:15", "2026-12-01", "08:15"),
        ("1 Dec 2026 14:30", "2026-12-01", "14:30"),
        ("Dec 1", "2026-12-01", None),
        ("Jan 5", "2027-01-05", None),  # no year: the next one, for reminders
        ("5 January 2025", "2025-01-05", None),
        ("Dec 1 9am", "2026-12-01", "09:00"),  # a time without minutes after a date
        ("2026-12-01 9am", "2026-12-01", "09:00"),
        ("Feb 29", "2028-02-29", None),  # no year: the next 29 February there is
        ("2 wks", "2026-12-02", None),
    ],
)
def test_when_phrases(phrase, day, clock):
    when = dates.parse_when(phrase, NOW)
    assert when.day == date.fromisoformat(day)
    assert when.time == (time.fromisoformat(clock) if clock else None)


@pytest.mark.parametrize(
    "phrase, day",
    [("fri", "2026-11-13"), ("wed", "2026-11-18"), ("Jan 5", "2026-01-05"), ("Dec 1", "2025-12-01"),
     ("Feb 29", "2024-02-29"), ("Nov 18", "2026-11-18")],
)
def test_past_preference_for_logging(phrase, day):
    assert dates.parse_when(phrase, NOW, prefer="past").day == date.fromisoformat(day)


@pytest.mark.parametrize(
    "phrase", ["", "   ", "someday", "next blursday", "in three fortnights", "25:00", "13pm",
               "2026-13-01", "2026-02-30", "in 999999999 days", "tomorrow 99am", "9999-12-31 +1y",
               "17", "2026", "0001-01-01", "9999-12-31 23:59", "1899-12-31", "3000-01-01"],
)  # fmt: skip
def test_nonsense_is_a_usage_error(phrase):
    with pytest.raises(DateParseError):
        dates.parse_when(phrase, NOW)


@given(st.text(max_size=40))
@settings(max_examples=400)
def test_any_text_parses_or_says_why(text):
    try:
        when = dates.parse_when(text, NOW)
    except DateParseError as error:
        assert error.exit_code == 2 and str(error)
    else:
        assert isinstance(when.day, date)


@given(st.integers(min_value=0, max_value=5000), st.integers(min_value=0, max_value=5000))
def test_in_n_days_is_monotonic(a, b):
    da = dates.parse_when(f"in {a} days", NOW).day
    db = dates.parse_when(f"in {b} days", NOW).day
    assert (da <= db) == (a <= b)
    assert (da - NOW.date()).days == a


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2999, 12, 31)))
def test_iso_dates_round_trip(day):
    assert dates.parse_when(day.isoformat(), NOW).day == day


@given(st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2999, 12, 31)))
def test_iso_datetimes_round_trip(moment):
    when = dates.parse_when(moment.strftime("%Y-%m-%d %H:%M"), NOW)
    assert (when.day, when.time) == (moment.date(), moment.time().replace(second=0, microsecond=0))


def test_describe_day():
    today = date(2026, 11, 18)
    assert dates.describe_day(today - timedelta(days=3), today) == "3 days late"
    assert dates.describe_day(today - timedelta(days=1), today) == "1 day late"
    assert dates.describe_day(today, today) == "today"
    assert dates.describe_day(today + timedelta(days=1), today) == "tomorrow"
    assert dates.describe_day(today + timedelta(days=2), today) == "Fri (in 2 days)"
    assert dates.describe_day(today + timedelta(days=30), today) == "2026-12-18"


def test_minicrm_now_pins_the_clock(monkeypatch):
    monkeypatch.setenv("MINICRM_NOW", "2030-01-02T03:04:05")
    assert dates.now().replace(tzinfo=None) == datetime(2030, 1, 2, 3, 4, 5)
    monkeypatch.setenv("MINICRM_NOW", "soon")
    with pytest.raises(InvalidValue):
        dates.now()
