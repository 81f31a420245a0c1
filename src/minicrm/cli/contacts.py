"""Contact commands: add, list, show, edit, rm, stage."""

from typing import Annotated

import typer

from minicrm.cli import common
from minicrm.cli.common import AllOption, CONTACT, ContactArg, FormatOption, JsonOption, Run, YesOption, completes, note

app = typer.Typer()  # the commands declared here; minicrm.cli.COMMANDS routes to them

Emails = Annotated[list[str] | None, typer.Option("--email", "-e", help="Email address (repeatable)")]
Phones = Annotated[list[str] | None, typer.Option("--phone", "-p",
    help="Phone number (repeatable), stored as +<country><number>; without +, the region's country (minicrm config);"
         " one that cannot be placed is kept as typed, with a warning")]  # fmt: skip
Org = Annotated[str | None, typer.Option("--org", "-o", help="Organisation")]
Tags = Annotated[list[str] | None, typer.Option("--tag", "-t", help="Tag (repeatable)",
        autocompletion=completes("tags"))]
Stage = Annotated[str | None, typer.Option("--stage", "-s",
    help="awareness, consideration, purchase, retention or advocacy", autocompletion=completes("stages"))]  # fmt: skip
Birthday = Annotated[str | None, typer.Option("--birthday", "-b", help="1990-05-17, or 05-17 without a year")]
Note = Annotated[str | None, typer.Option("--note", "-n", help="Free text about the contact")]
Fields = Annotated[list[str] | None, typer.Option("--field", metavar="KEY=VALUE",
    help="Custom field (repeatable); KEY= removes it on edit")]  # fmt: skip


@app.command("add")
def add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(metavar="NAME", help="Full name")],
    email: Emails = None, phone: Phones = None, org: Org = None, tag: Tags = None, stage: Stage = None,
    birthday: Birthday = None, note_: Annotated[str | None, typer.Option("--note", "-n",
        help="Free text about the contact")] = None,
    field: Fields = None,
    force: Annotated[bool, typer.Option("--force", help="Add even a person erased earlier at their request")] = False,
    fmt: FormatOption = None, as_json: JsonOption = False,
) -> None:  # fmt: skip
    """Create a contact; prints it, id first.

    \b
    Example:
      minicrm add "Ann Lee" --email ann@example.com --tag gluten-free --birthday 05-17
      id=$(minicrm add "Bob Stone" --org Acme | cut -f1)
    """
    from minicrm.services import contacts

    run = Run(ctx, fmt, as_json)
    kept: list = []
    contact = contacts.add(run.store, run.now, name, emails=email or (), phones=phone or (),
                           org=org, tags=tag or (), stage=stage, birthday=birthday,
                           note=note_, fields=field or (), region=common.default_region(run),
                           force=force, warnings=kept, date_order=run.date_order(birthday))  # fmt: skip
    common.warn(kept)
    run.one(contact)


@app.command("list")
def list_(
    ctx: typer.Context,
    tag: Tags = None, stage: Stage = None,
    org: Annotated[str | None, typer.Option("--org", "-o", help="Organisation contains this (case and accents ignored)")] = None,
    search: Annotated[str | None, typer.Option("--search", "-q",
        help="Name, organisation, note, email, phone, tag or custom field contains this")] = None,
    stale: Annotated[int | None, typer.Option("--stale", metavar="DAYS",
        help="Only contacts with no interaction in the last DAYS days")] = None,
    sort: Annotated[str, typer.Option("--sort", metavar="FIELD",
        help="name, id, org, stage, created, updated, last_contact or score (highest first); -FIELD reverses")] = "name",
    limit: Annotated[int | None, typer.Option("--limit", "-l", help="At most this many")] = None,
    consent: Annotated[str | None, typer.Option("--consent", metavar="PURPOSE",
        help="Only contacts who currently consent to this purpose")] = None,
    bought: Annotated[str | None, typer.Option("--bought", metavar="PRODUCT",
        help="Only customers who ordered this product, or a product with this tag (e.g. gluten-free)")] = None,
    bought_since: Annotated[str | None, typer.Option("--bought-since", metavar="WHEN",
        help="With --bought: ordered it since then (e.g. \"90 days ago\"; a segment keeps it relative)")] = None,
    segment: Annotated[str | None, typer.Option("--segment", metavar="NAME",
        help="Only contacts in this saved segment (see minicrm segment)")] = None,
    all_: AllOption = False, fmt: FormatOption = None, as_json: JsonOption = False,
) -> None:  # fmt: skip
    """List contacts.

    Sorted by score, each contact shows its score (minicrm score --explain says why).

    \b
    Example:
      minicrm list --tag vip --stale 30
      minicrm list --sort=-last_contact --limit 20 --json | jq '.[].name'
      minicrm list --bought gluten-free --bought-since "90 days ago"
    """
    from minicrm.services import contacts

    run = Run(ctx, fmt, as_json)
    filters = dict(tags=tag or (), stage=stage, org=org, search=search, stale_days=stale, consent=consent,
                   bought=bought, bought_since=bought_since)  # fmt: skip
    filtered = any([tag, stage, org, search, stale is not None, consent, segment, bought])
    if segment:
        from minicrm.services import segments

        filters = segments.merge_filters(segments.saved_filters(run.store, segment), filters)
    run.listing(
        lambda n: contacts.find(run.store, run.now, sort=sort, limit=n, **filters),
        contacts.record_type(sort), limit=limit, show_all=all_,
        count=lambda: contacts.count(run.store, run.now, **filters),
        empty="No contacts match." if filtered
        else 'No contacts yet. Add one: minicrm add "Ann Lee" --email ann@example.com',
    )  # fmt: skip


