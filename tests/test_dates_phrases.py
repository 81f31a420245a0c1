"""Every row of the "more phrases" table in docs/dates.md, checked; and no phrase ever raises anything else."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minicrm import dates
from minicrm.errors import DateParseError, InvalidValue

NOW = datetime(2026, 11, 18, 9, 30).astimezone()
DOC = Path(__file__).resolve().parents[1] / "docs" / "dates.md"


def rows() -> list[tuple[str, str, str]]:
    text = DOC.read_text()
    section = text.split("## WHEN: more phrases (each row is a test)", 1)[1].split("\n## ", 1)[0]
    found = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[0].startswith("`"):
            phrase = cells[0].strip("`")
            found += [(phrase, "future", cells[2]), (phrase, "past", cells[3])]
    return found


def shown(when: dates.When) -> str:
    return f"{when.day}" + (f" {when.time:%H:%M}" if when.time else "")


def test_the_table_is_there():
    assert len(rows()) >= 40


@pytest.mark.parametrize("phrase, prefer, expected", rows())
def test_every_documented_phrase(phrase, prefer, expected):
    if expected == "refused":
        with pytest.raises(DateParseError):
            dates.parse_when(phrase, NOW, prefer)
    else:
        assert shown(dates.parse_when(phrase, NOW, prefer)) == expected


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="0123456789.:/- adefhimnorstuwy", max_size=24) | st.text(max_size=24),
       st.sampled_from(["future", "past"]))
def test_no_phrase_raises_anything_but_a_refusal(phrase, prefer):
    try:
        dates.parse_when(phrase, NOW, prefer)
    except (DateParseError, InvalidValue):
        pass


@given(st.dates(min_value=datetime(1900, 1, 1).date(), max_value=datetime(2999, 12, 31).date()))
def test_a_dotted_date_is_the_day_a_person_means(day):
    for typed in (f"{day.day}.{day.month}.{day.year}", f"{day.day:02d}.{day.month:02d}.{day.year}"):
        assert dates.parse_when(typed, NOW).day == day


@pytest.mark.parametrize("n", range(1, 32))
def test_an_ordinal_is_the_next_such_day_or_the_last_one(n):
    ahead = dates.parse_when(f"{n}{'st' if n % 10 == 1 and n != 11 else 'th'}", NOW, "future").day
    back = dates.parse_when(f"{n}{'st' if n % 10 == 1 and n != 11 else 'th'}", NOW, "past").day
    assert ahead.day == n and ahead >= NOW.date() and (ahead - NOW.date()).days <= 62
    assert back.day == n and back <= NOW.date() and (NOW.date() - back).days <= 62
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(ahead))
