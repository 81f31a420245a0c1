"""The command line: the root app, global options and the one error boundary.

Commands live in one module per area (contacts, activity, reminders, ...), each
declaring them on a Typer of its own named ``app``. ``COMMANDS`` below says which
module holds which command; the root group imports that module and has Typer
convert that one command only when it is invoked. Converting all of them took
35-40 ms on every run (see docs/performance.md). The command modules import
services, store and render lazily where those are heavy, so that
``minicrm --help`` and ``minicrm due`` pay only for what they use.

To add a command: declare it in its module with ``@app.command("name")`` and add a
line to ``COMMANDS``; tests/test_cli.py fails until both agree.
"""

import errno
import importlib
import os
import re
import sqlite3
import sys
from collections.abc import Iterator, Mapping
from typing import Annotated, Any

import typer
from typer._click.exceptions import ClickException, UsageError
from typer.core import TyperGroup

from minicrm import __version__
from minicrm.errors import MiniCrmError


# Every root command: the module of minicrm.cli that declares it, and the summary
# `minicrm --help` shows (the first sentence of the command's own help), in the
# order `minicrm --help` lists them.
COMMANDS: dict[str, tuple[str, str]] = {
    "add": ("contacts", "Create a contact; prints it, id first."),
    "list": ("contacts", "List contacts."),
    "show": ("contacts", "Show a contact with reminders and activity."),
    "edit": ("contacts", "Change a contact's fields."),
    "rm": ("contacts", "Delete a contact and their history."),
    "stage": ("contacts", "Move a contact to a lifecycle stage."),
    "log": ("activity", "Record an interaction; prints it, id first."),
    "history": ("activity", "Interactions, newest first."),
    "remind": ("reminders", "Set a follow-up reminder, maybe recurring."),
    "due": ("agenda", "The day's work, most urgent first."),
    "digest": ("digest", "The day's work as one message, for cron or a systemd timer."),
    "done": ("reminders", "Complete reminders, or clear other items of the morning list."),
    "snooze": ("reminders", "Postpone a reminder, or any item of the morning list."),
    "demo": ("demo", "Fill an empty database with sample data."),
    "mail": ("mail", "Mail: log e-mails with known contacts, once each."),
    "calendar": ("mail", "Calendar: log meetings with known contacts, once each."),
    "export": ("interchange", "Export records for backup or another tool."),
    "import": ("interchange", "Import contacts, interactions and reminders."),
    "search": ("search", "Search contacts and interaction texts."),
    "dupes": ("duplicates", "List contacts that are likely duplicates."),
    "merge": ("duplicates", "Merge a duplicate contact into another."),
    "backup": ("backup", "Copy the database safely, even while in use."),
    "restore": ("backup", "Replace the database with a backup."),
    "doctor": ("backup", "Check the database; exit 1 if it is unwell."),
    "audit": ("audit", "What changed, when and by whom, newest first."),
    "undo": ("audit", "Revert the last change (or the last N)."),
    "consent": ("privacy", "Record or show consent for a purpose."),
    "access": ("privacy", "Everything held about one person, as JSON."),
    "forget": ("privacy", "Erase a person for good (cannot be undone)."),
    "referrals": ("activity", "Who referred whom, newest first."),
    "customers": ("customers", "Customers by value, with rhythm and RFM group."),
    "at-risk": ("customers", "Customers gone quiet, most valuable first."),
    "report": ("report", "The Monday overview: funnel, revenue, risk."),
    "cadence": ("cadence", "Keep in touch with a contact or a tag every PERIOD."),
    "score": ("scoring", "A contact's score, or the weights behind it."),
    "deal": ("deals", "Deals: what you sell, to whom, how far along."),
    "sales": ("products", "What sold: quantities and revenue per product, tag or month."),
    "usual": ("products", "What a customer usually orders, most often first."),
    "product": ("products", "Products: what you sell, and at what price."),
    "segment": ("segments", "Segments: saved filters of list, re-evaluated at each use."),
    "occasion": ("occasions", "Occasions: birthdays and anniversaries, every year."),
    "interaction": ("activity", "Interactions: correct or remove what was logged."),
    "reminder": ("reminders", "Reminders: change, stop repeating, or cancel."),
    "redo": ("audit", "Re-apply what the last undo reverted."),
    "config": ("settings", "Show or change the business's settings."),
    "mcp": ("mcp", "Serve minicrm to AI agents: an MCP server on stdio."),
}


