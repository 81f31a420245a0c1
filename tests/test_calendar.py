"""calendar import: real iCalendar files built with icalendar, a real database."""

from __future__ import annotations

import re
from datetime import date, datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from icalendar import Calendar, Event, vCalAddress, vRecur

BERLIN = ZoneInfo("Europe/Berlin")
SUMMARY = re.compile(r"(\d+) events? scanned: (.*)\.")
CORPUS = Path("/work/shared/corpus/ics")


def event(uid: str | None, start, summary="Tasting", attendees=("ann@example.com",), organizer="me@example.org",
          **props) -> Event:  # fmt: skip
    e = Event()
    if uid:
        e.add("uid", uid)
    if start is not None:
        e.add("dtstart", start)
    e.add("summary", summary)
    if organizer:
        e.add("organizer", vCalAddress(f"MAILTO:{organizer}"))
    for address in attendees:
        attendee = vCalAddress(f"mailto:{address}")
        attendee.params["cn"] = "Someone"
        e.add("attendee", attendee)
    for name, value in props.items():
        e.add(name.replace("_", "-"), value)
    return e


def write_ics(path: Path, events) -> Path:
    cal = Calendar()
    cal.add("prodid", "-//test//EN")
    cal.add("version", "2.0")
    for e in events:
        cal.add_component(e)
    path.write_bytes(cal.to_ical())
    return path


def counts(stderr: str) -> dict[str, int]:
    found = SUMMARY.search(stderr)
    assert found, stderr
    head = found.group(2).split(" unreadable")[0] + " unreadable"  # the reasons may hold anything
    outcomes = "logged|already logged|reminded|future|no known contact|cancelled|unreadable"
    result = {k: int(v) for v, k in re.findall(rf"(\d+) ({outcomes})\b", head)}
    assert sum(result.values()) == int(found.group(1)), stderr
    return result


@pytest.fixture
def ann(cli) -> int:
    return cli.id("add", "Ann Lee", "--email", "ann@example.com")


def meetings(cli) -> list[dict]:
    return cli.ok("history", "--kind", "meeting", "--json").json()


def test_events_with_known_people_are_meetings_once_each(cli, ann, tmp_path):
    cli.ok("add", "Bob Stone", "--email", "bob@example.net")
    ics = write_ics(tmp_path / "cal.ics", [
        event("one@x", datetime(2026, 11, 10, 10, 0, tzinfo=BERLIN), description="Bring samples.\n\n-- \nMe"),
        event("org@x", datetime(2026, 11, 11, 9, 0, tzinfo=timezone.utc), summary="Call", attendees=(),
              organizer="ANN@example.com"),
        event("two@x", datetime(2026, 11, 12, 15, 0), summary="Both", attendees=("ann@example.com", "bob@example.net")),
        event("day@x", date(2026, 11, 3), summary="Fair"),
        event("zed@x", datetime(2026, 11, 1, 10, tzinfo=BERLIN), attendees=("zed@example.com",)),
        event("off@x", datetime(2026, 11, 2, 10, tzinfo=BERLIN), status="CANCELLED"),
        event("nostart@x", None),
        event(None, datetime(2026, 11, 4, 8, tzinfo=BERLIN), summary="No uid"),
    ])  # fmt: skip
    first = cli.ok("calendar", "import", ics)
    assert counts(first.stderr) == {"logged": 5, "already logged": 0, "no known contact": 1, "cancelled": 1,
                                    "unreadable": 1}  # fmt: skip
    assert "1 no start (DTSTART)" in first.stderr
    found = {(m["contact_name"], m["at"], m["text"]) for m in meetings(cli)}
    assert found == {
        ("Ann Lee", "2026-11-10T10:00:00+01:00", "Tasting\n\nBring samples."),
        ("Ann Lee", "2026-11-11T10:00:00+01:00", "Call"),
        ("Ann Lee", "2026-11-12T15:00:00+01:00", "Both"),  # a floating time is local
        ("Bob Stone", "2026-11-12T15:00:00+01:00", "Both"),
        ("Ann Lee", "2026-11-03T00:00:00+01:00", "Fair"),  # all day: from local midnight
        ("Ann Lee", "2026-11-04T08:00:00+01:00", "No uid"),
    }
    second = cli.ok("calendar", "import", ics)
    assert counts(second.stderr)["already logged"] == 5 and counts(second.stderr)["logged"] == 0
    assert len(meetings(cli)) == 6


