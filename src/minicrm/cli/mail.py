"""Mail and calendar commands: mail import, calendar import.

They check the sources, open the store and the --report file, and say what happened;
reading messages and events and logging them are ``minicrm.interchange``'s (``mail``,
``meetings``, ``touches``). The email, mailbox and icalendar modules are imported only here,
inside the commands.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Annotated

import typer

from minicrm.cli.common import Run, note, setting
from minicrm.errors import UsageError

app = typer.Typer()  # the commands declared here; minicrm.cli.COMMANDS routes to them

mail_app = typer.Typer(
    help="Mail: log e-mails with known contacts, once each.\n\n\b\nExample:\n"
    "  minicrm mail import ~/mail/archive.mbox --me me@example.com",
    no_args_is_help=True, rich_markup_mode=None,
)  # fmt: skip
app.add_typer(mail_app, name="mail")

calendar_app = typer.Typer(
    help="Calendar: log meetings with known contacts, once each.\n\n\b\nExample:\n"
    "  minicrm calendar import ~/calendar.ics --remind",
    no_args_is_help=True, rich_markup_mode=None,
)  # fmt: skip
app.add_typer(calendar_app, name="calendar")

DryRunOption = Annotated[bool, typer.Option("--dry-run", "-n", help="Count and report what would happen; change nothing")]
ReportOption = Annotated[str | None, typer.Option("--report", metavar="FILE",
    help="Write one tab-separated line per item: where, outcome, detail, time, key, subject")]  # fmt: skip


@contextmanager
def _report(path: str | None, database: Path) -> Iterator[IO[str] | None]:
    """The --report file, created readable by you alone and moved into place once complete; else None."""
    if not path:
        yield None
        return
    from minicrm.safefile import atomic_output

    with atomic_output(path, database, what="--report") as out:
        yield out


def _addresses(run: Run, given: list[str] | None) -> set[str]:
    """Your own addresses: --me, else the mail.me setting."""
    from minicrm.services import settings

    text = ", ".join(given) if given else setting(run, "mail.me")
    return set(settings.check_addresses(text).split(", ")) if text else set()


@mail_app.command("import")
def mail_import(
    ctx: typer.Context,
    sources: Annotated[list[str], typer.Argument(metavar="SOURCE...",
        help="An mbox file, a Maildir folder, a .eml file, or a folder of .eml files")],
    me: Annotated[list[str] | None, typer.Option("--me", metavar="ADDRESS",
        help="Your own address, to tell sent from received; repeatable [default: minicrm config mail.me]")] = None,
    since: Annotated[str | None, typer.Option("--since", metavar="WHEN",
        help="Only messages from this day on, e.g. 2026-01-01 or 30d")] = None,
    create_contacts: Annotated[bool, typer.Option("--create-contacts",
        help="Make unknown correspondents contacts (awareness stage); never for mailing lists or bulk mail")] = False,
    dry_run: DryRunOption = False,
    report: ReportOption = None,
) -> None:  # fmt: skip
    """Log e-mails with known contacts as interactions, once each.

    Every message whose From, To or Cc holds a contact's address is logged as an
    email interaction for that contact, at the message's date, with its subject
    and the first part of its text (quotes and signature trimmed). The same
    message is never logged twice, however often you import it. Every message is
    counted: logged, already logged, no known contact, bulk, or unreadable (with
    the reason); --report lists each.

    \b
    Example:
      minicrm mail import ~/mail/archive.mbox --me me@example.com
      minicrm mail import ~/Maildir/cur ~/Downloads/quote.eml --since 2026-01-01
      minicrm mail import sent.mbox --create-contacts --dry-run --report out.tsv
    """
    from minicrm import dates
    from minicrm.interchange import mail, touches

    found = mail.sources(sources)
    run = Run(ctx)
    start = dates.parse_when(since, run.now, prefer="past").start() if since else None
    mine = _addresses(run, me)
    if create_contacts and not mine:
        raise UsageError("--create-contacts needs your own address, so that you do not become a contact",
                         "Give --me ADDRESS, or set it once: minicrm config mail.me ADDRESS")  # fmt: skip
    store = run.store
    messages = (item for path, kind in found for item in mail.scan(path, kind))
    with _report(report, store.path) as out:
        tally = touches.log_mail(store, run.now, messages, touches.Tally(out), me=mine, since=start,
                                 create=create_contacts, dry_run=dry_run)  # fmt: skip
    _tell(tally, dry_run, touches.MAIL_OUTCOMES)
    if not mine and tally.counts["logged"]:
        note("Tip: give --me ADDRESS (or minicrm config mail.me ADDRESS) to tell sent mail from received.")


@calendar_app.command("import")
def calendar_import(
    ctx: typer.Context,
    file: Annotated[str, typer.Argument(metavar="FILE.ics", help="An iCalendar file")],
    remind: Annotated[bool, typer.Option("--remind",
        help="Make future events with known contacts reminders on their day and time")] = False,
    dry_run: DryRunOption = False,
    report: ReportOption = None,
) -> None:  # fmt: skip
    """Log meetings with known contacts as interactions, once each.

    Every event whose organiser or attendees include a contact's address is
    logged as a meeting for that contact, at its start; a repeating event once
    for each occurrence held. Importing the same calendar again logs nothing
    new (events are known by UID and RECURRENCE-ID). Future events are counted,
    or become reminders with --remind.

    \b
    Example:
      minicrm calendar import ~/calendar.ics
      minicrm calendar import work.ics --remind --report out.tsv
    """
    from minicrm.interchange import meetings, touches

    events = meetings.read(file)
    run = Run(ctx)
    store = run.store
    with _report(report, store.path) as out:
        tally = touches.log_events(store, run.now, meetings.scan(events, run.now, file), touches.Tally(out, "event"),
                                   remind=remind, dry_run=dry_run)  # fmt: skip
    _tell(tally, dry_run, touches.EVENT_OUTCOMES)


def _tell(tally, dry_run: bool, always: tuple[str, ...]) -> None:  # noqa: ANN001
    n = len(tally.created)
    made = f" {'Would create' if dry_run else 'Created'} {n} {'contact' if n == 1 else 'contacts'}." if n else ""
    if dry_run:
        note(f"Dry run, nothing changed: {tally.summary(always)}.{made}")
    else:
        note(f"{tally.summary(always)}.{made}")
