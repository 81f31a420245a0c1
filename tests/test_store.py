"""Opening the database: location, permissions, migrations, and databases we must refuse."""

from __future__ import annotations

import os
import sqlite3
import stat

import pytest

from minicrm.store import migrations
from minicrm.errors import StoreError
from minicrm.store import default_path, open_store


def test_default_location_follows_xdg(cli, tmp_path, monkeypatch):
    monkeypatch.delenv("MINICRM_DB")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert default_path() == tmp_path / "data" / "minicrm" / "minicrm.db"
    cli.ok("add", "Ann")
    db = tmp_path / "data" / "minicrm" / "minicrm.db"
    assert stat.S_IMODE(os.stat(db).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(db.parent).st_mode) == 0o700


def test_db_option_beats_the_environment(cli, tmp_path):
    other = tmp_path / "other.db"
    cli.ok("--db", str(other), "add", "Ann")
    assert cli.ok("--db", str(other), "list").rows()[0][2] == "Ann"
    assert cli.ok("list").stdout == ""


def test_store_settings(store):
    conn = store.conn
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(migrations.MIGRATIONS)
    names = [row[0] for row in conn.execute("SELECT name FROM _migrations ORDER BY rowid")]
    assert names == [fn.__name__ for fn in migrations.MIGRATIONS]
    assert all(name.startswith(f"m{i:03d}_") for i, name in enumerate(names, start=1))


def test_a_newer_database_is_refused(cli, isolated, store):
    store.conn.execute("PRAGMA user_version = 99")
    store.close()
    result = cli("list")
    assert result.exit_code == 1
    assert "written by a newer minicrm (schema 99" in result.stderr and "Upgrade minicrm" in result.stderr


def test_a_file_from_another_build_with_the_same_count_is_refused(cli, isolated, store):
    last = migrations.MIGRATIONS[-1].__name__
    store.conn.execute("UPDATE _migrations SET name = 'm999_elsewhere' WHERE name = ?", (last,))
    store.close()
    before = isolated.read_bytes()
    for command in (["list"], ["due"], ["add", "Ann"], ["doctor"]):
        result = cli(*command)
        assert result.exit_code == 1, command
        assert result.stdout == ""
        assert len(result.stderr.splitlines()) == 1
        assert "another build of minicrm" in result.stderr
        assert f"its migration {len(migrations.MIGRATIONS)} is m999_elsewhere" in result.stderr
        assert last in result.stderr
    assert isolated.read_bytes() == before


def test_a_file_from_a_diverged_build_is_refused_not_migrated(cli, isolated, store):
    names = [fn.__name__ for fn in migrations.MIGRATIONS]
    conn = store.conn
    conn.execute("DELETE FROM _migrations WHERE name = ?", (names[-1],))
    conn.execute("UPDATE _migrations SET name = 'm00x_their_own' WHERE name = ?", (names[-2],))
    conn.execute(f"PRAGMA user_version = {len(names) - 1}")
    store.close()
    result = cli("list")
    assert result.exit_code == 1 and "another build of minicrm" in result.stderr and "m00x_their_own" in result.stderr
    conn = sqlite3.connect(isolated)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(names) - 1  # not migrated
    assert names[-1] not in [row[0] for row in conn.execute("SELECT name FROM _migrations")]


def test_a_newer_file_of_another_build_names_the_difference(cli, isolated, store):
    store.conn.execute("UPDATE _migrations SET name = 'm001_theirs' WHERE name = 'm001_initial'")
    store.conn.execute("PRAGMA user_version = 99")
    store.close()
    result = cli("list")
    assert result.exit_code == 1 and "another build" in result.stderr and "m001_theirs" in result.stderr


def test_doctor_checks_the_schema_objects(cli, isolated, store):
    cli.ok("add", "Ann")
    assert any(row[0] == "schema_objects" and row[1] == "true" for row in cli.ok("doctor").rows())
    store.conn.execute("DROP TRIGGER contacts_audit_insert")
    store.conn.execute("DROP INDEX contacts_org")
    store.conn.execute("ALTER TABLE contacts ADD COLUMN nickname TEXT")
    store.conn.execute("CREATE TABLE leftover (x)")
    store.close()
    result = cli("doctor", "--json")
    assert result.exit_code == 1
    check = next(c for c in result.json() if c["check"] == "schema_objects")
    assert not check["ok"]
    assert "missing trigger contacts_audit_insert" in check["detail"]
    assert "missing index contacts_org" in check["detail"]
    assert "table contacts has unexpected column nickname TEXT" in check["detail"]
    assert "unexpected table leftover" in check["detail"]
    assert "unwell (schema_objects)" in result.stderr


def test_an_older_database_is_migrated_with_its_data_kept(cli, isolated, store, now, monkeypatch):
    cli.ok("add", "Ann", "--email", "ann@example.com")
    store.close()

    def m999_add_nickname(db):
        db.execute("ALTER TABLE contacts ADD COLUMN nickname TEXT")
        db.execute("UPDATE contacts SET nickname = 'annie'")

    monkeypatch.setattr(migrations, "MIGRATIONS", [*migrations.MIGRATIONS, m999_add_nickname])
    cli.ok("list")
    conn = sqlite3.connect(isolated)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(migrations.MIGRATIONS)
    assert conn.execute("SELECT name, nickname FROM contacts").fetchall() == [("Ann", "annie")]
    assert conn.execute("SELECT count(*) FROM _migrations WHERE name = 'm999_add_nickname'").fetchone()[0] == 1


