"""The docs stay true to the code: help on every command, a current CLI reference."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import typer

from minicrm.cli import app

ROOT = Path(__file__).resolve().parent.parent


def commands():
    """Every command, sub-commands included ("deal add"), by name."""
    found = {}

    def walk(group, prefix):
        for name in group.list_commands(None):
            command = group.get_command(None, name)
            if hasattr(command, "list_commands"):
                walk(command, f"{prefix}{name} ")
            else:
                found[f"{prefix}{name}"] = command

    walk(typer.main.get_command(app), "")
    return found


def test_the_brief_commands_all_exist():
    brief = {"add", "list", "show", "edit", "rm", "log", "history", "remind", "due", "done", "snooze", "stage"}
    assert brief <= set(commands())


def test_every_command_has_a_summary_and_an_example():
    for name, command in commands().items():
        help_text = command.help or ""
        summary = help_text.strip().splitlines()[0]
        assert summary and summary.endswith((".", ")")), name
        assert "Example:" in help_text and f"minicrm {name}" in help_text, name
        assert "\\b" not in help_text, f"{name}: a literal \\b (click's no-rewrap marker is the character \\x08)"


def test_cli_reference_is_current():
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import cli_docs
    finally:
        sys.path.pop(0)
    assert (ROOT / "docs" / "cli.md").read_text() == cli_docs.render(), "run: python tools/cli_docs.py"


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    blocks = re.findall(r"```sh\n(.*?)```", readme, re.S)
    test_command = next(block.strip() for block in blocks if "pytest" in block)
    assert test_command in ci.splitlines()


def test_readme_links_resolve():
    readme = (ROOT / "README.md").read_text()
    for link in re.findall(r"\]\(([^)#:]+)\)", readme):
        assert (ROOT / link).exists(), link


def test_dates_doc_covers_every_phrase_of_the_brief():
    doc = (ROOT / "docs" / "dates.md").read_text()
    for phrase in ["today", "tomorrow", "yesterday", "in 3 days", "3d", "2w", "+1m", "next friday", "fri",
                   "tomorrow 9am", "2026-12-01", "1 Dec 2026 14:30", "Dec 1", "daily", "weekly", "monthly",
                   "yearly", "every 2 weeks", "every 3 months"]:  # fmt: skip
        assert f"`{phrase}`" in doc, phrase
