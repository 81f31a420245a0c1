"""The audit trail: audit, undo, redo."""

from typing import Annotated

import typer

from minicrm.cli.common import AllOption, CONTACT, FormatOption, JsonOption, Run, note

app = typer.Typer()  # the commands declared here; minicrm.cli.COMMANDS routes to them


@app.command("audit")
def audit(
    ctx: typer.Context,
    contact: Annotated[str | None, typer.Argument(metavar="[CONTACT]", help="Only changes to this contact",
        click_type=CONTACT)] = None,
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
    from minicrm.models import AuditEntry
    from minicrm.services import audit, contacts

    run = Run(ctx, fmt, as_json)
    found = contacts.resolve(run.store, contact) if contact else None
    run.listing(lambda n: audit.entries(run.store, found, limit=n), AuditEntry, limit=limit, show_all=all_,
                empty="Nothing has changed yet.")  # fmt: skip


@app.command("undo")
def undo(
    ctx: typer.Context,
    count: Annotated[int, typer.Argument(metavar="[N]", help="How many changes to revert")] = 1,
    fmt: FormatOption = None, as_json: JsonOption = False,
) -> None:  # fmt: skip
    """Revert the last change (or the last N).

    Each undo steps further back, to the latest change not yet undone;
    minicrm redo re-applies what was undone, until a new change is made.
    An erasure by minicrm forget can never be undone.

    \b
    Example:
      minicrm undo
      minicrm undo 3
    """
    from minicrm.models import Change
    from minicrm.services import audit

    run = Run(ctx, fmt, as_json)
    reverted = audit.undo(run.store, count)
    run.many(reverted, Change)
    summary = ", ".join(f"{c.id} ({c.command or 'change'})" for c in reverted)
    note(f"Undid change{'s' if len(reverted) > 1 else ''} {summary}. Redo with: minicrm redo")


@app.command("redo")
def redo(ctx: typer.Context, fmt: FormatOption = None, as_json: JsonOption = False) -> None:
    """Re-apply what the last undo reverted.

    Works back through a run of undos, newest first, until a new change
    is made (which clears what can be redone).

    \b
    Example:
      minicrm undo
      minicrm redo
    """
    from minicrm.models import Change
    from minicrm.services import audit

    run = Run(ctx, fmt, as_json)
    redone = audit.redo(run.store)
    run.many(redone, Change)
    summary = ", ".join(f"{c.id} ({c.command or 'change'})" for c in redone)
    note(f"Redid change{'s' if len(redone) > 1 else ''} {summary}.")
