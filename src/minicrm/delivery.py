"""Delivering a message: the channels of ``minicrm digest --send``.

``notify`` (a desktop notification through ``notify-send``), ``mail`` (the standard
library's ``smtplib``) and ``command`` (the message on a program's standard input, for chat
webhooks, ntfy, Telegram bots and anything else a script can reach). Each returns when the
message is delivered and raises ``MiniCrmError`` with one line saying what went wrong and
what to do; nothing here reads the database, the clock or the environment (the caller
passes the mail settings and the password in). Standard library only, imported when used.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from minicrm.errors import InvalidValue, MiniCrmError

TIMEOUT = 60  # seconds a channel may take before it counts as failed


class Mail(NamedTuple):
    """Where and how to mail: the ``mail.*`` settings, and the password from outside the database."""

    host: str
    port: int
    security: str  # starttls | tls | none
    sender: str
    to: tuple[str, ...]
    user: str | None = None
    password: str | None = None


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1][:200] if lines else ""


def command(prog: str, message: str) -> str:
    """Run ``prog`` (split as a shell would, but run without one) with ``message`` on its
    standard input; its standard output is returned."""
    import shlex
    import subprocess

    try:
        argv = shlex.split(prog)
    except ValueError as error:
        raise InvalidValue(f"cannot read the command {prog!r} ({error})", "Quote it as a shell would") from None
    if not argv:
        raise InvalidValue("command: needs a program", "E.g. --send 'command:curl -sd @- ntfy.sh/mytopic'")
    try:
        done = subprocess.run(argv, input=message, capture_output=True, text=True, timeout=TIMEOUT, check=False)
    except FileNotFoundError:
        raise MiniCrmError(f"command:{prog}: there is no program {argv[0]!r}",
                           "Check its name, or give its full path") from None  # fmt: skip
    except PermissionError:
        raise MiniCrmError(f"command:{prog}: {argv[0]!r} cannot be run", "Check that it is executable") from None
    except subprocess.TimeoutExpired:
        raise MiniCrmError(f"command:{prog} did not finish within {TIMEOUT} s", "Check the program by hand") from None
    if done.returncode != 0:
        said = _last_line(done.stderr) or _last_line(done.stdout)
        raise MiniCrmError(f"command:{prog} failed with exit code {done.returncode}" + (f" ({said})" if said else ""),
                           "Run it by hand: minicrm digest | " + prog)  # fmt: skip
    return done.stdout


def notify(title: str, body: str) -> None:
    """A desktop notification, through ``notify-send`` (libnotify)."""
    import shutil
    import subprocess

    program = shutil.which("notify-send")
    if program is None:
        raise MiniCrmError("notify: notify-send is not installed",
                           "Install it (Debian/Ubuntu: apt install libnotify-bin) or use another channel")  # fmt: skip
    try:
        done = subprocess.run([program, "--app-name=minicrm", "--", title, body], capture_output=True, text=True,
                              timeout=TIMEOUT, check=False)  # fmt: skip
    except subprocess.TimeoutExpired:
        raise MiniCrmError("notify: notify-send did not finish", "Is a desktop session running?") from None
    if done.returncode != 0:
        said = _last_line(done.stderr)
        raise MiniCrmError("notify: notify-send failed" + (f" ({said})" if said else ""),
                           "Is a desktop session running? (cron needs DBUS_SESSION_BUS_ADDRESS)")  # fmt: skip


def compose(mail: Mail, subject: str, text: str, html: str | None, now: datetime):  # noqa: ANN201 (EmailMessage)
    """The message: plain text, and the HTML page as its alternative when given."""
    from email.message import EmailMessage
    from email.utils import format_datetime, make_msgid

    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = mail.sender
    message["To"] = ", ".join(mail.to)
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid(domain=mail.sender.rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to it
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    return message


def mail(settings: Mail, subject: str, text: str, html: str | None, now: datetime) -> None:
    """Send the message through the SMTP server of ``settings``."""
    import smtplib
    import ssl

    where = f"{settings.host}:{settings.port}"
    message = compose(settings, subject, text, html, now)
    try:
        if settings.security == "tls":
            server = smtplib.SMTP_SSL(settings.host, settings.port, timeout=TIMEOUT,
                                      context=ssl.create_default_context())  # fmt: skip
        else:
            server = smtplib.SMTP(settings.host, settings.port, timeout=TIMEOUT)
        with server:
            if settings.security == "starttls":
                server.starttls(context=ssl.create_default_context())
            if settings.user:
                server.login(settings.user, settings.password or "")
            refused = server.send_message(message)
    except smtplib.SMTPNotSupportedError:
        raise MiniCrmError(f"mail: {where} does not offer STARTTLS",
                           "Set minicrm config mail.security tls (port 465), or none for a server on this machine"
                           ) from None  # fmt: skip
    except smtplib.SMTPAuthenticationError as error:
        raise MiniCrmError(f"mail: {where} refused the login of {settings.user} ({_smtp_reason(error)})",
                           "Check mail.user and the password") from None  # fmt: skip
    except smtplib.SMTPRecipientsRefused as error:
        raise MiniCrmError(f"mail: {where} refused every recipient ({', '.join(error.recipients)})",
                           "Check minicrm config mail.to") from None  # fmt: skip
    except smtplib.SMTPResponseException as error:
        raise MiniCrmError(f"mail: {where} answered {error.smtp_code} ({_smtp_reason(error)})",
                           "Check the mail.* settings: minicrm config") from None  # fmt: skip
    except (smtplib.SMTPException, ssl.SSLError, OSError) as error:
        reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
        raise MiniCrmError(f"mail: cannot send through {where} ({reason})",
                           "Check mail.host, mail.port and mail.security: minicrm config") from None  # fmt: skip
    if refused:
        raise MiniCrmError(f"mail: {where} refused {', '.join(refused)} (the others got it)",
                           "Check minicrm config mail.to")  # fmt: skip


def _smtp_reason(error: Exception) -> str:
    said = getattr(error, "smtp_error", b"")
    text = said.decode("utf-8", "replace") if isinstance(said, bytes) else str(said)
    return " ".join(text.split())[:200] or type(error).__name__
