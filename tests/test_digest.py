"""minicrm digest: the message in four formats, delivery once per day and channel, the log,
a failing channel, and mail through a real SMTP server on loopback (aiosmtpd)."""

from __future__ import annotations

import email
import email.policy
import json
import os
import socket
import subprocess
import sys

import pytest


@pytest.fixture
def demo(cli):
    cli.ok("demo")
    return cli


def test_text_digest_lists_what_due_lists(demo):
    due = demo.ok("due", "--json").json()
    out = demo.ok("digest")
    assert out.stdout.startswith("minicrm · Wednesday 18 November 2026\n")
    assert f"{len(due)} to do: " in out.stdout
    for item in due:
        assert item["item_id"] in out.stdout
        assert item["contact_name"] in out.stdout
    assert "\x1b" not in out.stdout  # plain: no colour, even on a terminal
    assert "\x1b" not in demo.ok("digest", tty=True).stdout


def test_json_digest_is_due_json_plus_counts(demo):
    due = demo.ok("due", "--json").json()
    document = demo.ok("digest", "--json").json()
    assert document["items"] == due
    assert document["day"] == document["last"] == "2026-11-18"
    assert document["counts"]["total"] == len(due)
    assert document["counts"]["overdue"] == sum(i["state"] == "overdue" for i in due)
    assert demo.ok("--json", "digest").json() == document  # the global --json too
    assert demo.ok("digest", "--format", "json").json() == document


def test_week_and_another_day(demo):
    week = demo.ok("digest", "--week", "--json").json()
    assert week["span"] == "week" and week["last"] == "2026-11-25"
    assert week["items"] == demo.ok("due", "--week", "--json").json()
    tomorrow = demo.ok("digest", "--for", "tomorrow", "--json").json()
    assert tomorrow["day"] == "2026-11-19"
    assert demo.ok("digest", "--for", "tomorrow").stdout.startswith("minicrm · Thursday 19 November 2026")


def test_user_text_is_escaped_in_html_and_markdown(cli):
    cli.ok("add", "<script>alert(1)</script> *Bold*")
    cli.ok("remind", "<script>alert(1)</script> *Bold*", "<b>call</b> & [link](http://x)", "--on", "today")
    page = cli.ok("digest", "--format", "html").stdout
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert "<script>" not in page and "<b>" not in page
    assert "&lt;script&gt;" in page and "&lt;b&gt;call&lt;/b&gt; &amp;" in page
    md = cli.ok("digest", "--format", "markdown").stdout
    assert r"\*Bold\*" in md and r"\[link\]" in md and r"\<b\>" in md


def test_empty_day(cli):
    out = cli.ok("digest")
    assert "Nothing due." in out.stdout


def test_bad_format_and_channel_are_refused_before_anything_is_sent(demo):
    bad = demo("digest", "--format", "pdf")
    assert bad.exit_code == 2 and bad.stdout == ""
    assert bad.stderr.strip().splitlines() == ["Error: 'pdf' is not a digest format. Use one of: text, markdown, html, json"]
    bad = demo("digest", "--send", "command:cat", "--send", "pigeon")
    assert bad.exit_code == 2 and bad.stdout == "" and "'pigeon' is not a channel" in bad.stderr
    assert demo.ok("digest", "--log", "--json").json() == []


def test_command_channel_once_a_day(demo):
    first = demo.ok("digest", "--send", "command:cat")
    assert first.stdout == demo.ok("digest").stdout  # cat printed the message, once
    assert "Sent the digest" in first.stderr
    second = demo.ok("digest", "--send", "command:cat")
    assert second.stdout == ""
    assert "already had the digest" in second.stderr
    again = demo.ok("digest", "--send", "command:cat", "--again")
    assert again.stdout == first.stdout
    # another day, another span, another channel: each its own
    assert demo.ok("digest", "--week", "--send", "command:cat").stdout.startswith("minicrm · Week of")
    assert demo.ok("digest", "--for", "tomorrow", "--send", "command:cat").stdout != ""
    log = demo.ok("digest", "--log", "--json").json()
    assert [(e["day"], e["span"], e["channel"]) for e in log].count(("2026-11-18", "day", "command:cat")) == 2
    assert {e["items"] for e in log if e["span"] == "day" and e["day"] == "2026-11-18"} == {len(
        demo.ok("due", "--json").json())}
    assert all(e["format"] == "text" for e in log)


def test_done_when_command_cat_as_a_shell_runs_it(demo, isolated):
    """`minicrm digest --send command:cat` prints the day's message once, nothing on a second run."""
    env = {**os.environ, "MINICRM_DB": str(isolated)}
    run = [sys.executable, "-m", "minicrm", "digest", "--send", "command:cat"]
    first = subprocess.run(run, env=env, capture_output=True, text=True, check=True)
    assert first.stdout.startswith("minicrm · Wednesday 18 November 2026\n")
    assert first.stdout.count("minicrm · ") == 1
    second = subprocess.run(run, env=env, capture_output=True, text=True, check=True)
    assert second.stdout == ""