def build_command(name: str) -> Any:
    """The click command (or group, like ``deal``) for a root command, from its module.

    Uses Typer's own converters, as ``typer.main.get_group`` does for every
    command at once (typer is pinned <0.29, see pyproject.toml)."""
    from typer.main import get_command_from_info, get_group_from_info

    module = importlib.import_module(f"minicrm.cli.{COMMANDS[name][0]}")
    for command in module.app.registered_commands:
        if command.name == name:
            return get_command_from_info(command, pretty_exceptions_short=True, rich_markup_mode=None)
    for group in module.app.registered_groups:
        if group.name == name:
            return get_group_from_info(group, pretty_exceptions_short=True, rich_markup_mode=None,
                                       suggest_commands=True)  # fmt: skip
    raise LookupError(f"{module.__name__} declares no command {name!r}")


class LazyCommands(Mapping[str, Any]):
    """The root group's commands: all names known, each built on first lookup."""

    def __init__(self) -> None:
        self._built: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        if name not in self._built:
            if name not in COMMANDS:
                raise KeyError(name)
            self._built[name] = build_command(name)
        return self._built[name]

    def __iter__(self) -> Iterator[str]:
        return iter(COMMANDS)

    def __len__(self) -> int:
        return len(COMMANDS)


class MiniCrmGroup(TyperGroup):
    """The root group: commands built lazily, and every exception mapped to one line
    on stderr and an exit code, in one place."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self.commands = LazyCommands()  # type: ignore[assignment]
        # Typer's own --show-completion/--install-completion (add_completion=True) are flags that
        # guess the shell; these take its name too (`minicrm --show-completion bash`), and run
        # Typer's completion all the same (cli/completion.py). Typer's options cannot take an
        # optional value, so parse_args reads them; these two declare them for --help.
        from typer.core import TyperOption

        for name, text in COMPLETION_OPTIONS.items():
            self.params.insert(len(self.params) - 1, TyperOption(param_decls=[name], metavar="[SHELL]", help=text,
                                                                 expose_value=False))  # fmt: skip

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        """The command list of ``minicrm --help`` from COMMANDS, importing none of them."""
        with formatter.section("Commands"):
            formatter.write_dl([(name, summary) for name, (_, summary) in COMMANDS.items()])

    def shell_complete(self, ctx: Any, incomplete: str) -> list[Any]:
        """The root's suggestions: its options, or the commands with their summaries from COMMANDS
        (click would import every command module to read them)."""
        from typer._click.shell_completion import CompletionItem

        if incomplete.startswith("-"):
            return super().shell_complete(ctx, incomplete)
        return [CompletionItem(name, help=summary) for name, (_, summary) in COMMANDS.items()
                if name.startswith(incomplete)]  # fmt: skip

    def _main_shell_completion(self, ctx_args: Any, prog_name: str, complete_var: str | None = None) -> None:
        """A shell asking for suggestions (``_MINICRM_COMPLETE`` set): Typer answers, with bash's quoted."""
        if os.environ.get(complete_var or f"_{prog_name}_COMPLETE".replace("-", "_").upper()):
            from minicrm.cli import completion

            completion.register()
        super()._main_shell_completion(ctx_args, prog_name, complete_var)

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if not args and not ctx.resilient_parsing:  # `minicrm` alone: help, and success (click would exit 2)
            typer.echo(ctx.get_help())
            ctx.exit(0)
        _completion_options(ctx, args)
        ctx.meta["minicrm.args"] = list(args)  # to name an argument that is not valid UTF-8
        try:
            return super().parse_args(ctx, args)
        except ClickException as error:  # e.g. an unknown root option
            error.message = safe(error.message)
            raise

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except MiniCrmError as error:
            _fail(ctx, str(error), error.exit_code)
        except sqlite3.Error as error:
            from minicrm.store import translate

            state = ctx.obj
            _fail(ctx, str(translate(error, state.db_path if state else "?")), 1)
        except OSError as error:
            if error.errno == errno.EPIPE:  # the reader went away (| head): not an error
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
                ctx.exit(0)
            if _debug():
                raise
            _fail(ctx, f"{error.strerror or error}: {error.filename or ''}".rstrip(": "), 1)
        except UsageError as error:  # an unknown option or command, a missing argument
            command = ctx.invoked_subcommand or ""
            hint = f"Try: minicrm {command} --help".replace("  ", " ")
            message = safe(error.format_message())
            _fail(ctx, f"{message}{'' if message.endswith(('.', '?', '!')) else '.'} {hint}", error.exit_code)
        except ClickException as error:
            error.message = safe(error.message)  # click echoes what was typed: no escapes from it
            raise
        except KeyboardInterrupt:  # Ctrl-C: a write under way was rolled back
            typer.echo("Interrupted.", err=True)
            ctx.exit(130)
        except (typer.Exit, typer.Abort):
            raise
        except UnicodeError as error:  # bytes that are not UTF-8 reached a text (a name, a search)
            _fail(ctx, not_utf8(ctx.meta.get("minicrm.args", []), error), 2)
        except Exception as error:  # a bug: say so plainly, no traceback
            if _debug():
                raise
            _fail(ctx, f"internal error ({type(error).__name__}: {error}). "
                  "Please report it; MINICRM_DEBUG=1 shows the details", 1)  # fmt: skip


