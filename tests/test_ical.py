"""The calendar export gives exactly minicrm's dates: each exported calendar is expanded by real
iCalendar libraries (recurring-ical-events, as calendar programs do; dateutil's rrule over the same
RRULE, RDATE and EXDATE) and compared, over two years, with the dates ``minicrm done`` walks the
reminder through."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import icalendar
import pytest

TODAY = date(2026, 11, 18)
YEARS = 2


def minicrm_dates(cli, reminder: dict, until: date) -> list[date]:
    """The reminder's dates as minicrm gives them: its due day, then each day `done` moves it to."""
    seen = [date.fromisoformat(reminder["due_on"])]
    while True:
        moved = cli.ok("done", str(reminder["id"]), "--json").json()[0]
        day = date.fromisoformat(moved["due_on"])
        if day > until:
            return seen
        seen.append(day)


def calendar_dates(text: str, start: date, until: date) -> dict[str, list[date]]:
    """The days of the calendar's events from ``start`` through ``until``, by each library."""
    from dateutil.rrule import rrulestr

    cal = icalendar.Calendar.from_ical(text)
    by_dateutil: list[date] = []
    for event in cal.walk("VEVENT"):
        first = event.decoded("dtstart")
        if "RRULE" not in event:
            by_dateutil.append(first if type(first) is date else first.date())
            continue
        lines = [event["dtstart"].to_ical().decode(), event["rrule"].to_ical().decode()]
        text_rule = f"DTSTART{';VALUE=DATE' if type(first) is date else ''}:{lines[0]}\nRRULE:{lines[1]}"
        rules = rrulestr(text_rule, forceset=True)
        for key, add in (("RDATE", rules.rdate), ("EXDATE", rules.exdate)):
            for group in (event[key] if isinstance(event.get(key), list) else [event[key]]) if key in event else ():
                for value in group.dts:
                    moment = value.dt
                    add(datetime.combine(moment, datetime.min.time()) if type(moment) is date else moment)
        by_dateutil += [d.date() for d in rules.between(datetime.combine(start, datetime.min.time()),
                                                        datetime.combine(until, datetime.max.time()), inc=True)]
    found = {"dateutil": sorted(d for d in by_dateutil if start <= d <= until)}
    try:
        import recurring_ical_events
    except ImportError:  # a test dependency (pyproject's test extra); dateutil still checks
        return found
    events = recurring_ical_events.of(cal).between(start, until + timedelta(days=1))
    found["recurring-ical-events"] = sorted(
        (e.decoded("dtstart") if type(e.decoded("dtstart")) is date else e.decoded("dtstart").date()) for e in events)
    return found


CASES = {  # name: (remind arguments, what happens before the export)
    "one-off": (["--on", "2026-11-30"], []),
    "weekly": (["--on", "today", "--every", "weekly"], []),
    "fortnightly 9am": (["--on", "2026-11-20 09:00", "--every", "fortnightly"], []),
    "monthly from the 31st": (["--on", "2027-01-31", "--every", "monthly"], []),
    "monthly from the 31st, rolled to the 30th": (["--on", "2026-10-31", "--every", "monthly"], [["done", "1"]]),
    "monthly from the 30th at 9am": (["--on", "2026-11-30 09:00", "--every", "monthly"], []),
    "monthly from the 29th": (["--on", "2027-01-29", "--every", "monthly"], []),
    "quarterly from 30 November": (["--on", "2026-11-30", "--every", "quarterly"], []),
    "yearly from 29 February": (["--on", "2028-02-29", "--every", "yearly"], []),
    "yearly": (["--on", "2026-12-24", "--every", "yearly"], []),
    "every 2 months from the 31st, rolled": (["--on", "2026-10-31", "--every", "every 2 months"], [["done", "1"]]),
    "snoozed weekly": (["--on", "today", "--every", "weekly"], [["snooze", "1", "--until", "fri"]]),
    "snoozed monthly from the 31st": (["--on", "2026-12-31", "--every", "monthly"],
                                      [["snooze", "1", "--until", "2027-01-02"]]),
}  # fmt: skip


