"""Helpers every command uses: shared options, the store, and output."""

import sys
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Annotated, Any

import typer
from typer._click.shell_completion import CompletionItem
from typer._click.types import StringParamType


def completes(name: str) -> Callable[[typer.Context, str], list]:
    """Typer's ``autocompletion`` callback for a parameter: ``minicrm.cli.completion.<name>``, imported
    only when the shell asks (so no command pays for it)."""

    def complete(ctx: typer.Context, incomplete: str) -> list:
        from minicrm.cli import completion

        return getattr(completion, name)(ctx, incomplete)

    complete.__name__ = f"complete_{name}"
    return complete


class ContactName(StringParamType):
    """A CONTACT: text, completing to contact names whatever the case and accents typed. (Typer's
    ``autocompletion`` keeps only suggestions that start with the typed text, case included; a
    parameter type completes as click does, with no such filter.)"""

    def shell_complete(self, ctx: Any, param: Any, incomplete: str) -> list[CompletionItem]:
        found = completes("contacts")(ctx, incomplete)
        return [CompletionItem(value, help=description or None) for value, description in found]


CONTACT = ContactName()

FormatOption = Annotated[str | None, typer.Option("--format", "-f", metavar="FORMAT",
    help="table, tsv, csv, json or ndjson [default: table on a terminal, tsv in a pipe]")]  # fmt: skip
JsonOption = Annotated[bool, typer.Option("--json", help="Shorthand for --format json")]
AllOption = Annotated[bool, typer.Option("--all", "-a", help="Show every row in a table, not a screenful")]
YesOption = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask (required when not on a terminal)")]
ContactArg = Annotated[str, typer.Argument(metavar="CONTACT", help="An id, an exact email, or a name or part of one",
                                           click_type=CONTACT)]  # fmt: skip


class Run:
    """One command's run: its clock reading, its output format, and its store."""

    def __init__(self, ctx: typer.Context, fmt: str | None = None, as_json: bool = False):
        from minicrm import dates, render  # here, not at import: --help and --version stay lean

        state = ctx.obj
        self.state = state
        self.now: datetime = dates.now()
        # The command's own --format/--json wins over the global one.
        if fmt or as_json:
            self.fmt = render.decide_format(fmt, as_json)
        else:
            self.fmt = render.decide_format(state.fmt, state.as_json)
        self.command = " ".join(ctx.command_path.split()[1:]) or None  # "edit", "deal add": for the audit trail
        self._store = None
        self._currency: str | None = None

    @property
    def store(self):  # noqa: ANN201  (a Store; imported lazily)
        if self._store is None:
            from minicrm.store import default_path, open_store

            self._store = open_store(self.state.db_path or default_path(), self.now, write=writes(self.command))
            self._store.actor = (os_user, self.command, self.now)  # the user is looked up at the first write
        return self._store

    @property
    def currency(self) -> str | None:
        """The ``currency`` setting in force, read the first time a record with amounts is printed."""
        if self._currency is None:
            self._currency = setting(self, "currency") or ""
        return self._currency or None

    def date_order(self, *typed: str | None) -> str | None:
        """The ``date_order`` setting, for reading the dates ``typed``: read only when one of them is
        written with slashes (``03/04/2026``), so that other commands never pay for it."""
        from minicrm.slashed import slashed_like

        return setting(self, "date_order") if any(text and slashed_like(text) for text in typed) else None

    def priced(self, records: Iterable[Any], record_type: type) -> Iterable[Any]:
        """Records with the currency of their amounts (``money.priced_all``); others as they are."""
        if "currency" not in getattr(record_type, "_fields", ()):
            return records
        from minicrm.money import priced_all

        return priced_all(records, record_type, self.currency)

    @property
    def table(self) -> bool:
        return self.fmt == "table"

    def screenful(self, row_lines: int = 1) -> int:
        """How many table rows of ``row_lines`` lines fit on the terminal (at least 10 lines)."""
        import shutil

        return max(10, shutil.get_terminal_size((100, 30)).lines - 8) // row_lines

    def many(self, records: Iterable[Any], record_type: type, *, title: str | None = None,
             empty: str | None = None) -> None:  # fmt: skip
        """Every record: a table on a terminal, else the machine format, streamed."""
        records = self.priced(records, record_type)
        if self.table:
            from minicrm.render import tables

            tables.write_table(records, record_type, self.now, sys.stdout, title=title, empty=empty)
        else:
            from minicrm import render

            render.write_records(records, record_type, self.fmt, sys.stdout)

    def listing(self, fetch: Callable[[int | None], Iterable[Any]], record_type: type, *,
                limit: int | None = None, show_all: bool = False,
                count: Callable[[], int] | None = None, title: str | None = None,
                empty: str | None = None, row_lines: int = 1) -> None:  # fmt: skip
        """A listing: all of it in machine formats; a screenful in a table unless --all or --limit.

        ``fetch(n)`` returns at most n records (all when n is None); ``count()``
        tells how many there are in all, for the "N more" line; ``row_lines`` is
        how many lines a table row takes.
        """
        if not self.table or show_all or limit is not None:
            self.many(fetch(limit), record_type, title=title, empty=empty)
            return
        max_rows = self.screenful(row_lines)
        rows = list(self.priced(fetch(max_rows + 1), record_type))
        total = None
        if len(rows) > max_rows:
            total = count() if count else None
        from minicrm.render import tables

        tables.write_table(rows, record_type, self.now, sys.stdout, max_rows=max_rows, total=total,
                           title=title, empty=empty)  # fmt: skip

    def one(self, record: Any) -> None:
        if _carries_amounts(record):
            from minicrm.money import priced

            record = priced(record, self.currency)
        if self.table:
            from minicrm.render import tables

            tables.write_record_table(record, self.now, sys.stdout)
        else:
            from minicrm import render

            render.write_one(record, self.fmt, sys.stdout)