@app.command("show")
def show(ctx: typer.Context, contact: ContactArg, fmt: FormatOption = None, as_json: JsonOption = False) -> None:
    """Show a contact with reminders and activity.

    Details, open reminders, recent interactions and stage history.

    \b
    Example:
      minicrm show ann
      minicrm show 12 --json | jq .reminders
    """
    from minicrm.services import contacts

    run = Run(ctx, fmt, as_json)
    found = contacts.resolve(run.store, contact)
    run.one(contacts.show(run.store, run.now, found))


Contacts = Annotated[list[str], typer.Argument(metavar="CONTACT...",
    help="Ids, exact emails, or names or parts of one", click_type=CONTACT)]  # fmt: skip


@app.command("edit")
def edit(
    ctx: typer.Context, contact: Contacts,
    name: Annotated[str | None, typer.Option("--name", help="New name")] = None,
    email: Emails = None,
    remove_email: Annotated[list[str] | None, typer.Option("--remove-email", help="Email to remove")] = None,
    phone: Phones = None,
    remove_phone: Annotated[list[str] | None, typer.Option("--remove-phone", help="Phone to remove")] = None,
    org: Annotated[str | None, typer.Option("--org", "-o", help="Organisation (\"\" clears it)")] = None,
    tag: Annotated[list[str] | None, typer.Option("--tag", "-t", help="Tag to add (repeatable)",
        autocompletion=completes("tags"))] = None,
    remove_tag: Annotated[list[str] | None, typer.Option("--remove-tag", help="Tag to remove (repeatable)")] = None,
    stage: Stage = None,
    birthday: Annotated[str | None, typer.Option("--birthday", "-b", help="Birthday (\"\" clears it)")] = None,
    note_: Annotated[str | None, typer.Option("--note", "-n", help="Replace the note (\"\" clears it)")] = None,
    field: Fields = None, fmt: FormatOption = None, as_json: JsonOption = False,
) -> None:  # fmt: skip
    """Change a contact's fields.

    --email, --phone and --tag add to what is there; --remove-* take away.
    Several contacts are changed alike, as one change (one undo).

    \b
    Example:
      minicrm edit ann --tag vip --remove-tag new --phone "+44 20 7946 0958"
      minicrm edit 3 4 5 --tag vip
    """
    from minicrm.models import Contact
    from minicrm.services import contacts

    run = Run(ctx, fmt, as_json)
    found = contacts.resolve_many(run.store, contact)
    kept: list = []
    changed = contacts.edit_many(
        run.store, run.now, found, name=name, emails=email or (), remove_emails=remove_email or (),
        phones=phone or (), remove_phones=remove_phone or (), org=org, tags=tag or (),
        remove_tags=remove_tag or (), stage=stage, birthday=birthday, note=note_, fields=field or (),
        region=common.default_region(run), warnings=kept, date_order=run.date_order(birthday),
    )  # fmt: skip
    common.warn(kept)
    if len(changed) == 1:
        run.one(changed[0])
    else:
        run.many(changed, Contact)


@app.command("rm")
def rm(
    ctx: typer.Context, contact: Contacts,
    yes: YesOption = False,
) -> None:  # fmt: skip
    """Delete a contact and their history.

    Asks first on a terminal; scripts must pass --yes. Several contacts
    are one change: minicrm undo brings them all back.

    \b
    Example:
      minicrm rm 12            # asks on a terminal
      minicrm rm 12 13 --yes   # in scripts
    """
    from minicrm.services import contacts

    run = Run(ctx)
    found = contacts.resolve_many(run.store, contact)
    what = ", ".join(f"{c.name} (#{c.id})" for c in found)
    if not yes:
        common.confirm(f"Delete {what} and all their history?", what,
                       "delete")  # fmt: skip
    contacts.delete_many(run.store, found)
    note(f"Deleted {what}.")


@app.command("stage")
def stage_(
    ctx: typer.Context, contact: ContactArg,
    stage: Annotated[str, typer.Argument(metavar="STAGE",
        help="awareness, consideration, purchase, retention or advocacy", autocompletion=completes("stages"))],
    fmt: FormatOption = None, as_json: JsonOption = False,
) -> None:  # fmt: skip
    """Move a contact to a lifecycle stage.

    The change is kept in their stage history (see minicrm show).

    \b
    Example:
      minicrm stage ann purchase
    """
    from minicrm.services import contacts

    run = Run(ctx, fmt, as_json)
    found = contacts.resolve(run.store, contact)
    changed, moved = contacts.set_stage(run.store, run.now, found, stage)
    if not moved:
        note(f"{changed.name} is already at {changed.stage}.")
    run.one(changed)
