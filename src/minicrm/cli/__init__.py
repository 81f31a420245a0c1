"""The command line: the root app, global options and the one error boundary.

Commands live in one module per area (contacts, activity, reminders, demo) and
register themselves on ``app`` when imported at the bottom of this file. They
import services, store and render lazily where those are heavy, so that
``minicrm --help`` and ``minicrm due`` pay only for what they use.
"""

from __future__ import annotations

import errno
import os
import re
import sqlite3
import sys
from typing import Annotated, Any

import typer
from typer._click.exceptions import ClickException, UsageError
from typer.core import TyperGroup

from minicrm import __version__
from minicrm.errors import MiniCrmError


class MiniCrmGroup(TyperGroup):
    """Maps every exception to one line on stderr and an exit code, in one place."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if not args:  # `minicrm` alone: help, and success (click would exit 2)
            typer.echo(ctx.get_help())
            ctx.exit(0)
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
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except Exception as error:  # a bug: say so plainly, no traceback
            if _debug():
                raise
            _fail(ctx, f"internal error ({type(error).__name__}: {error}). "
                  "Please report it; MINICRM_DEBUG=1 shows the details", 1)  # fmt: skip


def _debug() -> bool:
    return os.environ.get("MINICRM_DEBUG", "") not in ("", "0")


_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def safe(message: str, limit: int = 500) -> str:
    """An error message fit for a terminal: one line, no control characters (so no escape
    sequences from what the user typed), and not a megabyte long."""
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


def _version(value: bool) -> None:
    if value:
        typer.echo(f"minicrm {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    db: Annotated[str | None, typer.Option("--db", metavar="PATH", envvar="MINICRM_DB",
        help="Database file [default: $MINICRM_DB, else minicrm.db in your data folder]",
        show_envvar=False)] = None,
    fmt: Annotated[str | None, typer.Option("--format", "-f", metavar="FORMAT",
        help="Output format for every command: table, tsv, csv, json, ndjson")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Shorthand for --format json")] = False,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
        help="Show the version and exit")] = False,
) -> None:  # fmt: skip
    ctx.obj = State(db, fmt, as_json)


def main() -> None:
    """The ``minicrm`` console script."""
    if sys.argv[1:] == ["--version"]:  # answered before Typer builds every command (~35 ms)
        sys.stdout.write(f"minicrm {__version__}\n")
        return
    app(prog_name="minicrm")


from minicrm.cli import contacts, activity, reminders, demo, transfer, safety, privacy, insight  # noqa: E402,F401  (registers commands)
