"""The config command: the business's settings, kept in the database."""

from typing import Annotated

import typer

from minicrm.cli.common import FormatOption, JsonOption, Run, note

app = typer.Typer()  # the commands declared here; minicrm.cli.COMMANDS routes to them


@app.command("config")
def config(
    ctx: typer.Context,
    key: Annotated[str | None, typer.Argument(metavar="[KEY]",
        help="region, currency, date_order, decimal, mail.me, or mail.* of digest (docs/digest.md)")] = None,
    value: Annotated[str | None, typer.Argument(metavar="[VALUE]", help="The new value")] = None,
    unset: Annotated[bool, typer.Option("--unset", help="Remove KEY from the database (the locale's default applies)")] = False,
    fmt: FormatOption = None, as_json: JsonOption = False,
) -> None:  # fmt: skip
    """Show or change the business's settings.

    Without arguments, every setting with its value and where it comes from:
    environment (MINICRM_REGION, for one run), database (set here, for everyone
    using the file), locale (LC_ALL, LC_NUMERIC, LC_TIME, LANG) or default.

    \b
    Example:
      minicrm config
      minicrm config region DE
      minicrm config currency EUR
      minicrm config --unset decimal
    """
    import os

    from minicrm.errors import UsageError
    from minicrm.models import Setting
    from minicrm.services import settings

    run = Run(ctx, fmt, as_json)
    if unset:
        if key is None or value is not None:
            raise UsageError("--unset takes one KEY and no VALUE", "E.g. minicrm config --unset region")
        now_in_force, removed = settings.unset(run.store, key, os.environ)
        where = f"now {now_in_force.value} from the {now_in_force.source}" if now_in_force.value else "now unset"
        note(f"Removed {now_in_force.key} from the database; {where}." if removed
             else f"{now_in_force.key} was not set in the database.")  # fmt: skip
        run.one(now_in_force)
    elif key is None:
        run.many(settings.listing(run.store, os.environ), Setting)
    elif value is None:
        run.one(settings.setting(run.store, key, os.environ))
    else:
        changed = settings.change(run.store, run.now, key, value, os.environ)
        if changed.source == "environment":
            note(f"Stored {changed.key}; ${settings.KEYS[changed.key].env} still wins for this shell.")
        run.one(changed)
