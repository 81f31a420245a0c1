"""Several writers at once, a full disk, and a process killed mid-transaction.

These start real processes: the venv's ``minicrm`` console script, and small
driver scripts that use the services the way the CLI does (one ``store.write``
transaction per row), because hundreds of separate CLI starts would be slow.
"""

from __future__ import annotations

import os
import resource
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

MINICRM = Path(sys.executable).parent / "minicrm"

# One process: open the store, then write ROWS rows, each its own transaction.
WRITER = textwrap.dedent(
    """
    import sys
    from minicrm import dates
    from minicrm.services import activity, contacts
    from minicrm.store import open_store

    db, who, rows = sys.argv[1], sys.argv[2], int(sys.argv[3])
    now = dates.now()
    store = open_store(db, now)
    contact = contacts.add(store, now, f"Writer {who}")
    for n in range(rows):
        activity.log(store, now, contact, "note", f"{who} row {n}")
    print("ok")
    """
)

# One big transaction that never ends on its own: says "ready" when half-way.
BULK = textwrap.dedent(
    """
    import sys, time
    from minicrm import dates
    from minicrm.services import activity, contacts
    from minicrm.store import open_store

    db = sys.argv[1]
    now = dates.now()
    store = open_store(db, now)
    with store.write():
        for n in range(100_000):
            contacts.add(store, now, f"Bulk {n}", emails=[f"bulk{n}@x.example"], note="x" * 200)
            if n == 3000:
                print("ready", flush=True)
    print("finished", flush=True)
    """
)


def environment(db: Path) -> dict[str, str]:
    return {**os.environ, "MINICRM_DB": str(db), "TTY_COMPATIBLE": "0"}


def integrity(db: Path) -> str:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def test_parallel_writers_lose_nothing(tmp_path):
    """Four driver processes and three CLI loops write at once, on a fresh file: every row lands."""
    db = tmp_path / "crm.db"
    env = environment(db)
    rows = 200
    drivers = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(db), f"w{i}", str(rows)], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for i in range(4)
    ]  # fmt: skip
    loop = f'"{MINICRM}" add "Shell $1" >/dev/null && for n in $(seq 1 8); do "{MINICRM}" log "Shell $1" call "$1 call $n" >/dev/null || exit 1; done'  # noqa: E501
    shells = [
        subprocess.Popen(["sh", "-c", loop, "sh", f"s{i}"], env=env, stderr=subprocess.PIPE, text=True)
        for i in range(3)
    ]
    for process in drivers + shells:
        _, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        assert err == "" or "Error" not in err

    conn = sqlite3.connect(db)
    texts = {row[0] for row in conn.execute("SELECT text FROM interactions")}
    expected = {f"w{i} row {n}" for i in range(4) for n in range(rows)}
    expected |= {f"s{i} call {n}" for i in range(3) for n in range(1, 9)}
    assert texts == expected
    assert conn.execute("SELECT count(*) FROM interactions").fetchone()[0] == len(expected)
    assert conn.execute("SELECT count(*) FROM contacts").fetchone()[0] == 7
    conn.close()
    assert integrity(db) == "ok"


