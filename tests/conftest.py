"""Shared fixtures: every test gets its own database file and a frozen clock.

The clock is pinned through MINICRM_NOW to Wednesday 2026-11-18 09:30 local
time; the CLI reads it through ``minicrm.dates.now``, the one clock read.
"""

from __future__ import annotations

import json
import os
import re
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import settings
from typer.testing import CliRunner

from minicrm.cli import app

NOW = "2026-11-18T09:30:00"  # a Wednesday

# No wall-clock deadline for hypothesis examples: on a loaded CI machine a slow example is noise,
# not a defect (speed is measured with bench/run.py, never by a timed test).
settings.register_profile("minicrm", deadline=None)
settings.load_profile("minicrm")


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    db = tmp_path / "crm.db"
    monkeypatch.setenv("MINICRM_DB", str(db))
    monkeypatch.setenv("MINICRM_NOW", NOW)
    monkeypatch.setenv("MINICRM_DEBUG", "1")  # a bug raises instead of hiding behind "internal error"
    monkeypatch.setenv("TZ", "Europe/Berlin")
    monkeypatch.delenv("TTY_COMPATIBLE", raising=False)
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    for name in ("LC_ALL", "LC_NUMERIC", "LC_TIME", "LC_MONETARY", "LANG", "MINICRM_REGION"):
        monkeypatch.delenv(name, raising=False)  # settings default from the locale: tests choose theirs
    time.tzset()
    yield db
    monkeypatch.undo()
    time.tzset()


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str

    def json(self):
        return json.loads(self.stdout)

    def rows(self) -> list[list[str]]:
        """TSV output as rows of cells."""
        return [line.split("\t") for line in self.stdout.splitlines()]

    def screen(self) -> list[str]:
        """A table's lines as a terminal shows them: colour and style codes removed."""
        return [re.sub(r"\x1b\[[0-9;]*m", "", line) for line in self.stdout.splitlines()]


class Cli:
    """Runs ``minicrm`` in-process, as a pipe (default) or as a terminal."""

    def __init__(self) -> None:
        self.runner = CliRunner()

    def __call__(self, *args: str, input: str | None = None, tty: bool = False,
                 env: dict[str, str] | None = None) -> Result:  # fmt: skip
        environment = {"TTY_COMPATIBLE": "1" if tty else "0", "COLUMNS": "120", "LINES": "40"}
        environment.update(env or {})
        result = self.runner.invoke(app, [str(a) for a in args], input=input, env=environment)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return Result(result.exit_code, result.stdout, result.stderr)

    def ok(self, *args: str, **kwargs) -> Result:
        """Run and insist on success with nothing on stderr but notes."""
        result = self(*args, **kwargs)
        assert result.exit_code == 0, f"exit {result.exit_code}: {result.stderr}"
        return result

    def id(self, *args: str, **kwargs) -> int:
        """Run a creating command and return the id it printed first."""
        return int(self.ok(*args, **kwargs).stdout.split("\t", 1)[0])


@pytest.fixture
def cli() -> Cli:
    return Cli()


@pytest.fixture
def now() -> datetime:
    return datetime.fromisoformat(NOW).astimezone()


@pytest.fixture
def store(isolated: Path, now: datetime):
    from minicrm.store import open_store

    s = open_store(isolated, now)
    yield s
    s.close()


def pytest_configure(config: pytest.Config) -> None:
    os.environ.setdefault("COLUMNS", "120")