def test_a_repeating_event_is_one_meeting_per_occurrence_held_and_a_moved_one_once(cli, ann, tmp_path):
    start = datetime(2026, 10, 21, 9, 0, tzinfo=BERLIN)
    moved = event("weekly@x", datetime(2026, 10, 28, 14, 0, tzinfo=BERLIN), summary="Standup (moved)",
                  recurrence_id=datetime(2026, 10, 28, 9, 0, tzinfo=BERLIN))  # fmt: skip
    ics = write_ics(tmp_path / "cal.ics", [
        event("weekly@x", start, summary="Standup", rrule=vRecur(freq="weekly", count=10),
              exdate=datetime(2026, 11, 4, 9, 0, tzinfo=BERLIN)),
        moved,
    ])  # fmt: skip
    result = cli.ok("calendar", "import", ics)
    # held: 21 Oct, 11 Nov, 18 Nov 09:00 (before 09:30), and the moved 28 Oct; 4 Nov is excluded; 25 Nov is next
    assert counts(result.stderr) == {"logged": 4, "already logged": 0, "future": 1, "no known contact": 0,
                                     "unreadable": 0}  # fmt: skip
    assert sorted(m["at"] for m in meetings(cli)) == [
        "2026-10-21T09:00:00+02:00", "2026-10-28T14:00:00+01:00", "2026-11-11T09:00:00+01:00",
        "2026-11-18T09:00:00+01:00"]  # fmt: skip
    assert counts(cli.ok("calendar", "import", ics).stderr)["already logged"] == 4


def test_remind_makes_future_events_reminders_once(cli, ann, tmp_path):
    ics = write_ics(tmp_path / "cal.ics", [
        event("soon@x", datetime(2026, 11, 20, 14, 30, tzinfo=BERLIN), summary="Tasting"),
        event("xmas@x", date(2026, 12, 24), summary="Market"),
    ])  # fmt: skip
    plain = cli.ok("calendar", "import", ics)
    assert counts(plain.stderr)["future"] == 2
    remind = cli.ok("calendar", "import", ics, "--remind")
    assert counts(remind.stderr)["reminded"] == 2
    due = {(r["text"], r["due_on"], r["due_time"]) for r in cli.ok("due", "--week", "--json").json()}
    assert ("Meeting: Tasting", "2026-11-20", "14:30") in due
    again = cli.ok("calendar", "import", ics, "--remind")
    assert counts(again.stderr)["already logged"] == 2
    assert meetings(cli) == []


def test_dry_run_and_report(cli, ann, tmp_path):
    ics = write_ics(tmp_path / "cal.ics", [event("one@x", datetime(2026, 11, 10, 10, tzinfo=BERLIN))])
    report = tmp_path / "out.tsv"
    result = cli.ok("calendar", "import", ics, "--dry-run", "--report", report)
    assert "Dry run, nothing changed" in result.stderr and counts(result.stderr)["logged"] == 1
    assert meetings(cli) == []
    assert report.read_text().splitlines()[1].split("\t")[:2] == [f"{ics} event 1", "logged"]


def test_a_file_that_is_not_icalendar_is_one_line(cli, ann, tmp_path):
    bad = tmp_path / "notes.ics"
    bad.write_text("BEGIN:VCALENDAR\nthis is not a calendar\n")
    result = cli("calendar", "import", bad)
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"Error: {bad} is not an iCalendar file")
    missing = cli("calendar", "import", tmp_path / "nope.ics")
    assert missing.exit_code == 2 and "cannot read" in missing.stderr


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared corpus is not on this machine")
def test_real_calendar_files_are_read_and_every_event_counted(cli, ann):
    for path in sorted(CORPUS.glob("*.ics")):
        result = cli.ok("calendar", "import", path)
        counts(result.stderr)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(dtstart=st.text(st.sampled_from("0123456789TZ:;=-/VALUEDATE"), max_size=24),
       rule=st.text(st.sampled_from("FREQ=DAILYWEEKLYCOUNT=UNTIL0123456789;T"), max_size=30),
       summary=st.text(max_size=40))  # fmt: skip
def test_hostile_events_never_stop_the_import(cli, tmp_path, dtstart, rule, summary):
    cli("add", "Ann Lee", "--email", "ann@example.com")
    text = summary.replace("\r", " ").replace("\n", " ")
    ics = tmp_path / "h.ics"
    ics.write_text("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:h@x\r\nDTSTART" + dtstart + "\r\n"
                   + ("RRULE:" + rule + "\r\n" if rule else "") + "SUMMARY:" + text + "\r\n"
                   "ATTENDEE:mailto:ann@example.com\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:ok@x\r\n"
                   "DTSTART:20261110T100000Z\r\nATTENDEE:mailto:ann@example.com\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    result = cli("calendar", "import", ics)
    if result.exit_code == 0:
        assert counts(result.stderr)
    else:
        assert result.exit_code == 2 and result.stderr.count("\n") == 1 and "Error:" in result.stderr