@pytest.mark.parametrize("name", list(CASES))
def test_calendars_expand_exactly_minicrms_dates(cli, tmp_path, name):
    remind, before = CASES[name]
    cli.ok("add", "Ann Lee")
    cli.ok("remind", "ann", "Call", *remind)
    for args in before:
        cli.ok(*args)
    text = cli.ok("export", "reminders", "--to", "ics").stdout
    reminder = cli.ok("export", "reminders", "--to", "json").json()[0]
    start = min(TODAY, date.fromisoformat(reminder["due_on"]))
    until = max(TODAY, start).replace(year=start.year + YEARS)
    expected = minicrm_dates(cli, reminder, until) if reminder["rule"] else [date.fromisoformat(reminder["due_on"])]
    for library, got in calendar_dates(text, start, until).items():
        assert got == expected, (library, [d.isoformat() for d in got][:14], [d.isoformat() for d in expected][:14])


def test_a_timed_reminder_carries_an_alarm_at_its_time(cli):
    cli.ok("add", "Ann Lee")
    cli.ok("remind", "ann", "Call", "--on", "tomorrow 10am", "--every", "monthly")
    cli.ok("remind", "ann", "All day", "--on", "tomorrow")
    events = {str(e["summary"]): e for e in icalendar.Calendar.from_ical(
        cli.ok("export", "reminders", "--to", "ics").stdout).walk("VEVENT")}  # fmt: skip
    (alarm,) = events["Call (Ann Lee)"].walk("VALARM")
    assert str(alarm["action"]) == "DISPLAY" and alarm.decoded("trigger") == timedelta(0)
    assert events["Call (Ann Lee)"].decoded("dtstart") == datetime(2026, 11, 19, 10, 0)  # floating local time
    assert not events["All day (Ann Lee)"].walk("VALARM")


def test_the_rule_has_the_forms_every_calendar_reads(cli):
    """BYMONTHDAY=-1 for the 31st, BYMONTH=2;BYMONTHDAY=-1 for 29 February; never BYSETPOS."""
    cli.ok("add", "Ann Lee")
    cli.ok("remind", "ann", "Month end", "--on", "2027-01-31", "--every", "monthly")
    cli.ok("remind", "ann", "Leap day", "--on", "2028-02-29", "--every", "yearly")
    text = cli.ok("export", "reminders", "--to", "ics").stdout.replace("\r\n ", "")
    assert "RRULE:FREQ=MONTHLY;INTERVAL=1;BYMONTHDAY=-1" in text
    (yearly,) = [line for line in text.splitlines() if line.startswith("RRULE:FREQ=YEARLY")]
    assert sorted(yearly.removeprefix("RRULE:").split(";")) == ["BYMONTH=2", "BYMONTHDAY=-1", "FREQ=YEARLY", "INTERVAL=1"]
    assert "BYSETPOS" not in text


def test_export_all_to_ics_adds_occasions_every_year_and_open_deals_close_dates(cli):
    cli.ok("add", "Ann Lee", "--birthday", "1992-02-29")
    cli.ok("occasion", "add", "ann", "birthday")
    cli.ok("occasion", "add", "ann", "12-24", "--label", "anniversary")
    cli.ok("deal", "add", "ann", "Website", "--value", "800", "--close", "2026-12-15")
    cli.ok("deal", "add", "ann", "Old", "--value", "100", "--close", "2026-11-30")
    cli.ok("deal", "move", "2", "lost")
    assert "Close the deal" not in cli.ok("export", "reminders", "--to", "ics").stdout  # reminders alone, as before
    text = cli.ok("export", "all", "--to", "ics").stdout
    until = TODAY.replace(year=TODAY.year + YEARS)
    got = calendar_dates(text, TODAY, until)
    leap_days = [date(2027, 2, 28), date(2028, 2, 29)]
    expected = sorted([*leap_days, date(2026, 12, 24), date(2027, 12, 24), date(2026, 12, 15)])
    assert all(days == expected for days in got.values()), got
    assert "Close the deal: Website (Ann Lee)" in text.replace("\r\n ", "") and "Old" not in text
    assert cli("export", "contacts", "--to", "ics").exit_code == 2