def test_a_process_killed_mid_transaction_leaves_the_database_as_it_was(cli, isolated):
    cli.ok("add", "Ann", "--email", "ann@example.com")
    cli.ok("log", "ann", "order", "cake", "--amount", "12")
    before = sqlite3.connect(isolated)
    snapshot = {t: before.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall()
                for t in ("contacts", "contact_emails", "interactions", "stage_changes")}  # fmt: skip
    before.close()

    bulk = subprocess.Popen([sys.executable, "-c", BULK, str(isolated)], env=environment(isolated),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert bulk.stdout.readline().strip() == "ready", bulk.stderr.read()
    finally:
        bulk.send_signal(signal.SIGKILL)
        bulk.wait(timeout=30)
    assert bulk.returncode == -signal.SIGKILL

    assert integrity(isolated) == "ok"
    after = sqlite3.connect(isolated)
    for table, rows in snapshot.items():
        assert after.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall() == rows, table
    assert after.execute("SELECT count(*) FROM contact_search").fetchone()[0] == 1
    after.close()
    assert [row[2] for row in cli.ok("list").rows()] == ["Ann"]
    cli.ok("add", "Bob")  # and it is writable again: no lock left behind


def _limit_file_size(limit: int):
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def test_a_full_disk_gives_one_line_and_no_damage(cli, isolated):
    """RLIMIT_FSIZE makes every file the process writes stop growing: a full disk, for that process."""
    cli.ok("add", "Ann")
    limit = max(os.path.getsize(isolated), 64 * 1024)
    text = "".join(chr(0x4E00 + (n * 7919) % 20000) for n in range(90_000))  # too big to fit
    result = subprocess.run([str(MINICRM), "log", "ann", "note", "-"], input=text, env=environment(isolated),
                            preexec_fn=_limit_file_size(limit), capture_output=True, text=True)  # fmt: skip
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: cannot write"), result.stderr
    assert "Free some disk space" in lines[0]
    assert integrity(isolated) == "ok"
    assert [row[2] for row in cli.ok("list").rows()] == ["Ann"]
    assert cli.ok("history").stdout == ""


def test_a_full_database_gives_one_line_and_no_damage(store, now):
    """max_page_count: the database may not grow, as when the disk is full."""
    import pytest

    from minicrm.services import contacts
    from minicrm.errors import StoreError

    contacts.add(store, now, "Ann")
    pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
    store.conn.execute(f"PRAGMA max_page_count = {pages}")
    with pytest.raises(StoreError) as raised:
        contacts.add(store, now, "Bob", note="word " * 20_000)
    assert "\n" not in str(raised.value) and "full" in str(raised.value)
    assert [c.name for c in contacts.find(store, now)] == ["Ann"]
    assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_write_waits_for_another_writer_instead_of_failing(cli, isolated):
    """A writer holding the lock for a moment delays the next command; it does not fail it."""
    cli.ok("add", "Ann")
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sqlite3, sys, time\n"
         "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
         "c.execute('BEGIN IMMEDIATE'); c.execute(\"UPDATE contacts SET note = 'held'\")\n"
         "print('held', flush=True); time.sleep(1.0); c.execute('COMMIT')", str(isolated)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert holder.stdout.readline().strip() == "held"
    result = subprocess.run([str(MINICRM), "log", "ann", "call", "waited"], env=environment(isolated),
                            capture_output=True, text=True)  # fmt: skip
    holder.wait(timeout=30)
    assert result.returncode == 0, result.stderr
    assert [row[6] for row in cli.ok("history").rows()] == ["waited"]


def test_an_import_killed_half_way_imports_nothing(cli, isolated, tmp_path):
    """Pulling the plug mid-import: the file is exactly as before, and usable."""
    import time

    cli.ok("add", "Ann", "--email", "ann@example.com")
    big = tmp_path / "big.csv"
    with big.open("w") as out:
        out.write("Name,E-mail Address,Notes\n")
        for n in range(100_000):
            out.write(f"Person {n},person{n}@bulk.example,{'note ' * 20}\n")
    before = sqlite3.connect(isolated).execute("SELECT * FROM contacts").fetchall()

    wal = Path(str(isolated) + "-wal")
    importer = subprocess.Popen([str(MINICRM), "import", str(big)], env=environment(isolated),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and importer.poll() is None:
            if wal.exists() and wal.stat().st_size > 2_000_000:  # well into writing
                break
            time.sleep(0.02)
        assert importer.poll() is None, "the import finished before it could be killed"
    finally:
        importer.send_signal(signal.SIGKILL)
        importer.wait(timeout=30)

    assert integrity(isolated) == "ok"
    assert sqlite3.connect(isolated).execute("SELECT * FROM contacts").fetchall() == before
    assert [row[2] for row in cli.ok("list").rows()] == ["Ann"]
    cli.ok("add", "Bob")


# Adds a contact and logs for it, one transaction each, until killed.
ADDER = textwrap.dedent(
    """
    import sys
    from minicrm import dates
    from minicrm.services import activity, contacts
    from minicrm.store import open_store

    now = dates.now()
    store = open_store(sys.argv[1], now)
    print("go", flush=True)
    n = 0
    while True:
        n += 1
        with store.write():
            contact = contacts.add(store, now, f"Late {n}")
            activity.log(store, now, contact, "note", f"late {n}")
    """
)


def test_export_all_is_one_snapshot_that_imports_back(cli, isolated, tmp_path):
    source = tmp_path / "many.ndjson"
    lines = []
    for i in range(1500):
        lines.append(f'{{"type": "contact", "uid": "c{i}", "name": "Person {i}"}}\n')
        lines.append(f'{{"type": "interaction", "contact_uid": "c{i}", "kind": "call", "at": "2026-11-01", '
                     f'"text": "{"x" * 300}"}}\n')  # fmt: skip
    source.write_text("".join(lines))
    cli.ok("import", str(source))
    adder = subprocess.Popen([sys.executable, "-c", ADDER, str(isolated)], env=environment(isolated),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert adder.stdout.readline().strip() == "go"
        exports = []
        for n in range(3):
            out = tmp_path / f"export{n}.ndjson"
            result = subprocess.run([str(MINICRM), "export", "all", "--to", "ndjson", "-o", str(out)],
                                    env=environment(isolated), capture_output=True, text=True, timeout=120)  # fmt: skip
            assert result.returncode == 0, result.stderr
            exports.append(out)
    finally:
        adder.kill()
        adder.wait()
    for out in exports:
        records = [__import__("json").loads(line) for line in out.read_text().splitlines()]
        contacts = {r["uid"] for r in records if r["type"] == "contact"}
        orphans = [r for r in records if r.get("contact_uid") is not None and r["contact_uid"] not in contacts]
        assert orphans == [], f"{len(orphans)} records whose contact is not in {out.name}"
        last_contact = max(i for i, r in enumerate(records) if r["type"] == "contact")
        assert all(i > last_contact for i, r in enumerate(records) if "contact_uid" in r)  # dependency order
        copy = tmp_path / f"{out.stem}.db"
        back = subprocess.run([str(MINICRM), "--db", str(copy), "import", str(out)], env=environment(copy),
                              capture_output=True, text=True, timeout=120)  # fmt: skip
        assert back.returncode == 0, back.stderr


# One process: add N tags to one contact, one edit (one transaction) each, from a contact read once.
TAGGER = textwrap.dedent(
    """
    import sys
    from minicrm import dates
    from minicrm.services import contacts
    from minicrm.store import open_store

    db, who, rows = sys.argv[1], sys.argv[2], int(sys.argv[3])
    now = dates.now()
    store = open_store(db, now)
    ann = contacts.resolve(store, "Ann")
    print("ready", flush=True)
    sys.stdin.readline()
    for n in range(rows):
        contacts.edit(store, now, ann, tags=[f"{who}{n}"])
    print("ok")
    """
)


def test_two_processes_editing_tags_at_once_lose_none(cli, isolated):
    """Each edit reads the contact inside its write transaction, so no edit overwrites another's tags."""
    cli.ok("add", "Ann")
    env = environment(isolated)
    taggers = [subprocess.Popen([sys.executable, "-c", TAGGER, str(isolated), who, "50"], env=env, text=True,
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
               for who in ("a", "b")]  # fmt: skip
    for process in taggers:
        assert process.stdout.readline().strip() == "ready"
    for process in taggers:  # both start at the same moment
        process.stdin.write("go\n")
        process.stdin.flush()
    for process in taggers:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0 and out.strip() == "ok", err
    tags = set(cli.ok("show", "ann", "--json").json()["tags"])
    assert tags == {f"{who}{n}" for who in "ab" for n in range(50)}


def test_two_processes_completing_one_reminder_complete_it_once(cli, isolated):
    """Both `minicrm done` processes are started while this test holds the write lock, so both have
    opened the database and wait at once; when it is released, one completes the reminder and the
    other is told it is already done. Reading the status before the lock would complete it twice."""
    cli.ok("add", "Ann")
    env = environment(isolated)
    env.pop("MINICRM_DEBUG", None)
    for round_ in range(3):
        reminder = cli.id("remind", "ann", f"Call back {round_}", "--on", "tomorrow")
        holder = sqlite3.connect(isolated, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            racers = [subprocess.Popen([MINICRM, "done", str(reminder)], env=env, text=True,
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(3)]  # fmt: skip
            time.sleep(3)  # they start, open the file and queue for the lock (busy timeout: 10 s)
        finally:
            holder.execute("COMMIT")
            holder.close()
        results = [(p.wait(timeout=60), p.stdout.read(), p.stderr.read()) for p in racers]
        won = [r for r in results if r[0] == 0]
        lost = [r for r in results if r[0] != 0]
        assert len(won) == 1 and won[0][1].startswith(f"{reminder}\t"), results
        assert [r[:3] for r in lost] == [(1, "", f"Error: reminder {reminder} is already done. See: minicrm due\n")] * 2
        conn = sqlite3.connect(isolated)
        done = conn.execute("SELECT count(*) FROM reminder_completions WHERE reminder_id = ?", (reminder,)).fetchone()
        conn.close()
        assert done == (1,)
