"""Dates as people type them, describing dates for people, and the one clock read.

Every "today" in minicrm is the user's local calendar day (``TZ`` is honoured).
Reminder dates are wall-clock dates, like an alarm clock: "tomorrow 9am" stays
9am wherever the user is. Interactions are instants, stored in UTC.

The full phrase table is in docs/dates.md; keep the two in step. Repeating dates (RULE,
birthdays and other yearly dates) are in ``recurrence``.
"""

from __future__ import annotations

import os
import re
from datetime import date, datetime, time, timedelta
from typing import NamedTuple

from minicrm.errors import DateParseError, InvalidValue
from minicrm.slashed import SLASHED_RE, slashed

WEEKDAYS = {
    "mon": 0, "monday": 0, "tue": 1, "tues": 1, "tuesday": 1, "wed": 2, "wednesday": 2,
    "thu": 3, "thur": 3, "thurs": 3, "thursday": 3, "fri": 4, "friday": 4,
    "sat": 5, "saturday": 5, "sun": 6, "sunday": 6,
}  # fmt: skip
UNITS = {
    "d": "days", "day": "days", "days": "days",
    "w": "weeks", "wk": "weeks", "wks": "weeks", "week": "weeks", "weeks": "weeks",
    "m": "months", "mo": "months", "month": "months", "months": "months",
    "y": "years", "yr": "years", "yrs": "years", "year": "years", "years": "years",
    "h": "hours", "hr": "hours", "hour": "hours", "hours": "hours",
    "min": "minutes", "mins": "minutes", "minute": "minutes", "minutes": "minutes",
}  # fmt: skip
MAX_AMOUNT = 100_000  # "in 100000 days" is about 270 years: anything beyond is a typo
YEARS = range(1900, 3000)  # dates outside these years are typos, and break time zone arithmetic
_TRY = "Try: today, tomorrow 9am, in 3 days, fri, 2026-12-01"

_TIME = r"(?P<h>\d{1,2})(?::(?P<mi>\d{2}))?\s*(?P<ampm>am|pm|a\.m\.|p\.m\.)|(?P<h24>\d{1,2}):(?P<m24>\d{2})"
_TIME_RE = re.compile(rf"^(?:{_TIME})$")
_TRAILING_TIME_RE = re.compile(rf"^(?P<rest>.*?)\s+(?:at\s+)?(?P<time>{_TIME})$")
_OFFSET_RE = re.compile(r"^(?P<sign>[+-])?(?P<n>\d+)\s*(?P<unit>[a-z]+)$")
_IN_RE = re.compile(r"^in\s+(?P<n>\d+|an?|one)\s+(?P<unit>[a-z]+)$")
_AGO_RE = re.compile(r"^(?P<n>\d+|an?|one)\s+(?P<unit>[a-z]+)\s+ago$")
_ORDINAL_RE = re.compile(r"^(?:the\s+)?(?P<day>\d{1,2})(?:st|nd|rd|th)$")
_DOTTED_RE = re.compile(r"^(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?:(?P<y>\d{4})|(?P<yy>\d{2}))?$")


def now() -> datetime:
    """The single clock read: the current local time, aware.

    ``MINICRM_NOW`` (ISO 8601, local time unless it carries an offset) pins the
    clock, for tests, demos and reproducible documentation.
    """
    pinned = os.environ.get("MINICRM_NOW")
    if pinned:
        try:
            value = datetime.fromisoformat(pinned)
        except ValueError:
            raise InvalidValue(
                f"MINICRM_NOW={pinned!r} is not an ISO date-time", "Use e.g. 2026-11-22T09:00"
            ) from None
        return value.astimezone()
    return datetime.now().astimezone()


def local(moment: datetime) -> datetime:
    """An aware instant in the user's local time zone."""
    return moment.astimezone()


