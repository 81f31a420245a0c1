"""Dates that repeat: a reminder's RULE (every N days, weeks, months, years) and yearly dates
(birthdays, anniversaries), with or without a year.

Occurrences always count from the first date, never from the previous occurrence, so month ends
and 29 February come back where they started (docs/dates.md, "RULE: repeat rules" and "Birthdays").
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import NamedTuple

from minicrm.dates import UNITS, now, shift
from minicrm.errors import DateParseError, InvalidValue
from minicrm.slashed import slashed

_RULE_RE = re.compile(r"^every\s+(?:(?P<n>\d+|other)\s+)?(?P<unit>[a-z]+)$")

_FREQ_WORDS = {
    "daily": ("days", 1), "weekly": ("weeks", 1), "fortnightly": ("weeks", 2),
    "biweekly": ("weeks", 2), "monthly": ("months", 1), "quarterly": ("months", 3),
    "yearly": ("years", 1), "annually": ("years", 1),
}  # fmt: skip
_CANONICAL = {("days", 1): "daily", ("weeks", 1): "weekly", ("months", 1): "monthly", ("years", 1): "yearly"}


class Rule(NamedTuple):
    unit: str  # days | weeks | months | years
    interval: int

    def __str__(self) -> str:
        return _CANONICAL.get((self.unit, self.interval), f"every {self.interval} {self.unit}")


def parse_rule(text: str) -> Rule:
    """Read a RULE: daily, weekly, monthly, yearly, every 2 weeks, every 3 months..."""
    phrase = " ".join(str(text).lower().split())
    if phrase in _FREQ_WORDS:
        return Rule(*_FREQ_WORDS[phrase])
    m = _RULE_RE.match(phrase)
    if m:
        unit = UNITS.get(m.group("unit"))
        n = m.group("n")
        interval = 2 if n == "other" else int(n) if n else 1
        if unit in ("days", "weeks", "months", "years") and 1 <= interval <= 1000:
            return Rule(unit, interval)
    raise DateParseError(
        f"cannot read the rule {text!r}", "Use daily, weekly, monthly, yearly, or every 2 weeks"
    )


def occurrence(anchor: date, rule: Rule, k: int) -> date:
    """The k-th occurrence of ``rule`` counted from ``anchor`` (k=0 is the anchor).

    Counting from the anchor, not from the previous occurrence, is what keeps a
    monthly reminder from 31 January on the 31st after landing on 28 February,
    and a yearly one from 29 February on the 29th in leap years.
    """
    return shift(anchor, rule.unit, rule.interval * k)


_LONGEST_DAYS = {"days": 1, "weeks": 7, "months": 31, "years": 366}


def next_occurrence(anchor: date, rule: Rule, after: date) -> date:
    """The first occurrence of ``rule`` from ``anchor`` strictly after ``after``."""
    # Start from an index that cannot overshoot (units at their longest), then walk.
    step = _LONGEST_DAYS[rule.unit] * rule.interval
    k = max(0, (after - anchor).days // step - 2)
    while (day := occurrence(anchor, rule, k)) <= after:
        k += 1
    return day


# ---------------------------------------------------------------- yearly dates


# CardBook (Thunderbird) writes a birthday without a year as the year 1604.
NO_YEAR = 1604


def parse_birthday(text: str, today: date | None = None, order: str | None = None) -> str:
    """A birthday with or without a year: ``1990-05-17`` or ``--05-17`` (as vCard stores it).

    Any year from 1 to ``today``'s: ``1815-12-10``, ``18151210``, ``10.12.1815`` (dotted:
    day first). Without a year: ``05-17``, ``--05-17``, ``--0517``, and CardBook's year 1604
    (``1604-05-17``, ``16040517``). ``today`` (when given) refuses a birthday after it.
    Slashed dates (``17/05/1990``, ``17/05``) are read in ``order`` (``slashed.slashed``); a
    two-digit year is the last such year up to today (``17/05/90`` is 1990).
    """
    phrase = " ".join(str(text).lower().replace(",", " ").split())
    hint = "Use 1990-05-17, or 05-17 when the year is unknown"
    if (found := slashed(phrase, order)) is not None:
        year, month, day_ = found
        if year is None or year == NO_YEAR:
            return f"--{month:02d}-{day_:02d}"
        if re.search(r"/\d{2}$", phrase) and year > (today or now().date()).year:
            year -= 100
        try:
            born = date(year, month, day_)
        except ValueError:  # 29 February of a year a century back that was no leap year
            raise DateParseError(f"cannot read the birthday {text!r}", hint) from None
        if today is not None and born > today:
            raise InvalidValue(f"the birthday {born} is not in the past", hint)
        return born.isoformat()
    numeric = (re.fullmatch(r"(?:--)?(\d{1,2})-(\d{1,2})", phrase) or re.fullmatch(r"--(\d{2})(\d{2})", phrase))
    iso = (re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", phrase) or re.fullmatch(r"(\d{4})(\d{2})(\d{2})", phrase))
    dotted = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", phrase)
    try:
        if numeric:
            day = date(2000, int(numeric.group(1)), int(numeric.group(2)))  # a leap year admits 02-29
            return f"--{day:%m-%d}"
        if iso or dotted:
            year, month, day_ = (map(int, iso.groups()) if iso else map(int, reversed(dotted.groups())))
            if year == NO_YEAR:
                return f"--{date(2000, month, day_):%m-%d}"
            a = datetime(year, month, day_)
            b = a
        else:
            if not re.search(r"\d", phrase) or phrase.isdigit() or len(phrase) > 64:
                raise ValueError
            from dateutil import parser

            a = parser.parse(phrase, default=datetime(2000, 1, 1))
            b = parser.parse(phrase, default=datetime(1904, 2, 2))
    except (ValueError, OverflowError, TypeError, ArithmeticError):
        raise DateParseError(f"cannot read the birthday {text!r}", hint) from None
    if (a.month, a.day) != (b.month, b.day):
        raise DateParseError(f"the birthday {text!r} has no day and month", hint)
    if a.year != b.year or a.year == NO_YEAR:
        return f"--{a:%m-%d}"
    if today is not None and a.date() > today:
        raise InvalidValue(f"the birthday {a.date()} is not in the past", hint)
    return a.date().isoformat()


def on_year(month_day: str, year: int) -> date:
    """``MM-DD`` in ``year``; 29 February falls on 28 February in other years."""
    month, day = int(month_day[:2]), int(month_day[3:])
    if (month, day) == (2, 29):
        try:
            return date(year, 2, 29)
        except ValueError:
            return date(year, 2, 28)
    return date(year, month, day)


def next_yearly(stored: str, today: date) -> date:
    """The next date on or after ``today`` of a yearly date stored as ``[YYYY-]MM-DD``."""
    month_day = stored[-5:]
    this_year = on_year(month_day, today.year)
    return this_year if this_year >= today else on_year(month_day, today.year + 1)
