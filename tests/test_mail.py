"""mail import: real mbox, Maildir and .eml files built with the standard library, a real database."""

from __future__ import annotations

import base64
import mailbox
import re
import tracemalloc
from email.message import EmailMessage
from email.utils import format_datetime
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from minicrm.interchange import mail

WHEN = datetime(2026, 11, 10, 14, 5, tzinfo=timezone.utc)
SUMMARY = re.compile(
    r"(\d+) messages? scanned: (\d+) logged(?: \(\d+ interactions\))?, (\d+) already logged, "
    r"(?:(\d+) before --since, )?(?:(\d+) future, )?(\d+) no known contact, (\d+) bulk, (\d+) unreadable"
)


def message(frm="Ann Lee <ann@example.com>", to="me@example.org", subject="Quote", body="Hello there.",
            message_id="<q1@example.com>", date=WHEN, cc=None, **headers) -> EmailMessage:  # fmt: skip
    m = EmailMessage()
    m["From"] = frm
    m["To"] = to
    if cc:
        m["Cc"] = cc
    m["Subject"] = subject
    if date is not None:
        m["Date"] = format_datetime(date)
    if message_id:
        m["Message-ID"] = message_id
    for name, value in headers.items():
        m[name.replace("_", "-")] = value
    m.set_content(body)
    return m


def write_mbox(path: Path, messages) -> Path:
    box = mailbox.mbox(path)
    for m in messages:
        box.add(m)
    box.flush()
    box.close()
    return path


def counts(stderr: str) -> dict[str, int]:
    found = SUMMARY.search(stderr)
    assert found, stderr
    scanned, logged, already, since, future, unknown, bulk, unreadable = (int(g or 0) for g in found.groups())
    assert scanned == logged + already + since + future + unknown + bulk + unreadable, stderr
    result = dict(scanned=scanned, logged=logged, already=already, since=since, unknown=unknown, bulk=bulk,
                  unreadable=unreadable)  # fmt: skip
    return {**result, "future": future} if future else result


@pytest.fixture
def ann(cli) -> int:
    return cli.id("add", "Ann Lee", "--email", "ann@example.com")


def history(cli) -> list[dict]:
    return cli.ok("history", "--json").json()


# ------------------------------------------------------------------ the counts and once each


def test_a_mailbox_imported_twice_logs_each_message_once_and_counts_every_message(cli, ann, tmp_path):
    cli.ok("add", "Bob Stone", "--email", "bob@example.net")
    multipart = message(subject="Order", message_id="<multi@x>")
    multipart.add_attachment(b"%PDF-1.4 fake", maintype="application", subtype="pdf", filename="order.pdf")
    html = EmailMessage()
    html["From"], html["To"], html["Subject"] = "ann@example.com", "me@example.org", "Menu"
    html["Date"], html["Message-ID"] = format_datetime(WHEN), "<html@x>"
    html.set_content("<html><head><style>p{}</style></head><body><p>Our <b>new</b> menu</p>"
                     "<div class='gmail_quote'>old quoted text</div></body></html>", subtype="html")  # fmt: skip
    latin = EmailMessage()
    latin["From"], latin["To"], latin["Subject"] = "me@example.org", "=?iso-8859-1?q?Bj=F6rn?= <bob@example.net>", \
        "=?iso-8859-1?q?Gr=FC=DFe_aus_K=F6ln?="
    latin["Date"], latin["Message-ID"] = format_datetime(WHEN), "<latin@x>"
    latin.set_content("Schöne Grüße".encode("latin-1"), maintype="text", subtype="plain",
                      params={"charset": "iso-8859-1"}, cte="quoted-printable")  # fmt: skip
    messages = [
        message(),  # received from Ann
        message(frm="me@example.org", to="Ann <ANN@Example.com>", cc="bob@example.net", message_id="<both@x>"),
        multipart, html, latin,
        message(message_id=None, subject="No id"),  # keyed by a hash of its headers
        message(message_id=None, subject="No id"),  # the same message twice
        message(),  # a duplicate of the first
        message(frm="news@shop.example", to="ann@example.com", List_Id="<news.shop.example>", message_id="<n@x>"),
        message(frm="zed@example.com", to="me@example.org", message_id="<z@x>"),
    ]
    box = write_mbox(tmp_path / "in.mbox", messages)
    with open(box, "ab") as out:
        out.write(b"From broken@x Tue Nov 10 14:05:00 2026\nX-Nothing: here\n\nno mail headers\n\n")

    first = cli.ok("mail", "import", box, "--me", "me@example.org")
    assert counts(first.stderr) == dict(scanned=11, logged=6, already=2, since=0, unknown=1, bulk=1, unreadable=1)
    assert "1 no mail headers" in first.stderr
    logged = history(cli)
    assert len(logged) == 7  # the message to Ann and Bob is one interaction for each
    assert {i["kind"] for i in logged} == {"email"}
    assert {i["at"] for i in logged} == {"2026-11-10T15:05:00+01:00"}
    texts = sorted(i["text"] for i in logged)
    assert "Received: Quote\n\nHello there." in texts
    assert "Received: Menu\n\nOur new menu" in texts
    assert "Sent: Grüße aus Köln\n\nSchöne Grüße" in texts
    assert "Received: Order\n\nHello there." in texts
    assert [i["contact_name"] for i in logged].count("Bob Stone") == 2

    second = cli.ok("mail", "import", box, "--me", "me@example.org")
    assert counts(second.stderr) == dict(scanned=11, logged=0, already=8, since=0, unknown=1, bulk=1, unreadable=1)
    assert len(history(cli)) == 7