class When(NamedTuple):
    """A parsed WHEN: a local calendar day, with a wall-clock time if one was given.

    (A named tuple: a frozen dataclass would import ``dataclasses``, ``inspect`` and ``ast``
    for this one record, ~3 ms on every command.)"""

    day: date
    time: time | None = None

    def instant(self, current: datetime) -> datetime:
        """This WHEN as an aware local instant (for interactions).

        A day without a time means now when it is today, and midday otherwise, so
        that the instant falls on the same calendar day in any nearby time zone.
        """
        if self.time is not None:
            clock = self.time
        elif self.day == current.date():
            clock = current.time().replace(microsecond=0, tzinfo=None)
        else:
            clock = time(12, 0)
        naive = datetime.combine(self.day, clock)
        return naive.astimezone()  # interpreted as local wall time

    def start(self) -> datetime:
        """The first moment of this WHEN (start of day when no time was given)."""
        return datetime.combine(self.day, self.time or time(0, 0)).astimezone()

    def end(self) -> datetime:
        """The last moment of this WHEN (end of day when no time was given)."""
        if self.time is not None:
            return datetime.combine(self.day, self.time).astimezone()
        return datetime.combine(self.day, time(23, 59, 59)).astimezone()


def midnight(day: date) -> datetime:
    """The first moment of a local calendar day, as an aware instant."""
    return datetime.combine(day, time(0, 0)).astimezone()


NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30,
}  # fmt: skip
_N = r"\d+|" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True))


def _count(text: str) -> int:
    if text in NUMBER_WORDS:
        return NUMBER_WORDS[text]
    n = int(text)
    if n > MAX_AMOUNT:
        raise DateParseError(f"{n} is too far away", "Use a calendar date like 2031-12-01 instead")
    return n


def _parse_time(text: str) -> time:
    m = _TIME_RE.match(text.strip())
    if not m:
        raise DateParseError(f"cannot read the time {text!r}", "Use 9am, 2:30pm or 14:30")
    if m.group("h24") is not None:
        hour, minute = int(m.group("h24")), int(m.group("m24"))
    else:
        hour, minute = int(m.group("h")), int(m.group("mi") or 0)
        if not 1 <= hour <= 12:
            raise DateParseError(f"{text!r} is not a time", "Use 9am, 2:30pm or 14:30")
        pm = m.group("ampm").startswith("p")
        hour = hour % 12 + (12 if pm else 0)
    if hour > 23 or minute > 59:
        raise DateParseError(f"{text!r} is not a time", "Use 9am, 2:30pm or 14:30")
    return time(hour, minute)


def shift(day: date, unit: str, n: int) -> date:
    """``day`` moved by ``n`` calendar ``unit``s (days, weeks, months, years), clamped to the month's end."""
    from dateutil.relativedelta import relativedelta

    try:
        return day + relativedelta(**{unit: n})
    except (OverflowError, ValueError):
        raise DateParseError("that date is out of range", "Use a date between years 1 and 9999") from None


def _weekday(day: date, target: int, direction: str, today_counts: bool = True) -> date:
    """The next (or previous) ``target`` weekday.

    Looking forward, today does not count ("fri" on a Friday is next week's);
    looking back, it does ("fri" in a log on a Friday is today), unless the
    user said "last fri".
    """
    if direction == "future":
        ahead = (target - day.weekday()) % 7 or 7
        return day + timedelta(days=ahead)
    back = (day.weekday() - target) % 7
    if back == 0 and not today_counts:
        back = 7
    return day - timedelta(days=back)


