"""The search command: contacts and interaction texts."""

from typing import Annotated

import typer

from minicrm.cli.common import FormatOption, JsonOption, Run

app = typer.Typer()  # the commands declared here; minicrm.cli.COMMANDS routes to them


@app.command("search")
def search(
    ctx: typer.Context,
    text: Annotated[str, typer.Argument(help="Words or part of a name, email, phone, note...")],
    limit: Annotated[int, typer.Option("--limit", "-l", help="At most this many of each kind")] = 50,
    fmt: FormatOption = None, as_json: JsonOption = False,
) -> None:  # fmt: skip
    """Search contacts and interaction texts.

    Contacts match on any 3 characters of their name, organisation, note,
    emails, phones, tags or fields; interactions on every word (as a prefix).
    Best matches first, with the matching part marked «like this».

    \b
    Example:
      minicrm search sourdough
      minicrm search "acme" --json | jq '.[] | select(.kind == "contact") | .id'
    """
    from minicrm.models import SearchHit
    from minicrm.services import search

    run = Run(ctx, fmt, as_json)
    hits = search.find(run.store, text, limit)
    run.many(hits, SearchHit, empty=f'Nothing matches "{text}".')
