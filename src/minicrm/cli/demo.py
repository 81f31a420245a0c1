"""minicrm demo: a small, realistic sample so every view has something to show."""

from typing import Annotated

import typer

from minicrm.cli.common import Run, note

app = typer.Typer()  # the commands declared here; minicrm.cli.COMMANDS routes to them


@app.command("demo")
def demo(
    ctx: typer.Context,
    db: Annotated[str | None, typer.Option("--db", metavar="PATH", help="Fill this database instead")] = None,
) -> None:  # fmt: skip
    """Fill an empty database with sample data.

    A bakery's regulars and a freelancer's clients, with orders, calls and
    reminders (some overdue) dated around today.

    \b
    Example:
      minicrm demo --db /tmp/try.db && minicrm --db /tmp/try.db due
    """
    from minicrm.services import demo

    if db:
        ctx.obj.db_path = db
    run = Run(ctx)
    counts = demo.fill(run.store, run.now)
    import shlex

    look = f"minicrm --db {shlex.quote(str(run.store.path))} due" if db else "minicrm due"
    note(f"Added {counts['contacts']} contacts, {counts['interactions']} interactions and "
         f"{counts['reminders']} reminders to {run.store.path}.\nTry: {look}")  # fmt: skip