def test_a_new_contact_gets_the_messages_that_name_them_and_no_one_else_twice(cli, ann, tmp_path):
    box = write_mbox(tmp_path / "in.mbox", [message(to="me@example.org, bob@example.net")])
    cli.ok("mail", "import", box)
    cli.ok("add", "Bob Stone", "--email", "bob@example.net")
    again = cli.ok("mail", "import", box)
    assert counts(again.stderr)["logged"] == 1
    assert sorted(i["contact_name"] for i in history(cli)) == ["Ann Lee", "Bob Stone"]


def test_removing_the_interaction_lets_the_next_import_log_it_again(cli, ann, tmp_path):
    box = write_mbox(tmp_path / "in.mbox", [message()])
    cli.ok("mail", "import", box)
    cli.ok("interaction", "rm", str(history(cli)[0]["id"]), "--yes")
    assert counts(cli.ok("mail", "import", box).stderr)["logged"] == 1


def test_undo_of_an_import_and_the_import_again(cli, ann, tmp_path):
    box = write_mbox(tmp_path / "in.mbox", [message(message_id=f"<m{i}@x>") for i in range(250)])
    cli.ok("mail", "import", box)
    assert len(history(cli)) == 250
    cli.ok("undo")
    assert history(cli) == []
    assert counts(cli.ok("mail", "import", box).stderr)["logged"] == 250


def test_export_and_import_into_another_database_keeps_messages_once(cli, ann, tmp_path):
    box = write_mbox(tmp_path / "in.mbox", [message()])
    cli.ok("mail", "import", box)
    backup = tmp_path / "all.ndjson"
    cli.ok("export", "all", "-o", backup)
    other = tmp_path / "other.db"
    cli.ok("--db", other, "import", backup)
    again = cli.ok("--db", other, "mail", "import", box)
    assert counts(again.stderr)["already"] == 1


# ------------------------------------------------------------------ the sources


def test_maildir_eml_and_a_folder_of_eml(cli, ann, tmp_path):
    box = mailbox.Maildir(tmp_path / "Maildir", create=True)
    box.add(message(message_id="<md1@x>"))
    box.add(message(message_id="<md2@x>"))
    box.close()
    single = tmp_path / "one.eml"
    single.write_bytes(message(message_id="<eml1@x>").as_bytes())
    folder = tmp_path / "saved"
    (folder / "deeper").mkdir(parents=True)
    (folder / "a.eml").write_bytes(message(message_id="<f1@x>").as_bytes())
    (folder / "deeper" / "b.eml").write_bytes(message(message_id="<f2@x>").as_bytes())
    (folder / "notes.txt").write_text("not mail")
    result = cli.ok("mail", "import", tmp_path / "Maildir", single, folder)
    assert counts(result.stderr) == dict(scanned=5, logged=5, already=0, since=0, unknown=0, bulk=0, unreadable=0)


def test_a_missing_source_is_one_line_and_nothing_is_written(cli, ann, tmp_path):
    box = write_mbox(tmp_path / "in.mbox", [message()])
    result = cli("mail", "import", box, tmp_path / "nope.mbox")
    assert result.exit_code == 2
    assert result.stderr.strip().count("\n") == 0 and "nope.mbox is not a file or folder" in result.stderr
    assert history(cli) == []