def _relative(phrase: str, current: datetime, prefer: str) -> When | None:
    """Phrases relative to now; None when ``phrase`` is not one of them."""
    today = current.date()
    fixed = {"today": 0, "tod": 0, "tonight": 0, "tomorrow": 1, "tmr": 1, "tmrw": 1, "yesterday": -1}
    if phrase in fixed:
        return When(today + timedelta(days=fixed[phrase]))
    if phrase == "now":
        return When(today, current.time().replace(second=0, microsecond=0, tzinfo=None))
    if phrase in ("eow", "end of week"):
        return When(today + timedelta(days=6 - today.weekday()))
    if phrase in ("eom", "end of month"):
        return When(shift(today.replace(day=1), "months", 1) - timedelta(days=1))
    if phrase in ("eoy", "end of year"):
        return When(date(today.year, 12, 31))
    if m := re.fullmatch(r"(?P<edge>start|beginning|end) of (?:the )?(?:(?P<which>this|next|last) )?"
                         r"(?P<unit>day|week|month|quarter|year)", phrase):
        return _edge(current, m.group("edge"), m.group("which") or "this", m.group("unit"))
    short = {"sow": "start of week", "som": "start of month", "soq": "start of quarter", "soy": "start of year",
             "eoq": "end of quarter"}  # fmt: skip
    if phrase in short:
        return _relative(short[phrase], current, prefer)
    if m := re.fullmatch(r"(?P<base>.+?)\s*(?P<sign>[+-])\s*(?P<n>\d+)\s*(?P<unit>[a-z]+)", phrase):
        unit = UNITS.get(m.group("unit"))
        base = _relative(m.group("base"), current, prefer) if unit in ("days", "weeks", "months", "years") else None
        if base is not None:
            n = _count(m.group("n")) * (-1 if m.group("sign") == "-" else 1)
            return When(shift(base.day, unit, n), base.time)
    if phrase in ("day after tomorrow", "the day after tomorrow", "overmorrow"):
        return When(today + timedelta(days=2))
    if phrase in ("day before yesterday", "the day before yesterday"):
        return When(today - timedelta(days=2))
    if m := _ORDINAL_RE.match(phrase):
        return When(_nth(today, int(m.group("day")), prefer))
    if m := re.fullmatch(rf"(?:in\s+)?((?:(?:{_N})\s+[a-z]+\s*)+?)(\s+from\s+now|\s+ago)?", phrase):
        parts = re.findall(rf"({_N})\s+([a-z]+)", m.group(1))
        if parts and (phrase.startswith("in ") or m.group(2)) and all(UNITS.get(u) for _, u in parts):
            sign = -1 if (m.group(2) or "").strip() == "ago" else 1
            day = today
            for n, unit in parts:
                if UNITS[unit] in ("hours", "minutes"):
                    break
                day = shift(day, UNITS[unit], sign * _count(n))
            else:
                return When(day)

    for regex, sign in ((_IN_RE, 1), (_AGO_RE, -1), (_OFFSET_RE, None)):
        m = regex.match(phrase)
        if not m:
            continue
        unit = UNITS.get(m.group("unit"))
        if unit is None:
            return None
        n = _count(m.group("n"))
        if sign is None:
            sign = -1 if m.group("sign") == "-" else 1
        if unit in ("hours", "minutes"):
            try:
                moment = current + timedelta(**{unit: sign * n})
            except OverflowError:
                raise DateParseError("that date is out of range", "Use a nearer time") from None
            return When(moment.date(), moment.time().replace(second=0, microsecond=0, tzinfo=None))
        return When(shift(today, unit, sign * n))

    words = phrase.split()
    if len(words) == 2 and words[0] in ("next", "this", "last", "coming", "previous"):
        qualifier, word = words
        direction = "past" if qualifier in ("last", "previous") else "future"
        if word in WEEKDAYS:
            return When(_weekday(today, WEEKDAYS[word], direction, today_counts=False))
        unit = UNITS.get(word)
        if unit in ("days", "weeks", "months", "years") and qualifier in ("next", "last"):
            return When(shift(today, unit, 1 if direction == "future" else -1))
        return None
    if phrase in WEEKDAYS:
        return When(_weekday(today, WEEKDAYS[phrase], prefer))
    return None


