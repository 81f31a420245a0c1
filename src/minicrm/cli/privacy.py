"""People's rights: consent, access, forget."""

import sys
from typing import Annotated

import typer

from minicrm.cli import common
from minicrm.cli.common import ContactArg, FormatOption, JsonOption, Run, YesOption, note

app = typer.Typer()  # the commands declared here; minicrm.cli.COMMANDS routes to them



@app.command("consent")
def consent(
    ctx: typer.Context, contact: ContactArg,
    action: Annotated[str | None, typer.Argument(metavar="[grant|revoke]",
        help="Record a grant or a revocation; without it, show the history")] = None,
    purpose: Annotated[str | None, typer.Argument(metavar="[PURPOSE]",
        help="What for, one word: email-marketing, sms, newsletter...")] = None,
    source: Annotated[str | None, typer.Option("--source", metavar="TEXT",
        help="How it was given, e.g. \"signup form\" or \"phone call\"")] = None,
    at: Annotated[str | None, typer.Option("--at", metavar="WHEN", help="When it was given [default: now]")] = None,
    fmt: FormatOption = None, as_json: JsonOption = False,
) -> None:  # fmt: skip
    """Record or show consent for a purpose.

    Every grant and revocation is kept; the latest per purpose is what
    counts (minicrm show, minicrm list --consent PURPOSE).

    \b
    Example:
      minicrm consent ann grant email-marketing --source "signup form"
      minicrm consent ann revoke sms --at yesterday
      minicrm consent ann
    """
    from minicrm.services import contacts, privacy
    from minicrm.errors import UsageError
    from minicrm.models import Consent

    run = Run(ctx, fmt, as_json)
    found = contacts.resolve(run.store, contact)
    if action is None:
        if source is not None or at is not None:
            raise UsageError("--source and --at go with grant or revoke", "E.g. minicrm consent ann grant sms")
        run.many(privacy.consent_history(run.store, found), Consent,
                 empty=f"No consent recorded for {found.name}.")  # fmt: skip
        return
    if purpose is None:
        raise UsageError(f"{action} what?", f"Give a purpose, e.g. minicrm consent {contact} {action} email-marketing")
    run.one(privacy.record_consent(run.store, run.now, found, action, purpose, source=source, at=at,
                                   date_order=run.date_order(at)))  # fmt: skip


@app.command("access")
def access(ctx: typer.Context, contact: ContactArg) -> None:
    """Everything held about one person, as JSON.

    Contact details, every interaction and reminder, the consent and stage
    history, and the audit trail of changes to them: the answer to a
    data-subject access request. Always JSON.

    \b
    Example:
      minicrm access ann@example.com > ann-lee-access.json
    """
    from minicrm import render
    from minicrm.services import contacts, privacy

    run = Run(ctx, "json")
    found = contacts.resolve(run.store, contact)
    render.write_one(privacy.access_report(run.store, run.now, found), "json", sys.stdout)


@app.command("forget")
def forget(
    ctx: typer.Context, contact: ContactArg,
    yes: YesOption = False,
) -> None:  # fmt: skip
    """Erase a person for good (cannot be undone).

    Removes them from every table, the search indexes and the audit trail
    (with the copies merged into them, or removed with rm: an email, phone
    or uid of a contact that no longer exists erases what the audit trail
    still holds of them), and wipes the freed space in the database file. Amounts they paid stay,
    without text, on an anonymous "(erased people)" contact so totals still
    add up. Their emails and phones are kept only as salted hashes, so adding
    them again is refused unless add --force. Backups made before keep them.

    \b
    Example:
      minicrm forget ann@example.com          # asks on a terminal
      minicrm forget 12 --yes                 # in scripts
    """
    from minicrm.errors import NotFound
    from minicrm.services import contacts, privacy

    run = Run(ctx)
    try:
        found = contacts.resolve(run.store, contact)
    except NotFound:  # removed or merged away: the audit trail may still hold them
        removed = privacy.removed_person(run.store, contact)
        if removed is None:
            raise
        found = None
    who = f"{found.name} (#{found.id})" if found else f"what the audit trail holds of {contact}"
    if not yes:
        common.confirm(f"Erase {who} for good? This cannot be undone", who, "erase")
    done = privacy.forget(run.store, run.now, found) if found else privacy.forget_removed(run.store, run.now, removed)
    kept = f"; {done.amounts_kept} amounts kept anonymously" if done.amounts_kept else ""
    note(f"Erased {done.name} (#{done.contact_id}){kept}. This cannot be undone: minicrm undo will not "
         "bring them back. Backups made before now still hold them.")  # fmt: skip
    if not done.files_scrubbed:
        note("Warning: another program was reading the database, so old copies of the erased data may "
             "remain in the file's free space or its -wal file. When nothing else uses it, run: "
             f"sqlite3 {run.store.path} VACUUM")  # fmt: skip
