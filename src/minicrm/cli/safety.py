"""Keeping the data safe: backup, restore, doctor, audit, undo."""

from __future__ import annotations

from typing import Annotated

import typer

from minicrm.cli import common
from minicrm.cli.common import AllOption, FormatOption, JsonOption, Run, note

app = typer.Typer()  # the commands declared here; minicrm.cli.COMMANDS routes to them

YesOption = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask (required when not on a terminal)")]


@app.command("backup")
def backup(
    ctx: typer.Context,
    path: Annotated[str | None, typer.Argument(metavar="[PATH]",
        help="File (or folder) to write [default: next to the database, with a timestamp]")] = None,
) -> None:  # fmt: skip
    """Copy the database safely, even while in use.

    Prints the backup's path. The copy is one file, readable by you alone.

    \b
    Example:
      minicrm backup
      minicrm backup ~/backups/
    """
    from minicrm import safety

    run = Run(ctx)
    written = safety.backup(run.store, run.now, path)
    typer.echo(str(written))


@app.command("restore")
def restore(ctx: typer.Context, path: Annotated[str, typer.Argument(help="A backup made by minicrm backup")],
            yes: YesOption = False) -> None:  # fmt: skip
    """Replace the database with a backup.

    The backup is checked first (integrity, schema version); the replaced
    database is kept aside next to it.

    \b
    Example:
      minicrm restore ~/.local/share/minicrm/minicrm-backup-20261117-180000.db
    """
    from minicrm import safety

    run = Run(ctx)
    safety.check_backup(path)
    if not yes:
        common.confirm(f"Replace {run.store.path} with {path}? (the current one is kept aside)",
                       str(run.store.path), "restore")  # fmt: skip
    aside = safety.restore(run.store, run.now, path)
    note(f"Restored {path}. The replaced database is kept as {aside}.")


@app.command("doctor")
def doctor(ctx: typer.Context, fmt: FormatOption = None, as_json: JsonOption = False) -> None:
    """Check the database; exit 1 if it is unwell.

    Integrity and foreign-key checks, schema version, file sizes and row counts.

    \b
    Example:
      minicrm doctor
      minicrm doctor --json | jq '.[] | select(.ok | not)'
    """
    from minicrm import safety
    from minicrm.models import HealthCheck

    run = Run(ctx, fmt, as_json)
    checks = safety.doctor(run.store)
    run.many(checks, HealthCheck)
    failed = [c.check for c in checks if not c.ok]
    if failed:
        typer.echo(f"Error: the database is unwell ({', '.join(failed)}). "
                   "Restore a backup: minicrm restore PATH", err=True)  # fmt: skip
        raise typer.Exit(1)


@app.command("audit")
def audit(
    ctx: typer.Context,
    contact: Annotated[str | None, typer.Argument(metavar="[CONTACT]", help="Only changes to this contact")] = None,
    limit: Annotated[int | None, typer.Option("--limit", "-l", help="At most this many rows")] = None,
    all_: AllOption = False, fmt: FormatOption = None, as_json: JsonOption = False,
) -> None:  # fmt: skip
    """What changed, when and by whom, newest first.

    One row per changed record; the change number is what undo reverts.
    JSON output carries each record's full image before and after.

    \b
    Example:
      minicrm audit ann
      minicrm audit --limit 20 --json | jq '.[] | {change_id, user, summary}'
    """
    from minicrm import safety, services
    from minicrm.models import AuditEntry

    run = Run(ctx, fmt, as_json)
    found = services.resolve_contact(run.store, contact) if contact else None
    run.listing(lambda n: safety.audit(run.store, found, limit=n), AuditEntry, limit=limit, show_all=all_,
                empty="Nothing has changed yet.")  # fmt: skip


@app.command("undo")
def undo(
    ctx: typer.Context,
    count: Annotated[int, typer.Argument(metavar="[N]", help="How many changes to revert")] = 1,
    fmt: FormatOption = None, as_json: JsonOption = False,
) -> None:  # fmt: skip
    """Revert the last change (or the last N).

    The undo is itself a change: undo again to redo. An erasure by
    minicrm forget can never be undone.

    \b
    Example:
      minicrm undo
      minicrm undo 3
    """
    from minicrm import safety
    from minicrm.models import Change

    run = Run(ctx, fmt, as_json)
    reverted = safety.undo(run.store, count)
    run.many(reverted, Change)
    summary = ", ".join(f"{c.id} ({c.command or 'change'})" for c in reverted)
    note(f"Undid change{'s' if len(reverted) > 1 else ''} {summary}. Run minicrm undo again to redo.")
