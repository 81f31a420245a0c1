"""Numeric dates whose order is a setting: ``03/04/2026`` is 3 April or 4 March.

``slashed`` reads a date written with slashes (or with dashes and the year last) in the
``date_order`` setting's order (``DMY``, ``MDY`` or ``YMD``), and refuses, naming every
reading, one that could be two days when no order says which. ``dates.parse_when`` and
``recurrence.parse_birthday`` use it; ``slashed_like`` tells a caller whether a text needs
the setting at all, so that commands read it only then. docs/dates.md lists the forms.
"""

from __future__ import annotations

import re
from datetime import date

from minicrm.errors import DateParseError

DATE_ORDERS = ("DMY", "MDY", "YMD")
# 03/04/2026, 03/04/26, 03/04, 2026/04/03, and 03-04-2026 (dashes with the year last: not ISO)
SLASHED_RE = re.compile(r"^(?P<a>\d{1,4})/(?P<b>\d{1,2})(?:/(?P<c>\d{4}|\d{2}))?$"
                         r"|^(?P<da>\d{1,2})-(?P<db>\d{1,2})-(?P<dc>\d{4})$")  # fmt: skip
_ORDER_WORDS = {"DMY": "day first", "MDY": "month first", "YMD": "year first"}
_MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
                "November", "December")  # fmt: skip
Reading = tuple[int | None, int, int]  # (year or None, month, day)


def slashed_like(text: str) -> bool:
    """Whether ``text`` may hold a date that ``slashed`` reads (so the ``date_order`` is wanted)."""
    return "/" in text or re.search(r"\d-\d{1,2}-\d{4}", text) is not None


def slashed(text: str, order: str | None) -> Reading | None:
    """(year or None, month, day) of a numeric date written with slashes (``03/04/2026``,
    ``03/04/26``, ``03/04``, ``2026/04/03``) or with dashes and the year last (``03-04-2026``),
    read in ``order``; None for any other text.

    A four-digit year first is always year, month, day. Under ``DMY`` or ``MDY`` the date is
    read that way, and refused (naming the other reading) when it is no day that way. Under
    ``YMD`` or no order, a date with the year last (or no year) is taken when only one reading
    is a day (``13/04/2026``) and refused, naming each, when it could be two (``03/04/2026``).
    """
    m = SLASHED_RE.match(text)
    if m is None:
        return None
    a, b, c = (m.group("a"), m.group("b"), m.group("c")) if m.group("a") else (m.group("da"), m.group("db"), m.group("dc"))
    readings: dict[str, Reading] = {}
    if c is None and len(a) <= 2:
        readings = {"DMY": (None, int(b), int(a)), "MDY": (None, int(a), int(b))}
    elif c is not None and len(a) == 4 and len(c) == 2:
        readings = {"YMD": (int(a), int(b), int(c))}
    elif c is not None and len(a) <= 2:
        year = int(c) if len(c) == 4 else 2000 + int(c)
        readings = {"DMY": (year, int(b), int(a)), "MDY": (year, int(a), int(b))}
        if len(c) == 2:  # 03/04/05 could also be 2003-04-05
            readings["YMD"] = (2000 + int(a), int(b), int(c))
    if not readings:
        raise DateParseError(f"cannot read the date {text!r}", "Write it as YYYY-MM-DD, e.g. 2026-04-03")
    valid = {name: found for name, found in readings.items() if _is_day(found)}
    if order in ("DMY", "MDY") and order in readings:
        if order in valid:
            return valid[order]
        other = next(iter(valid.values()), None)
        pattern = "day/month/year" if order == "DMY" else "month/day/year"
        raise DateParseError(f"{text!r} is not a date in {pattern} order (the date_order setting is {order})",
                             f"If you meant {_words(other)}, type {_iso(other)}" if other
                             else "Write it as YYYY-MM-DD, e.g. 2026-04-03")  # fmt: skip
    ways: dict[Reading, str] = {}
    for name, found in valid.items():
        ways.setdefault(found, name)  # 03/03/2026 is one day, whichever way it is read
    if len(ways) == 1:
        return next(iter(ways))
    if not ways:
        raise DateParseError(f"there is no day {text!r}", "Write it as YYYY-MM-DD, e.g. 2026-04-03")
    readings_text = " or ".join(f"{_words(found)} ({_ORDER_WORDS[name]})" for found, name in ways.items())
    raise DateParseError(f"{text!r} reads {'two' if len(ways) == 2 else 'three'} ways: {readings_text}",
                         f"Type {' or '.join(_iso(found) for found in ways)}, or say once how you write dates: "
                         f"minicrm config date_order DMY (or MDY)")  # fmt: skip


def _is_day(found: Reading) -> bool:
    year, month, day = found
    try:
        date(2024 if year is None else year, month, day)  # no year: a leap year admits 29 February
    except ValueError:
        return False
    return True


def _words(found: Reading) -> str:
    year, month, day = found
    return f"{day} {_MONTH_NAMES[month - 1]}" + (f" {year}" if year is not None else "")


def _iso(found: Reading) -> str:
    year, month, day = found
    return f"{year:04d}-{month:02d}-{day:02d}" if year is not None else f"{_MONTH_NAMES[month - 1][:3]} {day}"
