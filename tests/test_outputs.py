"""Files minicrm writes besides the database: never the database itself, never half written."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest


def fill(cli, tmp_path: Path, count: int = 2000) -> None:
    source = tmp_path / "many.ndjson"
    source.write_text("".join(json.dumps({"type": "contact", "name": f"Person {i}", "emails": [f"p{i}@example.com"],
                                          "note": "x" * 200}) + "\n" for i in range(count)))  # fmt: skip
    cli.ok("import", str(source))


def contacts_in(db: Path) -> int:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT count(*) FROM contacts").fetchone()[0]
    finally:
        conn.close()


@pytest.mark.parametrize("suffix", ["", "-wal", "-shm"])
def test_export_refuses_to_write_over_the_database(cli, isolated, suffix):
    cli.ok("add", "Ann", "--email", "ann@example.com")
    before = isolated.read_bytes()
    result = cli("export", "all", "--to", "json", "-o", str(isolated) + suffix)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert "is the database" in result.stderr and "Choose another file" in result.stderr
    assert isolated.read_bytes() == before or contacts_in(isolated) == 1
    assert cli.ok("list").rows()[0][2] == "Ann"


def test_export_refuses_the_database_by_another_name(cli, isolated, tmp_path, monkeypatch):
    cli.ok("add", "Ann")
    link = tmp_path / "sub" / "link.json"
    link.parent.mkdir()
    link.symlink_to(isolated)
    hard = tmp_path / "hard.json"
    os.link(isolated, hard)
    monkeypatch.chdir(tmp_path)
    for target in (str(link), str(hard), "crm.db", "./sub/../crm.db"):
        result = cli("export", "--to", "json", "-o", target)
        assert result.exit_code == 1, target
        assert "is the database" in result.stderr
    assert contacts_in(isolated) == 1


def test_import_refuses_a_reject_file_that_is_the_database_before_importing(cli, isolated, tmp_path):
    cli.ok("add", "Ann")
    source = tmp_path / "in.ndjson"
    source.write_text('{"type": "contact", "name": "Bob"}\n{"type": "contact", "name": ""}\n')
    result = cli("import", str(source), "--skip-invalid", "--rejects", str(isolated))
    assert result.exit_code == 1
    assert "reject file" in result.stderr and "is the database" in result.stderr
    assert [row[2] for row in cli.ok("list").rows()] == ["Ann"]  # nothing imported either


def test_backup_refuses_the_database_companion_files(cli, isolated):
    cli.ok("add", "Ann")
    result = cli("backup", str(isolated) + "-wal")
    assert result.exit_code == 1 and "is the database" in result.stderr
    assert contacts_in(isolated) == 1
    itself = cli("backup", str(isolated))
    assert itself.exit_code == 1 and "is the database:" in itself.stderr
    assert contacts_in(isolated) == 1


def test_a_failing_reject_file_write_leaves_the_old_file(cli, tmp_path, monkeypatch):
    source = tmp_path / "in.ndjson"
    source.write_text('{"type": "contact", "name": "Bob"}\n{"type": "contact", "name": ""}\n')
    rejects = tmp_path / "rejects.ndjson"
    rejects.write_text("precious\n")

    def broken(out, *args):
        out.write("half a line")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("minicrm.interchange.rejects._write", broken)
    monkeypatch.delenv("MINICRM_DEBUG")
    result = cli("import", str(source), "--skip-invalid", "--rejects", str(rejects))
    assert result.exit_code == 1
    assert rejects.read_text() == "precious\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary left


KILL_DURING = """
import os, signal, sqlite3, sys
{patch}
from minicrm.cli import main
sys.argv = ["minicrm", *sys.argv[1:]]
main()
"""

KILL_EXPORT = """
import minicrm.interchange.export as export
original = export.export_dict
seen = [0]
def dying(*args):
    seen[0] += 1
    if seen[0] == 500:
        os.kill(os.getpid(), signal.SIGKILL)
    return original(*args)
export.export_dict = dying
"""

KILL_BACKUP = """
class Dying(sqlite3.Connection):
    def backup(self, target, **kwargs):
        def progress(status, remaining, total):
            if total - remaining > 5:
                os.kill(os.getpid(), signal.SIGKILL)
        return super().backup(target, pages=1, progress=progress)
real_connect = sqlite3.connect
sqlite3.connect = lambda *args, **kwargs: real_connect(*args, **{**kwargs, "factory": Dying})
"""


def run_killed(patch: str, *args: str, db: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "MINICRM_DB": str(db)}
    env.pop("MINICRM_DEBUG", None)
    return subprocess.run([sys.executable, "-c", KILL_DURING.format(patch=patch), *args], env=env,
                          capture_output=True, text=True, timeout=120)  # fmt: skip


def test_an_export_killed_mid_write_leaves_the_old_file_whole(cli, isolated, tmp_path):
    fill(cli, tmp_path)
    target = tmp_path / "out" / "export.ndjson"
    target.parent.mkdir()
    target.write_text("the previous export\n")
    result = run_killed(KILL_EXPORT, "export", "all", "--to", "ndjson", "-o", str(target), db=isolated)
    assert result.returncode == -signal.SIGKILL
    assert target.read_text() == "the previous export\n"
    cli.ok("export", "all", "--to", "ndjson", "-o", str(target))
    assert sum('"type": "contact"' in line for line in target.read_text().splitlines()) == 2000


def test_a_backup_killed_mid_copy_leaves_nothing_at_the_target(cli, isolated, tmp_path):
    fill(cli, tmp_path)
    target = tmp_path / "backups" / "crm-backup.db"
    target.parent.mkdir()
    result = run_killed(KILL_BACKUP, "backup", str(target), db=isolated)
    assert result.returncode == -signal.SIGKILL
    assert not target.exists()
    assert not Path(str(target) + "-journal").exists()
    assert cli.ok("backup", str(target)).stdout.strip() == str(target)
    assert contacts_in(target) == 2000
    assert oct(target.stat().st_mode & 0o777) == "0o600"
    assert Path(str(target) + "-journal").exists() is False


def test_an_export_replaces_an_existing_file_owner_only(cli, tmp_path):
    cli.ok("add", "Ann")
    target = tmp_path / "out.json"
    target.write_text("old")
    target.chmod(0o644)
    cli.ok("export", "-o", str(target))
    assert json.loads(target.read_text())[0]["name"] == "Ann"
    assert oct(target.stat().st_mode & 0o777) == "0o600"


def test_export_to_a_fifo_writes_through_and_keeps_the_fifo(cli, tmp_path):
    import stat
    import threading

    cli.ok("add", "Ann")
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()), daemon=True)
    reader.start()
    result = cli("export", "--to", "json", "-o", str(fifo))
    if not received:  # the old way replaced the FIFO and never opened it: release the reader
        with open(fifo, "w") if stat.S_ISFIFO(os.stat(fifo).st_mode) else open(os.devnull, "w"):
            pass
    reader.join(10)
    assert result.exit_code == 0
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert json.loads(received[0])[0]["name"] == "Ann"