def not_utf8(args: list[str], error: UnicodeError) -> str:
    """What to say when bytes that are not UTF-8 reached a text: which argument holds them
    (a file name may hold any bytes; a name, a note or a search may not)."""
    for number, arg in enumerate(args, start=1):
        if _SURROGATE.search(arg):
            shown = arg.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
            return (f"argument {number} ('{shown}') is not valid UTF-8 text. Type it in UTF-8 "
                    "(check that your terminal and LANG use UTF-8), or convert it with iconv")  # fmt: skip
    return f"a text is not valid UTF-8 ({error.reason}). Give it in UTF-8, e.g. convert it with iconv"


def _debug() -> bool:
    return os.environ.get("MINICRM_DEBUG", "") not in ("", "0")


_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")  # controls, and lone surrogates (bytes not UTF-8)
_SURROGATE = re.compile("[\udc80-\udcff]")  # an argument's bytes that were not UTF-8


def safe(message: str, limit: int = 500) -> str:
    """An error message fit for a terminal: one line, no control characters (so no escape
    sequences from what the user typed) nor undecodable bytes, and not a megabyte long."""
    message = _UNSAFE.sub("\ufffd", str(message))
    if len(message) > limit:
        message = message[: limit - 120] + " … " + message[-100:]
    return message


def _fail(ctx: Any, message: str, code: int) -> None:
    typer.echo(f"Error: {safe(message)}", err=True)
    ctx.exit(code)


app = typer.Typer(
    cls=MiniCrmGroup,
    name="minicrm",
    help="A local-first CRM for the terminal: contacts, interactions, reminders.\n\n"
    "\b\nStart with:\n  minicrm demo        fill a sample database\n  minicrm due         what needs doing today\n"
    "  minicrm add \"Ann Lee\" --email ann@example.com",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class State:
    """What the root options decided, shared with every command through ``ctx.obj``."""

    def __init__(self, db_path: str | None, fmt: str | None, as_json: bool):
        self.db_path = db_path
        self.fmt = fmt
        self.as_json = as_json


COMPLETION_OPTIONS = {
    "--show-completion": "Print the completion script of SHELL (bash, zsh, fish, powershell; default: this one)",
    "--install-completion": "Install completion for SHELL (default: this one) in its start-up file",
}


def _completion_options(ctx: Any, args: list[str]) -> None:
    """``--show-completion [SHELL]`` and ``--install-completion [SHELL]`` among the root options."""
    for at, arg in enumerate(args):
        if arg in COMMANDS:
            return
        name, equals, value = arg.partition("=")
        if name in COMPLETION_OPTIONS:
            if not equals:
                following = args[at + 1] if at + 1 < len(args) else ""
                value = following if following and not following.startswith("-") and following not in COMMANDS else ""
            (_show_completion if name == "--show-completion" else _install_completion)(ctx, value)


def _show_completion(ctx: Any, value: str) -> None:
    from minicrm.cli import completion

    try:
        typer.echo(completion.script(completion.shell_named(value)))
    except MiniCrmError as error:
        _fail(ctx, str(error), error.exit_code)
    raise typer.Exit()


def _install_completion(ctx: Any, value: str) -> None:
    from minicrm.cli import completion

    try:
        shell, path = completion.install(completion.shell_named(value))
    except MiniCrmError as error:
        _fail(ctx, str(error), error.exit_code)
    except OSError as error:
        _fail(ctx, f"cannot install the completion script: {error.strerror}: {error.filename}", 1)
    typer.echo(f"Installed {shell} completion in {path}; it takes effect in a new shell.", err=True)
    raise typer.Exit()


def _version(value: bool) -> None:
    if value:
        typer.echo(f"minicrm {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    db: Annotated[str | None, typer.Option("--db", metavar="PATH|URL", envvar="MINICRM_DB",
        help="Database file, or a postgresql:// URL [default: $MINICRM_DB, else minicrm.db in your data folder]",
        show_envvar=False)] = None,
    fmt: Annotated[str | None, typer.Option("--format", "-f", metavar="FORMAT",
        help="Output format for every command: table, tsv, csv, json, ndjson")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Shorthand for --format json")] = False,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
        help="Show the version and exit")] = False,
) -> None:  # fmt: skip
    ctx.obj = State(db, fmt, as_json)


def main() -> None:
    """The app; the console script is ``minicrm.entry.main``, which handles Ctrl-C during imports too."""
    app(prog_name="minicrm")
