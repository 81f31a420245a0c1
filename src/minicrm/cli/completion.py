"""Shell completion, through Typer's own mechanism (bash, zsh, fish, PowerShell).

The shell runs ``minicrm`` with ``_MINICRM_COMPLETE=complete_bash`` (zsh, fish...) and the words
typed so far; Typer's completion classes answer with the suggestions. This module declares what
the arguments and options complete to: contact names (an indexed prefix query), tags in use,
stages and kinds, reminder and morning-list item ids with their text as description. Every
suggestion is read from a read-only connection, so completing never creates, migrates or
writes a database; any failure means no suggestion, never a message in the middle of a line
being typed. ``--show-completion`` and ``--install-completion`` (root options) take the shell's
name or detect it.
"""

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from typer._click.shell_completion import CompletionItem

SHELLS = ("bash", "zsh", "fish", "powershell", "pwsh")
COMPLETE_VAR = "_MINICRM_COMPLETE"


@contextmanager
def reading(ctx: Any) -> Iterator[Any]:
    """The store of the database the command line names (``--db``, ``$MINICRM_DB`` or the default),
    opened read-only; None when there is none."""
    from minicrm.store import default_path, open_readonly

    root = ctx.find_root() if ctx is not None else None
    path = (root.params.get("db") if root is not None else None) or os.environ.get("MINICRM_DB") or default_path()
    try:
        store = open_readonly(path)
    except Exception:  # no file, not a database, another build's: nothing to suggest
        yield None
        return
    try:
        yield store
    finally:
        store.close()


def _suggest(ctx: Any, find: Any) -> list[Any]:
    with reading(ctx) as store:
        if store is None:
            return []
        try:
            return find(store)
        except Exception:  # an older file, a locked one: no suggestion rather than an error mid-line
            return []


def contacts(ctx: Any, incomplete: str) -> list[tuple[str, str]]:
    """Contact names that begin with what is typed, whatever its case and accents (``mar`` offers
    ``Maria Gonzalez``); a name several contacts share is offered as their ids, each with the name
    and email as description."""
    from minicrm.services import contacts as service

    return _suggest(ctx, lambda store: service.complete_names(store, incomplete))


def tags(ctx: Any, incomplete: str) -> list[str]:
    from minicrm.services import contacts

    return _suggest(ctx, lambda store: contacts.complete_tags(store, incomplete))


def _starting(values: tuple[str, ...], incomplete: str) -> list[str]:
    return [value for value in values if value.startswith(incomplete.lower())]


def stages(ctx: Any, incomplete: str) -> list[str]:
    from minicrm.models import STAGES

    return _starting(STAGES, incomplete)


def deal_stages(ctx: Any, incomplete: str) -> list[str]:
    from minicrm.models import DEAL_STAGES

    return _starting(DEAL_STAGES, incomplete)


def interaction_kinds(ctx: Any, incomplete: str) -> list[str]:
    from minicrm.models import KINDS

    return _starting(KINDS, incomplete)


def due_kinds(ctx: Any, incomplete: str) -> list[str]:
    from minicrm.models import DUE_KINDS

    return _starting(DUE_KINDS, incomplete)


def reminder_ids(ctx: Any, incomplete: str) -> list[tuple[str, str]]:
    """Open reminders: the id, with the text, the contact and the day as description."""
    from minicrm.services import reminders

    return _suggest(ctx, lambda store: reminders.complete_ids(store, incomplete))


def items(ctx: Any, incomplete: str) -> list[tuple[str, str]]:
    """What ``done`` and ``snooze`` take: open reminders' ids, and the item_id of the other items
    of the morning list this week, each with its text."""
    from minicrm import dates
    from minicrm.services import agenda

    return _suggest(ctx, lambda store: agenda.complete_items(store, dates.now(), incomplete))


# ------------------------------------------------------------------ the shells


_BASH_SAFE = re.compile(r"[^\w@%+=:,./-]")


def _bash_quoted(value: str) -> str:
    """A value as bash must insert it (bash, unlike zsh and fish, quotes nothing itself)."""
    return _BASH_SAFE.sub(lambda m: "\\" + m.group(), value)


def register() -> None:
    """Typer's completion classes, with bash's suggestions quoted (``Maria\\ Gonzalez``)."""
    from typer._click.shell_completion import add_completion_class
    from typer._completion_classes import BashComplete, completion_init

    class QuotingBashComplete(BashComplete):
        def format_completion(self, item: CompletionItem) -> str:
            return _bash_quoted(item.value)

    completion_init()
    add_completion_class(QuotingBashComplete, "bash")


def shell_named(value: str) -> str:
    """The shell given, or the one minicrm runs under."""
    from minicrm.errors import UsageError

    if not value:
        from typer._completion_shared import _get_shell_name

        value = _get_shell_name() or ""
        if not value:
            raise UsageError("cannot tell which shell this is", f"Name it, e.g. --show-completion bash ({', '.join(SHELLS[:4])})")
    shell = value.strip().lower()
    if shell not in SHELLS:
        raise UsageError(f"{value!r} is not a shell minicrm completes", f"Use one of: {', '.join(SHELLS)}")
    return shell


def script(shell: str) -> str:
    """The completion script of ``shell`` (Typer's), calling ``minicrm`` with ``_MINICRM_COMPLETE``."""
    from typer._completion_shared import get_completion_script

    register()
    return get_completion_script(prog_name="minicrm", complete_var=COMPLETE_VAR, shell=shell)


def install(shell: str) -> tuple[str, str]:
    """Install the script where ``shell`` reads it (Typer's ``install``): (shell, path written)."""
    from typer._completion_shared import install as typer_install

    register()
    installed, path = typer_install(shell=shell, prog_name="minicrm", complete_var=COMPLETE_VAR)
    return installed, str(path)
