"""Keeping the data safe: backup, restore, doctor."""

from typing import Annotated

import typer

from minicrm.cli.common import FormatOption, JsonOption, Run, YesOption, confirm, note

app = typer.Typer()  # the commands declared here; minicrm.cli.COMMANDS routes to them


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
    from minicrm.services import backup

    run = Run(ctx)
    written = backup.backup(run.store, run.now, path)
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
    from minicrm.services import backup

    run = Run(ctx)
    backup.check_backup(path)
    if not yes:
        confirm(f"Replace {run.store.path} with {path}? (the current one is kept aside)",
                str(run.store.path), "restore")  # fmt: skip
    aside = backup.restore(run.store, run.now, path)
    note(f"Restored {path}. The replaced database is kept as {aside}.")


@app.command("doctor")
def doctor(ctx: typer.Context, fmt: FormatOption = None, as_json: JsonOption = False) -> None:
    """Check the database; exit 1 if it is unwell.

    Integrity and foreign-key checks, schema version and objects (tables,
    columns, indexes, triggers), file sizes and row counts.

    \b
    Example:
      minicrm doctor
      minicrm doctor --json | jq '.[] | select(.ok | not)'
    """
    from minicrm.models import HealthCheck
    from minicrm.services import backup

    run = Run(ctx, fmt, as_json)
    checks = backup.doctor(run.store)
    run.many(checks, HealthCheck)
    failed = [c.check for c in checks if not c.ok]
    if failed:
        typer.echo(f"Error: the database is unwell ({', '.join(failed)}). "
                   "Restore a backup: minicrm restore PATH", err=True)  # fmt: skip
        raise typer.Exit(1)
