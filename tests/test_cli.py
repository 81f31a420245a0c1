"""The command line as a whole: help, version, the error boundary, hostile input."""

from __future__ import annotations

import json
import subprocess
import sys

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import minicrm.cli
from minicrm import __version__


def test_bare_minicrm_shows_help_and_succeeds(cli):
    result = cli()
    assert result.exit_code == 0
    assert "Usage: minicrm" in result.stdout and "due" in result.stdout


def test_version(cli):
    assert cli.ok("--version").stdout.strip() == f"minicrm {__version__}"


def test_the_command_registry_matches_the_commands_declared():
    """COMMANDS lists every command declared in a command module, under the module that
    declares it, with the summary the command's own help starts with."""
    import importlib
    import pkgutil

    declared = {}
    for module in pkgutil.iter_modules(minicrm.cli.__path__):
        app = getattr(importlib.import_module(f"minicrm.cli.{module.name}"), "app", None)
        if app is not None and app is not minicrm.cli.app:
            for info in [*app.registered_commands, *app.registered_groups]:
                declared[info.name] = module.name
    assert declared == {name: module for name, (module, _) in minicrm.cli.COMMANDS.items()}
    for name, (_, summary) in minicrm.cli.COMMANDS.items():
        assert minicrm.cli.build_command(name).get_short_help_str(limit=200) == summary, name


def test_root_help_lists_every_command_with_its_summary(cli):
    listed = cli.ok("--help").stdout.split("Commands:\n", 1)[1]
    width = max(len(name) for name in minicrm.cli.COMMANDS)
    for name, (_, summary) in minicrm.cli.COMMANDS.items():
        assert f"  {name.ljust(width)}  {summary}" in listed


def test_python_dash_m_works(tmp_path):
    out = subprocess.run([sys.executable, "-m", "minicrm", "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == f"minicrm {__version__}"


def test_usage_errors_exit_2_with_one_line(cli):
    for args in (["lst"], ["list", "--bogus"], ["list", "--limit", "many"], ["done"], ["done", "abc"]):
        result = cli(*args)
        assert result.exit_code == 2, args
        assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1, result.stderr
        assert "--help" in result.stderr
    assert "Did you mean 'list'?" in cli("lst").stderr


def test_a_bug_is_reported_in_one_line_without_a_traceback(cli, monkeypatch):
    from minicrm.services import agenda

    def broken(*args, **kwargs):
        raise ValueError("boom")

    monkeypatch.setattr(agenda, "due_items", broken)
    monkeypatch.setenv("MINICRM_DEBUG", "0")
    result = cli("due")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: internal error (ValueError: boom)")
    assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1


def test_ctrl_c_exits_130(cli, monkeypatch):
    from minicrm.services import agenda

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(agenda, "due_items", interrupted)
    assert cli("due").exit_code == 130


def test_ctrl_c_in_a_command_says_so_in_one_line(cli, monkeypatch):
    from minicrm.services import agenda

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(agenda, "due_items", interrupted)
    result = cli("due")
    assert (result.exit_code, result.stdout, result.stderr) == (130, "", "Interrupted.\n")


def test_ctrl_c_while_modules_import_exits_130_with_one_line(tmp_path):
    """A real SIGINT, delivered while minicrm imports its modules: a stand-in ``typer`` module signals
    the process itself, as a Ctrl-C in the first 100 ms would. Python's traceback used to follow."""
    import os
    import tomllib
    from pathlib import Path

    shim = tmp_path / "shim"
    shim.mkdir()
    (shim / "typer.py").write_text("import os, signal, time\nos.kill(os.getpid(), signal.SIGINT)\ntime.sleep(10)\n")
    env = {**os.environ, "PYTHONPATH": str(shim), "MINICRM_DB": str(tmp_path / "crm.db")}
    commands = [[sys.executable, "-m", "minicrm", "due"]]
    script = Path(sys.executable).parent / "minicrm"
    if "minicrm.entry" in script.read_text():  # a venv installed before the entry module existed has the old one
        commands.append([str(script), "due"])
    for command in commands:
        result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
        assert (result.returncode, result.stdout, result.stderr) == (130, "", "Interrupted.\n"), command
    pyproject = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())
    assert pyproject["project"]["scripts"]["minicrm"] == "minicrm.entry:main"


def test_a_terminal_rm_asks_first(cli, monkeypatch):
    cli.ok("add", "Ann")
    monkeypatch.setattr("minicrm.cli.common.stdin_is_terminal", lambda: True)
    kept = cli("rm", "ann", input="n\n")
    assert kept.exit_code == 1 and "Nothing deleted" in kept.stderr
    assert cli.ok("list").rows()[0][2] == "Ann"
    gone = cli("rm", "ann", input="y\n")
    assert gone.exit_code == 0 and cli.ok("list").stdout == ""


names = st.text(st.characters(codec="utf-8"), min_size=0, max_size=60)


@given(name=names, note=st.one_of(st.none(), names))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_name_is_stored_exactly_or_refused_cleanly(cli, name, note):
    # Options first and "--" before the name: a name may start with "-", as on any command line.
    args = ["add", "--json"] + ([f"--note={note}"] if note is not None else []) + ["--", name]
    result = cli(*args)
    if result.exit_code == 0:
        created = json.loads(result.stdout)
        assert created["name"] == name.strip()
        shown = cli.ok("show", str(created["id"]), "--json").json()
        assert shown["name"] == name.strip()
        cli.ok("rm", str(created["id"]), "--yes")
    else:
        assert result.exit_code == 1, result.stderr
        assert result.stdout == ""
        assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1
        assert "\x1b" not in result.stderr


@given(when=st.text(max_size=30))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_date_text_is_accepted_or_refused_as_usage(cli, when):
    cli("add", "Ann")
    result = cli("remind", "1", "x", "--on", when, "--json")
    if result.exit_code == 0:
        cli.ok("done", str(result.json()["id"]))
    else:
        assert result.exit_code == 2, result.stderr
        assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1


def test_demo_fills_every_view_and_refuses_a_second_time(cli, tmp_path):
    db = str(tmp_path / "demo.db")
    filled = cli("demo", "--db", db)
    assert filled.exit_code == 0 and "Added 8 contacts" in filled.stderr
    assert filled.stderr.rstrip().endswith(f"Try: minicrm --db {db} due")  # the command that shows it
    due = cli.ok("--db", db, "due", "--json").json()
    assert {item["state"] for item in due} == {"overdue", "today"}
    assert len(cli.ok("--db", db, "list").rows()) == 8
    assert cli.ok("--db", db, "list", "--stale", "30").rows()
    assert cli.ok("--db", db, "history", "--kind", "order").rows()
    again = cli("demo", "--db", db)
    assert again.exit_code == 1 and "already holds contacts" in again.stderr
    assert len(cli.ok("--db", db, "list").rows()) == 8