def test_a_failing_channel_is_one_line_and_the_others_are_still_tried(demo, tmp_path):
    kept = tmp_path / "kept.txt"
    result = demo("digest", "--send", "command:false", "--send", f"command:tee {kept}",
                  "--send", "command:no-such-program-here")  # fmt: skip
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert errors == ["Error: command:false failed with exit code 1. Run it by hand: minicrm digest | false",
                      "Error: command:no-such-program-here: there is no program 'no-such-program-here'. "
                      "Check its name, or give its full path"]  # fmt: skip
    assert kept.read_text() == demo.ok("digest").stdout
    assert [e["channel"] for e in demo.ok("digest", "--log", "--json").json()] == [f"command:tee {kept}"]
    # the failed ones are not recorded: the next run tries them again, and skips the one that worked
    retry = demo("digest", "--send", "command:false", "--send", f"command:tee {kept}")
    assert retry.exit_code == 1 and "already had" in retry.stderr and "command:false failed" in retry.stderr


def test_notify_without_notify_send_is_a_clear_error(demo, tmp_path):
    result = demo("digest", "--send", "notify", env={"PATH": str(tmp_path)})
    assert result.exit_code == 1
    assert result.stderr.strip() == ("Error: notify: notify-send is not installed. Install it (Debian/Ubuntu: "
                                     "apt install libnotify-bin) or use another channel")  # fmt: skip


def test_notify_runs_notify_send(demo, tmp_path):
    """A stand-in notify-send on PATH that records its arguments (the real one needs a desktop)."""
    seen = tmp_path / "seen"
    fake = tmp_path / "notify-send"
    fake.write_text(f"#!/bin/sh\nprintf '%s\\n' \"$@\" > {seen}\n")
    fake.chmod(0o755)
    demo.ok("digest", "--send", "notify", env={"PATH": f"{tmp_path}:/usr/bin:/bin"})
    args = seen.read_text().splitlines()
    assert args[0] == "--app-name=minicrm" and args[2].startswith("minicrm: 7 to do: ")


# ------------------------------------------------------------------ mail, through a real SMTP server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """What the loopback server received."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []
        self.logins: list[tuple[bytes, bytes]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 OK"

    def __call__(self, server, session, envelope, mechanism, auth_data):  # an authenticator
        from aiosmtpd.smtp import AuthResult

        self.logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == b"s3cret")


@pytest.fixture
def smtp():
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, authenticator=inbox,
                            auth_require_tls=False)  # fmt: skip
    controller.start()
    inbox.port = port
    yield inbox
    controller.stop()


def configure(cli, port: int) -> None:
    for key, value in (("mail.host", "127.0.0.1"), ("mail.port", str(port)), ("mail.security", "none"),
                       ("mail.from", "crm@example.com"), ("mail.to", "me@example.com, boss@example.com")):
        cli.ok("config", key, value)


def test_mail_arrives_once_well_formed(demo, smtp):
    configure(demo, smtp.port)
    result = demo.ok("digest", "--send", "mail")
    assert result.stdout == "" and "Sent the digest (7 items) to mail." in result.stderr
    assert demo.ok("digest", "--send", "mail").stderr.startswith("mail already had")
    assert len(smtp.messages) == 1
    sender, recipients, raw = smtp.messages[0]
    assert sender == "crm@example.com" and recipients == ["me@example.com", "boss@example.com"]
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["Subject"] == "minicrm: 7 to do: 4 overdue, 3 today (Wednesday 18 November 2026)"
    assert message["From"] == "crm@example.com" and message["To"] == "me@example.com, boss@example.com"
    assert message["Date"] and message["Message-ID"] and message["Auto-Submitted"] == "auto-generated"
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert text == demo.ok("digest").stdout
    page = message.get_body(("html",)).get_content()
    assert "<h1>minicrm · Wednesday 18 November 2026</h1>" in page and "Maria Gonzalez" in page
    assert smtp.logins == []


def test_mail_password_from_a_file_or_the_environment_never_the_database(demo, smtp, tmp_path, isolated):
    configure(demo, smtp.port)
    demo.ok("config", "mail.user", "ann")
    missing = demo("digest", "--send", "mail")
    assert missing.exit_code == 1 and "mail.user is ann but there is no password" in missing.stderr
    secret = tmp_path / "password"
    secret.write_text("s3cret\n")
    demo.ok("config", "mail.password_file", str(secret))
    demo.ok("digest", "--send", "mail")
    assert smtp.logins == [(b"ann", b"s3cret")] and len(smtp.messages) == 1
    secret.write_text("not it\n")  # the environment wins over the file
    demo.ok("digest", "--send", "mail", "--again", env={"MINICRM_MAIL_PASSWORD": "s3cret"})
    assert smtp.logins[-1] == (b"ann", b"s3cret") and len(smtp.messages) == 2
    assert b"s3cret" not in isolated.read_bytes()
    refused = demo("config", "mail.password", "s3cret")
    assert refused.exit_code == 1 and "is not a setting" in refused.stderr