def test_a_20_mb_attachment_is_never_held_in_memory(tmp_path):
    path = tmp_path / "big.mbox"
    line = base64.b64encode(bytes(range(256)) * 3)[:76] + b"\n"
    with open(path, "wb") as out:
        out.write(b"From ann@example.com Tue Nov 10 14:05:00 2026\n"
                  b"From: ann@example.com\nTo: me@example.org\nSubject: Plans\nMessage-ID: <big@x>\n"
                  b"Date: Tue, 10 Nov 2026 14:05:00 +0000\nMIME-Version: 1.0\n"
                  b'Content-Type: multipart/mixed; boundary="b"\n\n--b\nContent-Type: text/plain\n\nSee the plans.\n'
                  b"--b\nContent-Type: application/pdf\nContent-Transfer-Encoding: base64\n\n")  # fmt: skip
        for _ in range(20 * 1024 * 1024 // len(line) + 1):
            out.write(line)
        out.write(b"--b--\n\nFrom bob@example.net Tue Nov 10 15:00:00 2026\nFrom: bob@example.net\n"
                  b"To: me@example.org\nSubject: After\nDate: Tue, 10 Nov 2026 15:00:00 +0000\n\nHi\n")  # fmt: skip
    assert path.stat().st_size > 20 * 1024 * 1024
    tracemalloc.start()
    try:
        found = list(mail.scan(str(path), "mbox"))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [m.subject for _, m in found] == ["Plans", "After"]
    assert found[0][1].excerpt == "See the plans."
    assert peak < 4 * 1024 * 1024, peak


def test_a_line_without_line_breaks_is_read_in_pieces(tmp_path):
    path = tmp_path / "long.eml"
    path.write_bytes(b"From: ann@example.com\nTo: me@example.org\nSubject: Long\nDate: Tue, 10 Nov 2026 14:05:00 +0000"
                     b"\n\nstart " + b"x" * (3 * mail.CHUNK) + b"\n")  # fmt: skip
    [(_, found)] = mail.scan(str(path), "eml")
    assert found.subject == "Long" and found.excerpt.startswith("start") and len(found.excerpt) <= mail.EXCERPT + 1


# ------------------------------------------------------------------ the options


def test_since_dry_run_and_report(cli, ann, tmp_path):
    old = message(message_id="<old@x>", date=datetime(2025, 1, 2, tzinfo=timezone.utc))
    box = write_mbox(tmp_path / "in.mbox", [old, message(), message(frm="x@example.com", message_id="<x@x>")])
    report = tmp_path / "report.tsv"
    dry = cli.ok("mail", "import", box, "--since", "2026-01-01", "--dry-run", "--report", report)
    assert "Dry run, nothing changed" in dry.stderr
    assert counts(dry.stderr) == dict(scanned=3, logged=1, already=0, since=1, unknown=1, bulk=0, unreadable=0)
    assert history(cli) == []
    lines = report.read_text().splitlines()
    assert lines[0].split("\t") == ["where", "outcome", "detail", "at", "key", "subject"]
    assert [line.split("\t")[1] for line in lines[1:]] == ["before --since", "logged", "no known contact"]
    assert lines[2].split("\t")[0] == f"{box} message 2" and lines[2].split("\t")[4] == "<q1@example.com>"
    assert oct(report.stat().st_mode & 0o777) == "0o600"


def test_a_message_dated_after_now_is_counted_not_logged(cli, ann, tmp_path):
    box = write_mbox(tmp_path / "in.mbox", [
        message(date=datetime(2031, 1, 1, tzinfo=timezone.utc)),
        message(message_id="<ok@x>", date=datetime(2026, 11, 18, 18, tzinfo=timezone.utc)),
    ])  # fmt: skip
    result = cli.ok("mail", "import", box)
    assert counts(result.stderr) == dict(scanned=2, logged=1, already=0, since=0, unknown=0, bulk=0, unreadable=0,
                                         future=1)  # fmt: skip
    assert [i["at"] for i in history(cli)] == ["2026-11-18T19:00:00+01:00"]  # later today is fine


def test_the_mail_me_setting_tells_sent_from_received(cli, ann, tmp_path):
    cli.ok("config", "mail.me", "Me@Example.org, me2@example.org")
    box = write_mbox(tmp_path / "in.mbox", [message(frm="me2@example.org", to="ann@example.com")])
    cli.ok("mail", "import", box)
    assert history(cli)[0]["text"].startswith("Sent: Quote")


def test_create_contacts_makes_correspondents_never_lists_nor_you(cli, ann, tmp_path):
    box = write_mbox(tmp_path / "in.mbox", [
        message(frm="Carla Diaz <carla@example.com>", to="me@example.org", cc="ann@example.com", message_id="<c@x>"),
        message(frm="list@lists.example", to="me@example.org", Precedence="bulk", message_id="<l@x>"),
        message(frm="me@example.org", to="dan@example.com", message_id="<d@x>"),
    ])  # fmt: skip
    refused = cli("mail", "import", box, "--create-contacts")
    assert refused.exit_code == 2 and "--create-contacts needs your own address" in refused.stderr
    result = cli.ok("mail", "import", box, "--create-contacts", "--me", "me@example.org")
    assert "Created 2 contacts." in result.stderr
    assert counts(result.stderr) == dict(scanned=3, logged=2, already=0, since=0, unknown=0, bulk=1, unreadable=0)
    people = {c["name"]: c for c in cli.ok("list", "--json").json()}
    assert set(people) == {"Ann Lee", "Carla Diaz", "dan@example.com"}
    assert people["Carla Diaz"]["stage"] == "awareness" and people["Carla Diaz"]["emails"] == ["carla@example.com"]


def test_a_logged_email_is_a_touch_for_the_cadence(cli, ann, tmp_path):
    cli.ok("cadence", "ann", "14d")
    cli.ok("log", "ann", "call", "--at", "2026-10-01")
    assert any(row["kind"] == "cadence" for row in cli.ok("due", "--week", "--json").json())
    box = write_mbox(tmp_path / "in.mbox", [message(date=datetime(2026, 11, 17, 10, tzinfo=timezone.utc))])
    cli.ok("mail", "import", box)
    assert cli.ok("show", "ann", "--json").json()["last_contact_at"] == "2026-11-17T11:00:00+01:00"
    assert not any(row["kind"] == "cadence" for row in cli.ok("due", "--week", "--json").json())


# ------------------------------------------------------------------ the text


def test_quotes_signatures_and_forwarded_parts_are_trimmed():
    text = ("Thanks, see you Tuesday.\n\nOn Mon, 9 Nov 2026 at 10:00, Ann Lee <ann@example.com>\nwrote:\n> earlier"
            "\n> text\n")  # fmt: skip
    assert mail.trim_reply(text).strip() == "Thanks, see you Tuesday."
    assert mail.trim_reply("Yes.\n-- \nAnn Lee\nBakery").strip() == "Yes."
    assert mail.trim_reply("Fine.\n\n-----Original Message-----\nFrom: x").strip() == "Fine."
    assert mail.trim_reply("Ok\n\nFrom: Ann\nSent: Monday\nSubject: x").strip() == "Ok"
    assert mail.trim_reply("> quoted\nmine\nSent from my iPhone").strip() == "mine"
    assert mail.html_text("<p>a&amp;b</p><script>x()</script><blockquote>old</blockquote><br>c") == "\na&b\n\nc"


# ------------------------------------------------------------------ hostile input


header_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",), exclude_characters="\r\n"), max_size=80)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(subject=header_text, frm=header_text, date=header_text, charset=st.sampled_from(
    ["utf-8", "iso-8859-1", "x-unknown", "utf-16", "", "koi8-r"]), body=st.binary(max_size=300),
    raw=st.binary(max_size=200))  # fmt: skip