def _edge(current: datetime, edge: str, which: str, unit: str) -> When:
    """The start or end of this, next or last day, week (Monday to Sunday), month, quarter or year."""
    today = current.date()
    step = {"this": 0, "next": 1, "last": -1}[which]
    if unit == "day":
        day = today + timedelta(days=step)
        return When(day, time(0, 0) if edge != "end" else time(23, 59))
    if unit == "week":
        first = today - timedelta(days=today.weekday()) + timedelta(weeks=step)
        return When(first if edge != "end" else first + timedelta(days=6))
    months = {"month": 1, "quarter": 3, "year": 12}[unit]
    if unit == "month":
        first = today.replace(day=1)
    elif unit == "quarter":
        first = date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
    else:
        first = date(today.year, 1, 1)
    first = shift(first, "months", step * months)
    return When(first if edge != "end" else shift(first, "months", months) - timedelta(days=1))


def _nth(today: date, n: int, prefer: str) -> date:
    """The next (or, for ``prefer="past"``, the last) ``n``-th of a month, today included."""
    if not 1 <= n <= 31:
        raise DateParseError(f"there is no {n}th of a month", "Use 1st to 31st")
    step = -1 if prefer == "past" else 1
    first = today.replace(day=1)
    for k in range(0, 13 * step, step):
        month = shift(first, "months", k)
        try:
            day = month.replace(day=n)
        except ValueError:
            continue  # no 31st in this month
        if (day >= today) if step == 1 else (day <= today):
            return day
    raise DateParseError(f"cannot place the {n}th", "Give the month too")


def _absolute(phrase: str, current: datetime, prefer: str, order: str | None = None) -> When:
    """Calendar dates (``2026-12-01``, ``1 Dec 2026 14:30``, ``Dec 1``) via dateutil; dotted ones day
    first; slashed ones in ``order`` (``slashed.slashed``)."""
    clock = None
    if (m := _TRAILING_TIME_RE.match(phrase)) and (_DOTTED_RE.match(m.group("rest"))
                                                   or SLASHED_RE.match(m.group("rest"))):  # fmt: skip
        phrase, clock = m.group("rest"), _parse_time(m.group("time"))
    if (found := slashed(phrase, order)) is not None:  # 03/04/2026: in the date_order setting's order
        year, month, day = found
        if year is not None:
            return When(date(year, month, day), clock)
        return _absolute(f"{day} {list(_MONTHS)[month - 1]}" + (f" {clock:%H:%M}" if clock else ""), current, prefer)
    if m := _DOTTED_RE.match(phrase):  # 01.12.2026 is the 1st of December, everywhere dots are written
        year = int(m.group("y")) if m.group("y") else (2000 + int(m.group("yy")) if m.group("yy") else None)
        try:
            if year is not None:
                return When(date(year, int(m.group("m")), int(m.group("d"))), clock)
            date(2024, int(m.group("m")), int(m.group("d")))
        except ValueError:
            raise DateParseError(f"there is no day {phrase!r}", "Dotted dates are day first: 31.12.2026") from None
        return _absolute(f"{m.group('d')} {['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'][int(m.group('m')) - 1]}"
                         + (f" {clock:%H:%M}" if clock else ""), current, prefer)  # fmt: skip
    if m := re.fullmatch(r"(\d{4})(\d{2})(\d{2})", phrase):  # compact ISO: 20261201
        try:
            return When(date(int(m.group(1)), int(m.group(2)), int(m.group(3))), clock)
        except ValueError:
            raise DateParseError(f"there is no day {phrase!r}", "Write it as YYYYMMDD, e.g. 20261201") from None
    if re.fullmatch(r"[a-z]+", phrase) and phrase[:3] in _MONTHS and _MONTHS[phrase[:3]].startswith(phrase):
        return _absolute(f"1 {phrase}", current, prefer)  # a month name alone: its first day
    if not re.search(r"\d", phrase) or phrase.isdigit() or len(phrase) > 64:
        raise DateParseError(f"cannot read the date {phrase!r}", _TRY)
    if not re.search(r"[a-z]", phrase) and not re.search(r"\d[-/.]\d", phrase):
        raise DateParseError(f"{phrase!r} has no day or month", "Give a date, e.g. 2026-12-01 or Dec 1 12:12")
    from dateutil import parser

    today = current.date()
    # Parse twice with defaults that differ in year and hour: what differs was not
    # in the text. Both default years are leap years, so "Feb 29" parses.
    try:
        a = parser.parse(phrase, default=datetime(2028, today.month, 1, 0, 0))
        b = parser.parse(phrase, default=datetime(2024, today.month, 1, 1, 0))
    except (ValueError, OverflowError, TypeError, ArithmeticError, parser.ParserError):
        raise DateParseError(f"cannot read the date {phrase!r}", _TRY) from None
    if a.tzinfo is not None:  # "2026-12-01T10:00Z": an instant, shown in local time
        try:
            a = a.astimezone().replace(tzinfo=None)
            b = b.astimezone().replace(tzinfo=None)
        except (OverflowError, ValueError):
            raise DateParseError(f"{phrase!r} is out of range", "Use a date between 1900 and 2999") from None
    clock = time(a.hour, a.minute) if a.hour == b.hour else None
    if a.year == b.year:
        return When(a.date(), clock)
    # No year given: the nearest such day from today, forward for reminders, back for logs.
    step = -1 if prefer == "past" else 1
    year = today.year
    for _ in range(9):  # 29 February comes round within eight years
        try:
            day = date(year, a.month, a.day)
        except ValueError:
            day = None
        if day is not None and (day >= today if step == 1 else day <= today):
            return When(day, clock)
        year += step
    raise DateParseError(f"cannot place {phrase!r} in a year", "Add the year, e.g. 2028-02-29")


