"""Duplicate commands: dupes, merge."""

from typing import Annotated

import typer

from minicrm.cli.common import CONTACT, FormatOption, JsonOption, Run, YesOption, confirm, note

app = typer.Typer()  # the commands declared here; minicrm.cli.COMMANDS routes to them


@app.command("dupes")
def dupes(
    ctx: typer.Context,
    threshold: Annotated[int, typer.Option("--threshold", metavar="0-100",
        help="How similar two names at one organisation must be")] = 85,
    fmt: FormatOption = None, as_json: JsonOption = False,
) -> None:  # fmt: skip
    """List contacts that are likely duplicates.

    Pairs that share an email or a phone, have very similar names at the
    same organisation, or the same surname and close given names (Jon/John);
    each with the reason. Merge them with minicrm merge.

    \b
    Example:
      minicrm dupes
      minicrm dupes --json | jq -r '.[] | "\\(.id) \\(.other_id)"'
    """
    from minicrm.models import DuplicatePair
    from minicrm.services import duplicates

    run = Run(ctx, fmt, as_json)
    run.many(duplicates.find(run.store, threshold=threshold), DuplicatePair, empty="No likely duplicates.")


@app.command("merge")
def merge(
    ctx: typer.Context,
    keep: Annotated[str, typer.Argument(metavar="KEEP", help="The contact to keep (id, email or name)",
        click_type=CONTACT)],
    other: Annotated[str, typer.Argument(metavar="OTHER", help="The contact merged into KEEP, then deleted",
        click_type=CONTACT)],
    yes: YesOption = False,
    fmt: FormatOption = None, as_json: JsonOption = False,
) -> None:  # fmt: skip
    """Merge a duplicate contact into another.

    Moves OTHER's interactions, reminders, stage history, emails, phones, tags
    and fields onto KEEP, fills KEEP's empty organisation, birthday and note,
    then deletes OTHER; all in one transaction. Prints what it did.

    \b
    Example:
      minicrm merge 12 31 --yes
    """
    from minicrm.services import contacts, duplicates

    run = Run(ctx, fmt, as_json)
    kept, merged = contacts.resolve(run.store, keep), contacts.resolve(run.store, other)
    if kept.id != merged.id and not yes:
        confirm(f"Merge {merged.name} (#{merged.id}) into {kept.name} (#{kept.id}) and delete #{merged.id}?",
                f"{merged.name} (#{merged.id}) into {kept.name} (#{kept.id})", "merge")  # fmt: skip
    _, result = duplicates.merge(run.store, run.now, kept, merged)
    note(duplicates.describe(result))
    run.one(result)
