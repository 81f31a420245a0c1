"""Choosing the backend by URL: a postgresql:// database is never mistaken for a file name."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

NO_DRIVER = (
    "import sys\n"
    "sys.modules['psycopg'] = None  # the driver is not installed: importing it raises ImportError\n"
    "from minicrm.cli import main\n"
    "sys.argv = ['minicrm', *sys.argv[1:]]\n"
    "main()\n"
)


def run_without_driver(tmp_path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    environment = {"PATH": os.environ["PATH"], "MINICRM_NOW": "2026-11-18T09:30", "HOME": str(tmp_path)}
    environment.update(env or {})
    return subprocess.run([sys.executable, "-c", NO_DRIVER, *args], cwd=tmp_path, env=environment,
                          capture_output=True, text=True, timeout=60)  # fmt: skip


@pytest.mark.parametrize("url", ["postgresql://ann@db.example/crm", "postgres://ann:secret@localhost/crm",
                                 "POSTGRESQL://localhost/crm"])  # fmt: skip
def test_a_server_url_without_the_driver_says_how_to_install_it(tmp_path, url):
    result = run_without_driver(tmp_path, "--db", url, "due")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "psycopg" in lines[0] and "pip install 'minicrm[postgres]'" in lines[0]
    assert "Traceback" not in result.stderr and "secret" not in result.stderr
    assert list(tmp_path.iterdir()) == [], "no local file may be created for a server URL"


def test_the_environment_variable_is_read_the_same_way(tmp_path):
    result = run_without_driver(tmp_path, "list", env={"MINICRM_DB": "postgresql:///crm"})
    assert result.returncode == 1 and "minicrm[postgres]" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_other_names_stay_sqlite_files(tmp_path):
    """A path that only looks like a scheme (no //) is still a file name."""
    result = run_without_driver(tmp_path, "--db", "postgresql.db", "list")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "postgresql.db").is_file()


def test_the_password_is_never_shown():
    from minicrm.store.pg import shown

    assert shown("postgresql://ann:s3cr3t@db:5432/crm?sslmode=require") == "postgresql://ann:***@db:5432/crm?sslmode=require"
    assert shown("postgresql://ann@db/crm") == "postgresql://ann@db/crm"