_MONTHS = {m[:3]: m for m in ("january", "february", "march", "april", "may", "june", "july", "august",
                               "september", "october", "november", "december")}  # fmt: skip


def parse_when(text: str, current: datetime, prefer: str = "future", order: str | None = None) -> When:
    """Read a WHEN phrase relative to ``current`` (an aware local datetime).

    ``prefer`` settles phrases that name no year or direction: "future" for
    reminders (``Dec 1`` in late December means next year), "past" for logging
    (``fri`` means the Friday just gone). ``order`` is the ``date_order`` setting, for
    slashed dates (``slashed.slashed``); without it an ambiguous one is refused.
    """
    phrase = " ".join(str(text).lower().replace(",", " ").split())
    phrase = re.sub(r"(?:\bat\s+)?\bnoon$", "12:00", phrase)
    phrase = re.sub(r"(?:\bat\s+)?\bmidnight$", "0:00", phrase).strip()
    phrase = re.sub(r"^at\s+", "", phrase)
    if not phrase:
        raise DateParseError("the date is empty", _TRY)
    when = _read(phrase, current, prefer, order)
    if when.day.year not in YEARS:
        raise DateParseError(f"{text!r} is out of range", f"Use a date between {YEARS[0]} and {YEARS[-1]}")
    return when


def _read(phrase: str, current: datetime, prefer: str, order: str | None = None) -> When:
    if _TIME_RE.match(phrase):
        return When(current.date(), _parse_time(phrase))
    m = _TRAILING_TIME_RE.match(phrase)
    if m and (found := _relative(m.group("rest"), current, prefer)) is not None:
        return When(found.day, _parse_time(m.group("time")))
    found = _relative(phrase, current, prefer)
    if found is not None:
        return found
    return _absolute(phrase, current, prefer, order)


# ---------------------------------------------------------------- descriptions


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def describe_day(day: date, today: date) -> str:
    """``3 days late``, ``today``, ``tomorrow``, ``in 5 days`` — for tables."""
    delta = (day - today).days
    if delta < 0:
        return f"{plural(-delta, 'day')} late"
    if delta == 0:
        return "today"
    if delta == 1:
        return "tomorrow"
    if delta < 7:
        return f"{day:%a} (in {delta} days)"
    return day.isoformat()


def describe_ago(moment: datetime | None, current: datetime) -> str:
    """``today``, ``yesterday``, ``12 days ago`` — how long since something happened."""
    if moment is None:
        return "never"
    days = (current.date() - local(moment).date()).days
    if days <= 0:
        return "today"
    if days == 1:
        return "yesterday"
    return f"{days} days ago"
