"""Import fences: cli -> services -> store, and heavy modules only where they belong."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "minicrm"


def imports(path: Path) -> set[str]:
    """Top-level names of every module a file imports (anywhere in it)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def modules_importing(name: str) -> set[str]:
    return {
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if any(i == name or i.startswith(name + ".") for i in imports(path))
    }


def test_only_the_cli_imports_typer():
    assert {m for m in modules_importing("typer") if not m.startswith("cli/")} == set()


def test_only_render_imports_rich():
    assert {m for m in modules_importing("rich") if not m.startswith("render/")} == set()


def test_only_the_mcp_command_imports_mcp():
    """The MCP SDK costs seconds and 65 MB to import: only `minicrm mcp` may pay for it."""
    assert modules_importing("mcp") == {"cli/mcp.py"}


def test_only_migrations_import_sqlite_utils():
    assert modules_importing("sqlite_utils") == {"store/migrations.py"}


def test_sql_stays_in_the_store():
    outside = {m for m in modules_importing("sqlite3") if not m.startswith("store/")}
    assert outside <= {"cli/__init__.py"}  # the CLI's error boundary only names sqlite3.Error


def test_the_core_does_not_import_the_cli():
    """Everything but the CLI (services, interchange, store, models...) is usable without it."""
    core = [path for path in PACKAGE.rglob("*.py") if not path.relative_to(PACKAGE).as_posix().startswith("cli/")
            and path.relative_to(PACKAGE).parts[0] != "render" and path.name not in ("__main__.py", "entry.py")]  # fmt: skip
    assert len(core) > 20
    for path in core:
        assert not any(i.startswith(("minicrm.cli", "minicrm.render")) for i in imports(path)), path


def test_interchange_is_core():
    """Readers, importer, export and vCard/iCalendar take streams and return records:
    no command-line, terminal or SQL code."""
    modules = list((PACKAGE / "interchange").glob("*.py"))
    assert len(modules) >= 6
    for path in modules:
        found = imports(path)
        assert not any(i.split(".")[0] in ("typer", "rich", "sqlite3") for i in found), path
        assert not any(i.startswith(("minicrm.cli", "minicrm.render")) for i in found), path


def test_no_module_imports_another_modules_private_names():
    """A helper two modules share is a public name (interchange.records), not a _private one."""
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "minicrm":
                offenders += [f"{path.relative_to(PACKAGE)}: {node.module}.{alias.name}" for alias in node.names
                              if alias.name.startswith("_") and not alias.name.endswith("__")]  # fmt: skip
    assert offenders == []


def test_services_never_print_or_read_the_clock():
    for path in (PACKAGE / "services").glob("*.py"):
        text = path.read_text()
        assert "print(" not in text and "dates.now(" not in text and "os.environ" not in text, path


def test_store_does_not_import_services_or_the_cli():
    for path in (PACKAGE / "store").glob("*.py"):
        found = imports(path)
        assert not any(i.startswith(("minicrm.services", "minicrm.cli", "minicrm.interchange", "minicrm.render"))
                       for i in found), path.name


def test_no_repository_method_returns_a_sqlite_row():
    """Rows stay inside the store: no public function or method of a store module is annotated
    as returning sqlite3.Row (alone, in a list, or in an iterator)."""
    for path in (PACKAGE / "store").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and not node.name.startswith("_"):
                returns = ast.unparse(node.returns) if node.returns else ""
                if path.name == "session.py" and node.name in ("all", "one"):
                    continue  # the session's own helpers, used only by the repositories
                assert not re.search(r"\bRow\b", returns), f"{path.name}: {node.name} -> {returns}"


def test_stored_text_is_parsed_only_in_the_store():
    for path in PACKAGE.rglob("*.py"):
        if path.relative_to(PACKAGE).parts[0] != "store":
            text = path.read_text()
            assert "from_utc_text" not in text and "to_utc_text" not in text, path


def test_no_comment_names_an_issue():
    for path in PACKAGE.rglob("*.py"):
        found = re.findall(r"\bissues? \d+\b", path.read_text(), flags=re.IGNORECASE)
        assert not found, f"{path.relative_to(PACKAGE)}: {found}"


