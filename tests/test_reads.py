"""Read commands never write: the database file and the audit trail stay exactly as they were."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

LATER = {"MINICRM_NOW": "2027-03-02T08:00:00"}  # months on: occasions, deals and reminders have all passed

READS = [
    ["list"], ["list", "--sort", "score"], ["show", "1"], ["history"], ["history", "1"],
    ["due"], ["due", "--week"], ["due", "--overdue"], ["due", "--today"], ["search", "cake"],
    ["report"], ["customers"], ["at-risk"], ["deal", "list"], ["deal", "pipeline"], ["segment", "list"],
    ["occasion", "list"], ["audit"], ["referrals"], ["dupes"], ["score", "1"], ["score", "--explain", "1"], ["score"], ["consent", "1"], ["access", "1"], ["export", "contacts"], ["export", "all"],
    ["export", "--to", "ics"], ["export", "all", "--to", "ics"], ["export", "--to", "vcf"], ["doctor"],
]  # fmt: skip


def fingerprint(db: Path) -> tuple[str, list]:
    import sqlite3

    conn = sqlite3.connect(db)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        changes = conn.execute("SELECT * FROM changes ORDER BY id").fetchall()
    finally:
        conn.close()
    return hashlib.sha256(db.read_bytes()).hexdigest(), changes


@pytest.fixture
def demo(cli, isolated):
    cli.ok("demo")
    cli.ok("occasion", "add", "1", "11-20", "--label", "anniversary")
    cli.ok("segment", "save", "regulars", "--tag", "regular")
    return isolated


@pytest.mark.parametrize("args", READS, ids=" ".join)
def test_a_read_command_leaves_the_file_and_the_audit_trail_unchanged(cli, demo, args):
    before = fingerprint(demo)
    for tty in (False, True):
        result = cli(*args, tty=tty, env=LATER)
        assert result.exit_code in (0, 1), result.stderr  # doctor may find the demo unwell: still a read
    assert fingerprint(demo) == before


def test_due_over_a_passed_occasion_shows_next_year_and_writes_nothing(cli, demo):
    before = fingerprint(demo)
    nov = {"MINICRM_NOW": "2027-11-19T09:00:00"}
    items = [i for i in cli.ok("due", "--week", "--json", env=nov).json() if i["kind"] == "occasion"]
    assert ("Anniversary in 1 day", "2027-11-20") in [(i["text"], i["due_on"]) for i in items]
    assert fingerprint(demo) == before
    cli.ok("undo", env=nov)  # undo reverts the user's last change, not something due did
    assert cli.ok("segment", "list", "--json").json() == []