def test_a_failing_migration_changes_nothing(cli, isolated, store, monkeypatch):
    cli.ok("add", "Ann")
    store.close()
    before = len(migrations.MIGRATIONS)

    def m998_half_done(db):
        db.execute("CREATE TABLE half (x)")
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(migrations, "MIGRATIONS", [*migrations.MIGRATIONS, m998_half_done])
    result = cli("list")
    assert result.exit_code == 1 and "disk I/O error" in result.stderr
    conn = sqlite3.connect(isolated)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == before
    assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'half'").fetchone()[0] == 0
    assert conn.execute("SELECT name FROM contacts").fetchall() == [("Ann",)]


def test_other_files_are_refused(cli, tmp_path):
    foreign = tmp_path / "foreign.db"
    sqlite3.connect(foreign).execute("CREATE TABLE t (x)")
    result = cli("--db", str(foreign), "list")
    assert result.exit_code == 1 and "not a minicrm one" in result.stderr

    garbage = tmp_path / "notes.txt"
    garbage.write_text("this is not a database, just some notes\n" * 100)
    result = cli("--db", str(garbage), "list")
    assert result.exit_code == 1 and "not a usable minicrm database" in result.stderr
    assert garbage.read_text().startswith("this is not a database")

    result = cli("--db", str(tmp_path), "list")
    assert result.exit_code == 1 and "is a folder" in result.stderr


def test_special_files_as_the_database_are_named_and_left_alone(cli, tmp_path):
    """A FIFO would block or fail as a "disk I/O error", and a device would get a -journal beside it."""
    fifo = tmp_path / "pipe.db"
    os.mkfifo(fifo)
    link = tmp_path / "null.db"
    link.symlink_to(os.devnull)
    for path, kind in ((fifo, "a named pipe (FIFO)"), (os.devnull, "a character device"), (link, "a character device"),
                       (tmp_path, "a folder")):  # fmt: skip
        for command in (("list",), ("add", "Ann"), ("due",)):
            result = cli("--db", str(path), *command)
            assert result.exit_code == 1
            assert result.stderr == f"Error: {path} is {kind}, not a database file. Give --db the path of a file\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["null.db", "pipe.db"]  # no -journal, no -wal
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions")
def test_read_only_database_reads_but_refuses_writes(cli, isolated):
    cli.ok("add", "Ann")
    os.chmod(isolated, 0o400)
    assert cli.ok("list").rows()[0][2] == "Ann"
    result = cli("add", "Bob")
    assert result.exit_code == 1 and "read-only" in result.stderr


def test_read_only_database_as_root_too(cli, isolated):
    """Root ignores permissions, so force read-only through SQLite itself."""
    cli.ok("add", "Ann")
    conn = sqlite3.connect(f"{isolated.as_uri()}?mode=ro", uri=True)
    from minicrm.store import Store

    store = Store(conn, isolated, readonly=True)
    with pytest.raises(StoreError, match="read-only"):
        from datetime import datetime

        with store.write():
            store.contacts.add_stage_change(1, None, "purchase", datetime.now().astimezone(), "user")


def test_a_locked_database_gives_a_clear_error_and_no_damage(cli, isolated, monkeypatch):
    cli.ok("add", "Ann")
    monkeypatch.setattr("minicrm.store.session.BUSY_TIMEOUT_MS", 200)
    holder = sqlite3.connect(isolated, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        result = cli("add", "Bob")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.exit_code == 1
    assert "busy" in result.stderr and "Try again" in result.stderr
    assert [row[2] for row in cli.ok("list").rows()] == ["Ann"]


def test_a_write_that_fails_midway_leaves_nothing(store, now):
    with pytest.raises(RuntimeError):
        with store.write():
            store.contacts.add(name="Half", org=None, stage="awareness", birthday=None, note=None,
                                 fields={}, emails=["h@x.example"], phones=[], tags=["t"], at=now)  # fmt: skip
            raise RuntimeError("crash between two statements")
    assert store.contacts.count() == 0
    assert store.conn.execute("SELECT count(*) FROM contact_emails").fetchone()[0] == 0


def test_cannot_create_where_there_is_no_room(tmp_path, now):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError, match="cannot create the database"):
        open_store(blocker / "sub" / "crm.db", now)