def test_mail_failures_are_one_line(demo, smtp):
    missing = demo("digest", "--send", "mail")
    assert missing.exit_code == 1
    assert missing.stderr.strip() == "Error: mail: mail.host is not set. Set it: minicrm config mail.host smtp.example.com"
    configure(demo, free_port())  # nothing listens there
    down = demo("digest", "--send", "mail", "--send", "command:cat")
    assert down.exit_code == 1 and down.stdout.startswith("minicrm · ")
    errors = [line for line in down.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and errors[0].startswith("Error: mail: cannot send through 127.0.0.1:")
    configure(demo, smtp.port)
    demo.ok("config", "mail.security", "starttls")  # aiosmtpd offers no STARTTLS without a certificate
    no_tls = demo("digest", "--send", "mail")
    assert no_tls.exit_code == 1 and "does not offer STARTTLS" in no_tls.stderr
    assert smtp.messages == []


@pytest.mark.parametrize(("key", "value"), [("mail.port", "0"), ("mail.port", "smtp"), ("mail.host", "a b"),
                                            ("mail.security", "ssl3"), ("mail.to", "nobody"),
                                            ("mail.from", "a@example.com, b@example.com"),
                                            ("mail.password_file", "relative/path")])  # fmt: skip
def test_bad_mail_settings_are_refused(cli, key, value):
    result = cli("config", key, value)
    assert result.exit_code == 1 and result.stderr.count("\n") == 1 and result.stdout == ""
    assert json.loads(cli.ok("config", key, "--json").stdout)["source"] != "database"


# ------------------------------------------------------------------ docs/digest.md: cron and systemd as written

DOC = os.path.join(os.path.dirname(__file__), "..", "docs", "digest.md")


def blocks(language: str) -> list[str]:
    import re

    with open(DOC, encoding="utf-8") as f:
        return re.findall(rf"```{language}\n(.*?)```", f.read(), flags=re.DOTALL)


@pytest.fixture
def home(tmp_path, smtp, monkeypatch):
    """A home whose default database (no MINICRM_DB, as cron and systemd have) has the demo data and mail
    settings pointing at the loopback server, with minicrm where the docs say it is."""
    home = tmp_path / "home"
    (home / ".local" / "bin").mkdir(parents=True)
    (home / ".local" / "bin" / "minicrm").symlink_to(os.path.join(os.path.dirname(sys.executable), "minicrm"))
    env = {"HOME": str(home), "PATH": "/usr/bin:/bin", "MINICRM_NOW": os.environ["MINICRM_NOW"], "TZ": "Europe/Berlin"}
    minicrm = str(home / ".local" / "bin" / "minicrm")
    subprocess.run([minicrm, "demo"], env=env, check=True, capture_output=True)
    for key, value in (("mail.host", "127.0.0.1"), ("mail.port", str(smtp.port)), ("mail.security", "none"),
                       ("mail.from", "crm@example.com"), ("mail.to", "me@example.com")):
        subprocess.run([minicrm, "config", key, value], env=env, check=True, capture_output=True)
    return home, env


def test_the_crontab_line_works_as_written(home, smtp):
    home, env = home
    [line] = [line for block in blocks("crontab") for line in block.splitlines() if line.strip()]
    fields = line.split(None, 5)
    assert fields[:5] == ["30", "7", "*", "*", "1-5"]
    for _ in range(2):  # cron runs the command with /bin/sh, HOME set and a short PATH
        subprocess.run(["/bin/sh", "-c", fields[5]], env={**env, "SHELL": "/bin/sh", "LOGNAME": "me"}, check=True)
    assert len(smtp.messages) == 1
    log = (home / "minicrm-digest.log").read_text()
    assert "Sent the digest (7 items) to mail." in log and "already had the digest" in log


def test_the_systemd_units_work_as_written(home, smtp, tmp_path):
    import shlex
    import shutil

    home, env = home
    units = {}
    for block in blocks("ini"):
        kind = "timer" if "[Timer]" in block else "service"
        units[kind] = block
    assert set(units) == {"service", "timer"} and "OnCalendar=Mon..Fri 07:30" in units["timer"]
    [exec_start] = [line.partition("=")[2] for line in units["service"].splitlines() if line.startswith("ExecStart=")]
    if shutil.which("systemd-analyze"):
        folder = tmp_path / "units"
        folder.mkdir()
        for kind, text in units.items():
            (folder / f"minicrm-digest.{kind}").write_text(text)
        runtime = tmp_path / "run"
        runtime.mkdir(mode=0o700)
        checked = subprocess.run(["systemd-analyze", "--user", "verify", *sorted(str(p) for p in folder.iterdir())],
                                 env={**env, "XDG_RUNTIME_DIR": str(runtime)}, capture_output=True, text=True)  # fmt: skip
        assert checked.returncode == 0, checked.stdout + checked.stderr
    argv = shlex.split(exec_start.replace("%h", str(home)))  # systemd expands %h to the home folder
    subprocess.run(argv, env=env, check=True, capture_output=True)
    assert len(smtp.messages) == 1