def test_any_headers_charsets_and_dates_give_one_outcome_each(tmp_path, subject, frm, date, charset, body, raw):
    data = (b"From: " + frm.encode() + b"\nTo: ann@example.com\nSubject: " + subject.encode() + b"\nDate: "
            + date.encode() + b"\nContent-Type: text/plain; charset=" + charset.encode() + b"\n\n" + body)  # fmt: skip
    box = tmp_path / "h.mbox"
    box.write_bytes(b"From x Tue Nov 10 14:05:00 2026\n" + data + b"\n\nFrom y Tue Nov 10 14:05:00 2026\n" + raw)
    found = list(mail.scan(str(box), "mbox"))
    assert len(found) >= 2  # the random bytes may hold an mbox From line of their own
    for _, item in found:
        if isinstance(item, mail.Mail):
            from minicrm.services import activity

            activity.validate(WHEN, "email", f"{item.subject}\n\n{item.excerpt}", at=item.at)  # a text log accepts
            assert item.at.tzinfo is not None


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(subjects=st.lists(header_text, min_size=1, max_size=4), dates=st.lists(header_text, min_size=1, max_size=4))
def test_the_counts_always_sum_to_the_messages_scanned(cli, tmp_path, subjects, dates):
    cli("add", "Ann Lee", "--email", "ann@example.com")
    box = tmp_path / "sum.mbox"
    parts = []
    for i, (subject, date) in enumerate(zip(subjects, dates)):
        parts.append(f"From x Tue Nov 10 14:05:00 2026\nFrom: ann@example.com\nTo: me@example.org\nSubject: {subject}\n"
                     f"Date: {date}\nMessage-ID: <{i}@x>\n\nbody {i}\n\n".encode())  # fmt: skip
    box.write_bytes(b"".join(parts))
    result = cli.ok("mail", "import", box)
    assert counts(result.stderr)["scanned"] == len(parts)