def _carries_amounts(record: Any) -> bool:
    """Whether a record, or a record inside it (a contact's page, the report), has a ``currency`` field."""
    fields = getattr(record, "_fields", None)
    if fields is None or "currency" in fields:
        return fields is not None
    inner = [value[0] if type(value) is tuple and value else value for value in record]
    return any(hasattr(value, "_fields") and _carries_amounts(value) for value in inner)


# The commands that write: their store is opened read-write at once. Any other is opened read-only
# (a backup looked at stays as it is) and becomes read-write at its first write, so a command
# missing here still works, at the cost of a second connection.
WRITES = frozenset({"add", "edit", "rm", "stage", "log", "remind", "done", "snooze", "demo", "import", "merge",
                    "restore", "undo", "redo", "forget"})  # fmt: skip


def writes(command: str | None) -> bool:
    """Whether ``command`` ("add", "deal move"...) writes: a root command in ``WRITES``, or a
    subcommand other than ``list``, ``show`` and ``pipeline``."""
    words = (command or "").split()
    return bool(words) and (words[0] in WRITES or (len(words) > 1 and words[-1] not in ("list", "show", "pipeline")))


def os_user() -> str | None:
    """Who is running minicrm, for the audit trail: what ``getpass.getuser()`` says, whose
    environment variables are read here first, so that most runs do not import getpass."""
    import os

    for name in ("LOGNAME", "USER", "LNAME", "USERNAME"):  # getpass.getuser()'s order
        if user := os.environ.get(name):
            return user
    import getpass

    try:
        return getpass.getuser()
    except (OSError, KeyError, ImportError):
        return None


def read_stdin(what: str) -> str:
    """Standard input as text (``-`` given for ``what``): UTF-8, or one line saying where it is not."""
    from minicrm.errors import InvalidValue

    data = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read().encode("utf-8", "surrogateescape")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise InvalidValue(f"standard input ({what}) is not valid UTF-8: line {line} holds the byte "
                           f"0x{data[error.start]:02x}",
                           "Convert it first, e.g. iconv -f cp1252 -t utf-8") from None  # fmt: skip


def stdin_is_terminal() -> bool:
    """Whether a person can answer a question (never true in a script or a pipe)."""
    return sys.stdin.isatty()


def confirm(question: str, what: str, verb: str) -> None:
    """Ask before a destructive step; in a script (no terminal to answer) refuse instead.

    ``what`` names the thing ("Ann Lee (#12)"), ``verb`` the action ("delete"):
    they make the refusal "not deleting Ann Lee (#12) without confirmation".
    Returns when the person said yes; exits 1 when they said no.
    """
    from minicrm.errors import UsageError

    if not stdin_is_terminal():
        doing = verb[:-1] + "ing" if verb.endswith("e") else verb + "ing"
        raise UsageError(f"not {doing} {what} without confirmation", f"Add --yes to {verb} from a script")
    if not typer.confirm(question, err=True):
        note(f"Nothing {verb}{'d' if verb.endswith('e') else 'ed'}.")
        raise typer.Exit(1)


def note(message: str) -> None:
    """A message for the person (stderr), never mixed into data; no escape sequences from data in it."""
    from minicrm import render

    typer.echo(render.scrub(message), err=True)


def warn(warnings: Iterable[object]) -> None:
    """Each value kept as typed, as one ``Warning:`` line on stderr."""
    for warning in warnings:
        note(f"Warning: {warning}.")


def setting(run: Run, key: str) -> str | None:
    """The business setting ``key`` in force (``minicrm config``): read only by the commands that need it."""
    import os

    from minicrm.services import settings

    return settings.value(run.store, key, os.environ)


def default_region(run: Run | None = None) -> str | None:
    """The country of phone numbers typed without ``+``: ``$MINICRM_REGION`` for one run, else the
    database's ``region`` setting, else the locale's territory (``LANG=de_DE.UTF-8``: DE).

    Without ``run`` (no database at hand), only the environment and the locale."""
    import os

    from minicrm.services import settings

    return settings.value(run.store if run is not None else None, "region", os.environ)
