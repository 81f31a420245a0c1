"""backup, restore and doctor."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
import textwrap

import pytest

from minicrm.store import migrations


def names(cli) -> list[str]:
    return [row[2] for row in cli.ok("list").rows()]


def test_backup_is_one_private_file_next_to_the_database(cli, isolated):
    cli.ok("add", "Ann", "--email", "ann@example.com")
    result = cli.ok("backup")
    path = result.stdout.strip()
    assert path == str(isolated.with_name("crm-backup-20261118-093000.db"))
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert not os.path.exists(path + "-wal")
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("SELECT name FROM contacts").fetchall() == [("Ann",)]
    conn.close()
    second = cli.ok("backup").stdout.strip()  # same second: a new name, never an overwrite
    assert second != path and os.path.exists(second)


def test_backup_to_a_path_or_folder_and_never_over_a_file(cli, tmp_path):
    cli.ok("add", "Ann")
    target = tmp_path / "copy.db"
    assert cli.ok("backup", str(target)).stdout.strip() == str(target)
    again = cli("backup", str(target))
    assert again.exit_code == 1 and "already exists" in again.stderr and again.stdout == ""
    folder = tmp_path / "backups"
    folder.mkdir()
    inside = cli.ok("backup", str(folder)).stdout.strip()
    assert os.path.dirname(inside) == str(folder)


WRITER = textwrap.dedent(
    """
    import sys
    from minicrm import dates
    from minicrm.services import activity, contacts
    from minicrm.store import open_store

    now = dates.now()
    store = open_store(sys.argv[1], now)
    contact = contacts.resolve(store, "ann")
    print("go", flush=True)
    for n in range(1, 301):
        with store.write():  # two statements that must always agree
            activity.log(store, now, contact, "note", f"row {n}")
            contacts.edit(store, now, contact, note=str(n))
    """
)


def test_backups_taken_while_another_process_writes_are_consistent(cli, isolated, tmp_path):
    cli.ok("add", "Ann")
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(isolated)], stdout=subprocess.PIPE, text=True,
                              env={**os.environ, "MINICRM_DB": str(isolated)})  # fmt: skip
    assert writer.stdout.readline().strip() == "go"
    seen = []
    for n in range(6):
        path = tmp_path / f"b{n}.db"
        cli.ok("backup", str(path))
        conn = sqlite3.connect(path)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        logged = conn.execute("SELECT count(*) FROM interactions").fetchone()[0]
        note = conn.execute("SELECT note FROM contacts").fetchone()[0]
        assert str(logged) == (note or "0")
        seen.append(logged)
        conn.close()
    assert writer.wait(timeout=60) == 0
    assert seen == sorted(seen) and seen[-1] > 0, seen


def test_restore_replaces_and_keeps_the_old_one_aside(cli, isolated, tmp_path):
    cli.ok("add", "Ann")
    backup = tmp_path / "monday.db"
    cli.ok("backup", str(backup))
    cli.ok("add", "Bob")

    refused = cli("restore", str(backup))  # a pipe: no confirmation, no restore
    assert refused.exit_code == 2 and "--yes" in refused.stderr
    assert names(cli) == ["Ann", "Bob"]

    done = cli.ok("restore", str(backup), "--yes")
    assert done.stdout == ""
    aside = isolated.with_name("crm-replaced-20261118-093000.db")
    assert f"kept as {aside}" in done.stderr
    assert names(cli) == ["Ann"]
    kept = sqlite3.connect(aside)
    assert [r[0] for r in kept.execute("SELECT name FROM contacts ORDER BY id")] == ["Ann", "Bob"]
    cli.ok("add", "Cy")  # the restored database takes writes
    assert names(cli) == ["Ann", "Cy"]
    conn = sqlite3.connect(isolated)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_restore_asks_on_a_terminal(cli, tmp_path, monkeypatch):
    cli.ok("add", "Ann")
    cli.ok("backup", str(tmp_path / "b.db"))
    cli.ok("add", "Bob")
    monkeypatch.setattr("minicrm.cli.common.stdin_is_terminal", lambda: True)
    no = cli("restore", str(tmp_path / "b.db"), input="n\n")
    assert no.exit_code == 1 and "Nothing restored." in no.stderr
    assert names(cli) == ["Ann", "Bob"]
    cli.ok("restore", str(tmp_path / "b.db"), input="y\n")
    assert names(cli) == ["Ann"]


def _copy_with(cli, tmp_path, name, change):
    path = tmp_path / name
    cli.ok("backup", str(path))
    conn = sqlite3.connect(path, isolation_level=None)
    change(conn)
    conn.close()
    return path


def test_restore_refuses_newer_damaged_and_foreign_files(cli, isolated, tmp_path):
    cli.ok("add", "Ann")
    newer = _copy_with(cli, tmp_path, "newer.db", lambda c: c.execute("PRAGMA user_version = 99"))
    result = cli("restore", str(newer), "--yes")
    assert result.exit_code == 1 and "newer minicrm (schema 99" in result.stderr

    damaged = tmp_path / "damaged.db"
    cli.ok("backup", str(damaged))
    data = bytearray(damaged.read_bytes())
    data[4096 * 2 : 4096 * 4] = b"\xde\xad\xbe\xef" * 2048  # two pages of garbage
    damaged.write_bytes(bytes(data))
    result = cli("restore", str(damaged), "--yes")
    assert result.exit_code == 1 and result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1

    foreign = tmp_path / "foreign.db"
    sqlite3.connect(foreign).execute("CREATE TABLE t (x)")
    result = cli("restore", str(foreign), "--yes")
    assert result.exit_code == 1 and "not a minicrm database" in result.stderr

    missing = cli("restore", str(tmp_path / "nope.db"), "--yes")
    assert missing.exit_code == 1 and "no file" in missing.stderr
    assert names(cli) == ["Ann"]
    assert not list(tmp_path.glob("crm-replaced-*"))


def test_restoring_an_older_backup_migrates_it(cli, isolated, tmp_path, now, monkeypatch):
    from minicrm.store import open_store

    old = tmp_path / "old.db"
    everything = list(migrations.MIGRATIONS)
    monkeypatch.setattr(migrations, "MIGRATIONS", everything[:1])
    open_store(old, now).close()
    conn = sqlite3.connect(old)
    with conn:
        conn.execute("INSERT INTO contacts (uid, name, name_fold, created_at, updated_at)"
                     " VALUES ('u1', 'Old Timer', 'old timer', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')")
    conn.close()
    monkeypatch.setattr(migrations, "MIGRATIONS", everything)
    cli.ok("add", "Ann")
    cli.ok("restore", str(old), "--yes")
    assert names(cli) == ["Old Timer"]
    assert sqlite3.connect(isolated).execute("PRAGMA user_version").fetchone()[0] == len(everything)
    assert [row[2] for row in cli.ok("list", "--search", "timer").rows()] == ["Old Timer"]


def test_doctor_reports_and_fails_on_broken_links(cli, isolated):
    cli.ok("add", "Ann")
    cli.ok("log", "ann", "call")
    report = cli.ok("doctor", "--json").json()
    assert list(report[0]) == ["check", "ok", "detail"]
    checks = {r["check"]: r for r in report}
    assert checks["integrity"]["ok"] and checks["foreign_keys"]["ok"]
    assert checks["schema"]["detail"] == f"version {len(migrations.MIGRATIONS)} of {len(migrations.MIGRATIONS)}"
    assert checks["rows contacts"]["detail"] == "1" and checks["rows interactions"]["detail"] == "1"
    assert "size crm.db" in checks
    assert not any(name.startswith("rows contact_search") for name in checks)  # derived indexes are not data

    conn = sqlite3.connect(isolated)  # foreign keys are off by default in a plain connection
    with conn:
        conn.execute("UPDATE interactions SET contact_id = 42")
    conn.close()
    result = cli("doctor")
    assert result.exit_code == 1
    assert "unwell (foreign_keys)" in result.stderr
    assert "foreign_keys\tfalse\t1 rows point nowhere" in result.stdout


@pytest.mark.parametrize("fmt", ["table", "tsv"])
def test_doctor_prints_in_every_format(cli, fmt):
    cli.ok("add", "Ann")
    assert "integrity" in cli.ok("doctor", "--format", fmt).stdout