def test_piped_due_does_not_load_heavy_modules(tmp_path):
    """`minicrm due` in a pipe must not import rich, sqlite-utils, dateutil's parser, pydantic,
    the validators and format libraries that other commands load lazily, nor the modules
    of other commands."""
    db = tmp_path / "crm.db"
    code = (
        "import sys\n"
        "from minicrm.cli import app\n"
        "try:\n"
        "    app(['--db', sys.argv[1], 'due'], prog_name='minicrm')\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = [m for m in ('rich', 'sqlite_utils', 'dateutil.parser', 'pydantic', 'email_validator',"
        " 'phonenumbers', 'rapidfuzz', 'vobject', 'icalendar', 'minicrm.cli.contacts', 'minicrm.cli.deals',"
        " 'minicrm.cli.interchange', 'minicrm.cli.backup', 'minicrm.cli.audit', 'minicrm.cli.privacy',"
        " 'minicrm.cli.reminders', 'minicrm.services.contacts', 'minicrm.services.segments',"
        " 'minicrm.services.privacy', 'minicrm.services.audit', 'minicrm.interchange', 'minicrm.store.audit',"
        " 'minicrm.store.files', 'minicrm.store.privacy', 'minicrm.store.search', 'minicrm.store.segments',"
        " 'minicrm.store.scoring', 'minicrm.render.columns', 'minicrm.render.tables', 'psycopg',"
        " 'minicrm.store.pg', 'minicrm.cli.mail', 'minicrm.cli.products', 'email.parser', 'mailbox', 'html.parser', 'mcp', 'minicrm.cli.mcp',"
        " 'minicrm.cli.completion', 'minicrm.cli.digest', 'minicrm.delivery', 'smtplib') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    env = {"PATH": "/usr/bin:/bin", "TTY_COMPATIBLE": "0", "MINICRM_NOW": "2026-11-18T09:30"}
    subprocess.run([sys.executable, "-c", code, str(db)], check=True, env=env, capture_output=True)  # migrate once
    out = subprocess.run([sys.executable, "-c", code, str(db)], check=True, env=env, capture_output=True, text=True)
    assert out.stdout.strip() == ""


def test_record_defaults_are_immutable():
    """A record's default is one object shared by every record made without the field:
    a list or dict there would leak changes from one record into all the others."""
    import importlib

    records = {
        record
        for path in (PACKAGE / "models").glob("*.py")
        for record in vars(importlib.import_module(f"minicrm.models.{path.stem}".removesuffix(".__init__"))).values()
        if isinstance(record, type) and hasattr(record, "_field_defaults")
    }
    assert len(records) > 20
    for record in records:
        for name, default in record._field_defaults.items():
            assert not isinstance(default, (list, dict, set)), f"{record.__name__}.{name}"


def test_every_record_is_exported_by_the_models_package():
    """``from minicrm.models import X`` is how records are imported: one missing from the package's
    re-exports would be imported from its module by some and not found by others."""
    import importlib

    import minicrm.models as models

    for path in (PACKAGE / "models").glob("[!_]*.py"):
        module = importlib.import_module(f"minicrm.models.{path.stem}")
        public = {name for name, value in vars(module).items()
                  if not name.startswith("_") and getattr(value, "__module__", module.__name__) == module.__name__
                  and not isinstance(value, type(importlib))}
        assert public <= set(models.__all__), f"{path.name}: {sorted(public - set(models.__all__))}"


MAX_LINES = 420  # "about 400": a module past it holds two things, or one thing that wants splitting
LONG_ON_PURPOSE = {"store/migrations.py"}  # append-only history of the schema, one function per step


def test_no_module_is_too_long_to_read_whole():
    long = {
        str(path.relative_to(PACKAGE)): n
        for path in PACKAGE.rglob("*.py")
        if (n := len(path.read_text().splitlines())) > MAX_LINES and str(path.relative_to(PACKAGE)) not in LONG_ON_PURPOSE
    }
    assert not long, f"split these modules (see docs/architecture.md): {long}"
