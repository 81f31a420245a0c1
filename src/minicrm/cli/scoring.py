"""The score command: a contact's score, or the weights behind it."""

from typing import Annotated

import typer

from minicrm.cli.common import CONTACT, FormatOption, JsonOption, Run

app = typer.Typer()  # the commands declared here; minicrm.cli.COMMANDS routes to them


@app.command("score")
def score(
    ctx: typer.Context,
    contact: Annotated[str | None, typer.Argument(metavar="[CONTACT]", help="Whose score", click_type=CONTACT)] = None,
    explain: Annotated[bool, typer.Option("--explain", help="Show where each point came from")] = False,
    set_: Annotated[list[str] | None, typer.Option("--set", metavar="NAME=WEIGHT",
        help="Change a weight (repeatable): recency=40, tag:vip=10, tag:vip=off")] = None,
    fmt: FormatOption = None, as_json: JsonOption = False,
) -> None:  # fmt: skip
    """A contact's score, or the weights behind it.

    Without CONTACT: the weights (change them with --set). minicrm list
    --sort score ranks contacts by it.

    \b
    Example:
      minicrm score --explain ann
      minicrm score --set recency=40 --set tag:vip=10
      minicrm list --sort score --limit 20
    """
    from minicrm.services import contacts, scoring
    from minicrm.errors import UsageError
    from minicrm.models import ScorePart, Weight

    run = Run(ctx, fmt, as_json)
    if set_:
        for pair in set_:
            name, sep, value = pair.partition("=")
            if not sep:
                raise UsageError(f"{pair!r} is not NAME=WEIGHT", "E.g. --set recency=40")
            scoring.set_weight(run.store, name, value)
    if contact is None:
        run.many(scoring.weights(run.store), Weight)
        return
    parts = scoring.breakdown(run.store, run.now, contacts.resolve(run.store, contact))
    run.many(parts if explain else parts[-1:], ScorePart)