def test_upgrading_a_version_1_file_indexes_existing_data(cli, isolated, now, monkeypatch):
    """A database written before full-text search existed is searchable after upgrade."""
    everything = list(migrations.MIGRATIONS)
    monkeypatch.setattr(migrations, "MIGRATIONS", everything[:1])
    open_store(isolated, now).close()
    conn = sqlite3.connect(isolated)
    with conn:  # what minicrm 0.1 with schema 1 wrote
        conn.execute("INSERT INTO contacts (uid, name, name_fold, org, created_at, updated_at)"
                     " VALUES ('u1', 'Ann Lee', 'ann lee', 'Quetzal Bakery', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')")
        conn.execute("INSERT INTO interactions (uid, contact_id, kind, occurred_at, text, created_at)"
                     " VALUES ('u2', 1, 'call', '2026-01-01T00:00:00Z', 'talked about sourdough', '2026-01-01T00:00:00Z')")
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    monkeypatch.setattr(migrations, "MIGRATIONS", everything)
    assert [row[2] for row in cli.ok("list", "--search", "quetzal").rows()] == ["Ann Lee"]
    found = conn.execute("SELECT rowid FROM interactions_fts WHERE interactions_fts MATCH 'sourdough'").fetchall()
    assert found == [(1,)]


def test_reading_a_copy_leaves_it_as_it_is_and_the_first_write_puts_wal_back(cli, isolated, tmp_path):
    """A backup opened to look at it is not rewritten: no switch to WAL, no -wal or -shm beside it."""
    cli.ok("add", "Ann")
    (tmp_path / "backups").mkdir()
    copy = tmp_path / "backups" / "copy.db"
    sqlite3.connect(isolated).execute(f"VACUUM INTO '{copy}'")
    before = copy.read_bytes()
    for command in (("list",), ("due",), ("show", "ann"), ("search", "ann"), ("history",), ("audit",),
                    ("export", "all", "--to", "json"), ("doctor",), ("report",)):  # fmt: skip
        cli.ok("--db", str(copy), *command)
        assert copy.read_bytes() == before, command
        assert sorted(p.name for p in copy.parent.iterdir()) == ["copy.db"], command
    assert cli.ok("--db", str(copy), "list").rows()[0][2] == "Ann"
    cli.ok("--db", str(copy), "add", "Bob")
    conn = sqlite3.connect(copy)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert [row[0] for row in conn.execute("SELECT name FROM contacts ORDER BY id")] == ["Ann", "Bob"]
    conn.close()


def test_reminder_rows_have_the_columns_store_reminder_unpacks(tmp_path):
    """rows.reminder reads a row by position, so the select's first 17 columns must stay
    in this order (a column added in the middle would shift every field after it)."""
    from datetime import datetime

    from minicrm.store.reminders import SELECT

    store = open_store(tmp_path / "crm.db", datetime(2026, 11, 18, 9, 30).astimezone())
    columns = [d[0] for d in store.conn.execute(SELECT + " LIMIT 0").description]
    assert columns == ["id", "uid", "contact_id", "contact_name", "email", "phone", "text", "due_on", "due_time",
                       "rule", "anchor_on", "scheduled_on", "snoozed", "status", "done_at", "created_at",
                       "updated_at"]  # fmt: skip


def _in_a_read_only_folder(folder, *command):
    """Run ``command`` with ``folder`` read-only: a read-only bind mount in a private user and mount
    namespace (as root, which permissions do not stop), else the folder's permissions."""
    import shutil
    import subprocess

    if os.geteuid() != 0:
        os.chmod(folder, 0o555)
        try:
            return subprocess.run(command, capture_output=True, text=True, timeout=120)
        finally:
            os.chmod(folder, 0o755)
    if not shutil.which("unshare"):
        pytest.skip("no unshare to make a read-only folder as root")
    script = 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" || exit 99; shift; exec "$@"'
    result = subprocess.run(["unshare", "-Urm", "sh", "-c", script, "sh", str(folder), *map(str, command)],
                            capture_output=True, text=True, timeout=120)  # fmt: skip
    if result.returncode == 99:
        pytest.skip("cannot mount a read-only folder here")
    return result


def test_reads_work_in_a_read_only_folder_and_writes_say_why_not(cli, tmp_path):
    import subprocess
    import sys

    folder = tmp_path / "ro"
    folder.mkdir()
    live, backup = folder / "crm.db", folder / "backup.db"
    minicrm = os.path.join(os.path.dirname(sys.executable), "minicrm")
    env_free = ["env", "-u", "MINICRM_DEBUG", "TTY_COMPATIBLE=0"]
    for command in (("add", "Ann"), ("remind", "ann", "Call", "--on", "today"), ("backup", backup), ("add", "Cy")):
        subprocess.run([*env_free, minicrm, "--db", live, *command], check=True, capture_output=True)
    files = sorted(p.name for p in folder.iterdir())
    assert files == ["backup.db", "crm.db"]  # the last connection gone, no -wal or -shm: the hard case
    for db in (live, backup):
        for command, out in ((("list",), "Ann"), (("due",), "Call"), (("show", "ann"), "Ann"), (("doctor",), "ok")):
            result = _in_a_read_only_folder(folder, *env_free, minicrm, "--db", db, *command)
            assert result.returncode == 0 and out in result.stdout, (db, command, result.stderr)
        refused = _in_a_read_only_folder(folder, *env_free, minicrm, "--db", db, "add", "Bob")
        assert refused.returncode == 1 and "read-only" in refused.stderr and "Traceback" not in refused.stderr
    assert sorted(p.name for p in folder.iterdir()) == files
