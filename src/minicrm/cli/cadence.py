"""The cadence command: keep in touch every PERIOD."""

from typing import Annotated

import typer

from minicrm.cli.common import CONTACT, FormatOption, JsonOption, Run, completes, note

app = typer.Typer()  # the commands declared here; minicrm.cli.COMMANDS routes to them


@app.command("cadence")
def cadence(
    ctx: typer.Context,
    contact: Annotated[str | None, typer.Argument(metavar="[CONTACT]",
        help="An id, an exact email, or a name or part of one", click_type=CONTACT)] = None,
    period: Annotated[str | None, typer.Argument(metavar="PERIOD", help="30d, 2w, 3m (30 days) or off")] = None,
    tag: Annotated[str | None, typer.Option("--tag", "-t", help="Set it for everyone with this tag",
        autocompletion=completes("tags"))] = None,
    fmt: FormatOption = None, as_json: JsonOption = False,
) -> None:  # fmt: skip
    """Keep in touch with a contact or a tag every PERIOD.

    When their last interaction is older than the cadence, minicrm due lists
    them as "get in touch". A contact's own cadence beats their tags'; with
    several tagged cadences the shortest applies.

    \b
    Example:
      minicrm cadence ann 30d
      minicrm cadence --tag vip 14d
      minicrm cadence ann off
    """
    from minicrm.services import cadence, contacts
    from minicrm.errors import UsageError

    run = Run(ctx, fmt, as_json)
    if tag is not None:
        if period is not None:
            raise UsageError("with --tag give only the PERIOD", "E.g. minicrm cadence --tag vip 14d")
        if contact is None:
            raise UsageError("give a PERIOD", "E.g. minicrm cadence --tag vip 14d")
        result = cadence.change(run.store, run.now, contact, tag=tag)
    else:
        if contact is None or period is None:
            raise UsageError("give a CONTACT and a PERIOD", "E.g. minicrm cadence ann 30d")
        found = contacts.resolve(run.store, contact)
        result = cadence.change(run.store, run.now, period, contact=found)
    run.one(result)
    if result.target == "tag":
        note(f"Cadence for tag {result.name}: " + (f"every {result.days} days." if result.days else "off."))
