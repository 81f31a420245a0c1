"""The digest: the day's work as one message, printed or sent."""

import sys
from typing import Annotated

import typer

from minicrm.cli.common import JsonOption, Run, note

app = typer.Typer()  # the commands declared here; minicrm.cli.COMMANDS routes to them


@app.command("digest")
def digest(
    ctx: typer.Context,
    day: Annotated[str | None, typer.Option("--for", metavar="DAY",
        help="The day to digest [default: today], e.g. tomorrow or mon")] = None,
    week: Annotated[bool, typer.Option("--week", help="Everything due in the next 7 days, overdue included")] = False,
    fmt: Annotated[str | None, typer.Option("--format", "-f", metavar="FORMAT",
        help="text, markdown, html or json [default: text]")] = None,
    as_json: JsonOption = False,
    send: Annotated[list[str] | None, typer.Option("--send", metavar="CHANNEL",
        help="Deliver it (repeatable): notify, mail or command:PROG")] = None,
    again: Annotated[bool, typer.Option("--again", help="Send even to a channel that had this day's digest")] = False,
    log: Annotated[bool, typer.Option("--log", help="List the digests sent, newest first")] = False,
) -> None:  # fmt: skip
    """The day's work as one message, for cron or a systemd timer.

    The items of minicrm due (--week: of minicrm due --week) with the day and
    the counts, as plain text, Markdown, a small HTML page or JSON. Without
    --send it is printed. Each --send channel gets a day's digest once: a
    second run that day sends nothing unless --again. mail sends text with the
    HTML page as its alternative, through the mail.* settings of minicrm config
    (the password from $MINICRM_MAIL_PASSWORD or mail.password_file, never the
    database); command:PROG gets the message on its standard input. A failing
    channel is one line on stderr and exit 1; the others are still tried. See
    docs/digest.md for cron and systemd.

    \b
    Example:
      minicrm digest
      minicrm digest --send mail --send 'command:curl -s -H "Title: minicrm" -d @- ntfy.sh/my-crm'
      minicrm digest --week --format html > week.html
      minicrm digest --log
    """
    from minicrm.services import digest as digests

    if log:
        from minicrm.models import DigestSent

        run = Run(ctx, fmt, as_json)
        run.many(digests.log(run.store), DigestSent, empty="No digest sent yet. Try: minicrm digest --send mail")
        return
    run = Run(ctx)
    state = ctx.obj
    if fmt:
        chosen = digests.check_format(fmt)
        if as_json and chosen != "json":
            from minicrm.errors import UsageError

            raise UsageError(f"--json and --format {fmt} disagree", "Give one of them")
    else:
        chosen = "json" if as_json or state.as_json or (state.fmt or "").lower() == "json" else "text"
    when = None
    if day is not None:
        from minicrm import dates

        when = dates.parse_when(day, run.now, prefer="future").day
    channels = [digests.check_channel(c) for c in send or ()]
    found = digests.build(run.store, run.now, when, week)

    from minicrm.render import digest as writer

    text = writer.message(found, chosen)
    if not channels:
        sys.stdout.write(text)
        return

    def deliver(channel: str) -> None:
        from minicrm import delivery

        if channel == "notify":
            delivery.notify(writer.subject(found), writer.text(found) if chosen == "json" else text)
        elif channel == "mail":
            body = text if chosen in ("text", "markdown") else writer.text(found)
            delivery.mail(mail_settings(run), writer.subject(found), body, writer.html(found), run.now)
        else:
            out = delivery.command(channel.partition(":")[2], text)
            sys.stdout.write(out)
            sys.stdout.flush()

    outcomes = digests.send(run.store, run.now, found, channels, chosen, deliver, again=again)
    failed = False
    for outcome in outcomes:
        if outcome.status == "sent":
            note(f"Sent the digest ({len(found.items)} items) to {outcome.channel}.")
        elif outcome.status == "skipped":
            note(f"{outcome.channel} already had the digest of {found.day:%a %d %b}; --again sends it anyway.")
        else:
            failed = True
            from minicrm.cli import safe

            typer.echo(f"Error: {safe(str(outcome.error))}", err=True)
    if failed:
        raise typer.Exit(1)


def mail_settings(run: Run):  # noqa: ANN201 (delivery.Mail)
    """The mail channel's settings, and the password from the environment or the file
    mail.password_file names (never from the database)."""
    import os
    from pathlib import Path

    from minicrm.delivery import Mail
    from minicrm.errors import MiniCrmError
    from minicrm.services import settings

    def get(key: str) -> str | None:
        return settings.value(run.store, key, os.environ)

    for key, example in (("mail.host", "smtp.example.com"), ("mail.from", "crm@example.com"),
                         ("mail.to", "me@example.com")):  # fmt: skip
        if not get(key):
            raise MiniCrmError(f"mail: {key} is not set", f"Set it: minicrm config {key} {example}")
    user = get("mail.user")
    password = os.environ.get(settings.MAIL_PASSWORD_ENV) or None
    path = get("mail.password_file")
    if password is None and path:
        try:
            password = Path(path).expanduser().read_text(encoding="utf-8").rstrip("\r\n")
        except (OSError, UnicodeDecodeError) as error:
            raise MiniCrmError(f"mail: cannot read the password file {path} "
                               f"({getattr(error, 'strerror', None) or error})",
                               "Check mail.password_file, or set $" + settings.MAIL_PASSWORD_ENV) from None  # fmt: skip
    if user and not password:
        raise MiniCrmError(f"mail: mail.user is {user} but there is no password",
                           f"Set ${settings.MAIL_PASSWORD_ENV}, or minicrm config mail.password_file PATH")  # fmt: skip
    return Mail(get("mail.host"), int(get("mail.port") or 587), get("mail.security") or "starttls", get("mail.from"),
                tuple(a.strip() for a in get("mail.to").split(",")), user, password)  # fmt: skip
