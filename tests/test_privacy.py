"""Consent, access requests and erasure."""

from __future__ import annotations

import sqlite3
from pathlib import Path

NAME, EMAIL, PHONE = "Zelda Quux", "zelda.quux@example.com", "+1 415 867 5309"
SECRETS = [b"Zelda", b"Quux", b"zelda.quux", b"8675309", b"867 5309", b"Unmistakable", "Zélda".encode()]


def names(cli, *args) -> list[str]:
    return [row[2] for row in cli.ok("list", *args).rows()]


# ------------------------------------------------------------------ consent


def test_consent_history_and_current_state(cli):
    cli.ok("add", "Ann")
    cli.ok("add", "Bob")
    granted = cli.ok("consent", "ann", "grant", "Email-Marketing", "--source", "signup form", "--at", "2026-11-01",
                     "--json").json()  # fmt: skip
    assert (granted["purpose"], granted["granted"], granted["source"]) == ("email-marketing", True, "signup form")
    assert granted["at"].startswith("2026-11-01")
    cli.ok("consent", "bob", "grant", "email-marketing")
    cli.ok("consent", "ann", "grant", "sms")
    assert names(cli, "--consent", "email-marketing") == ["Ann", "Bob"]
    cli.ok("consent", "bob", "revoke", "email-marketing", "--source", "unsubscribe link")
    assert names(cli, "--consent", "email-marketing") == ["Ann"]
    assert names(cli, "--consent", "sms") == ["Ann"]
    assert names(cli, "--consent", "newsletter") == []

    # A revocation recorded late but dated earlier than the grant does not override it.
    cli.ok("consent", "ann", "revoke", "sms", "--at", "2026-10-01")
    assert names(cli, "--consent", "sms") == ["Ann"]

    history = cli.ok("consent", "ann", "--json").json()
    assert [(k["purpose"], k["granted"]) for k in history] == [
        ("sms", False), ("email-marketing", True), ("sms", True)]  # fmt: skip
    shown = cli.ok("show", "ann", "--json").json()
    assert [(k["purpose"], k["granted"]) for k in shown["consent"]] == [("email-marketing", True), ("sms", True)]
    table = cli.ok("show", "ann", tty=True).stdout
    assert "email-marketing granted 2026-11-01" in table


def test_consent_refuses_nonsense(cli):
    cli.ok("add", "Ann")
    assert cli("consent", "ann", "maybe", "sms").exit_code == 1
    assert cli("consent", "ann", "grant", "two words").exit_code == 1
    assert cli("consent", "ann", "grant").exit_code == 2
    assert cli("consent", "ann", "grant", "sms", "--at", "someday soon").exit_code == 2
    assert cli("consent", "ann", "grant", "sms", "--at", "tomorrow").exit_code == 1
    assert cli("consent", "nobody", "grant", "sms").exit_code == 3
    assert cli.ok("consent", "ann").stdout == ""
    assert cli("list", "--consent", "a b").exit_code == 1


def test_consent_is_audited_and_undoable(cli):
    cli.ok("add", "Ann")
    cli.ok("consent", "ann", "grant", "sms")
    assert cli.ok("audit", "ann", "--json").json()[0]["table"] == "consents"
    cli.ok("undo")
    assert names(cli, "--consent", "sms") == []


# ------------------------------------------------------------------ access


def test_access_report_holds_everything_about_one_person(cli):
    cli.ok("add", NAME, "--email", EMAIL, "--phone", PHONE, "--note", "Unmistakable note", "--field", "diet=vegan")
    cli.ok("add", "Bob")
    cli.ok("log", "zelda", "order", "cake", "--amount", "42")
    cli.ok("log", "bob", "call", "not about Zelda")
    cli.ok("remind", "zelda", "call back", "--on", "tomorrow")
    cli.ok("remind", "zelda", "old task", "--on", "today")
    cli.ok("done", "2")
    cli.ok("consent", "zelda", "grant", "sms")
    cli.ok("stage", "zelda", "purchase")
    result = cli.ok("--format", "table", "access", "zelda")  # always JSON, whatever the default
    report = result.json()
    assert list(report) == ["generated_at", "contact", "interactions", "reminders", "consent", "stage_history", "audit",
                            "cadence_days", "held"]
    assert report["contact"]["emails"] == [EMAIL] and report["contact"]["fields"] == {"diet": "vegan"}
    assert [i["text"] for i in report["interactions"]] == ["cake"]
    assert sorted(r["status"] for r in report["reminders"]) == ["done", "open"]
    assert [k["purpose"] for k in report["consent"]] == ["sms"]
    assert [s["to_stage"] for s in report["stage_history"]] == ["awareness", "purchase"]
    assert report["audit"] and all(a["contact_id"] == 1 for a in report["audit"])
    assert cli("access", "nobody").exit_code == 3


# ------------------------------------------------------------------ erasure


def file_bytes(db: Path) -> bytes:
    data = b""
    for suffix in ("", "-wal", "-shm", "-journal"):
        part = Path(str(db) + suffix)
        if part.exists():
            data += part.read_bytes()
    return data


def test_forget_leaves_no_trace_in_the_files(cli, isolated, tmp_path):
    cli.ok("add", NAME, "--email", EMAIL, "--phone", PHONE, "--note", "Unmistakable note", "--tag", "cakes")
    cli.ok("add", "Bob", "--email", "bob@example.com")
    cli.ok("edit", "zelda", "--name", "Zélda Quux", "--org", "Quux Bakery")  # old versions linger in free space
    cli.ok("edit", "1", "--name", NAME)
    cli.ok("log", "zelda", "order", "Cake for Zelda Quux", "--amount", "42.50")
    cli.ok("log", "zelda", "call", "Zelda asked about Quux cakes")
    cli.ok("remind", "zelda", "Call Zelda", "--on", "tomorrow")
    cli.ok("consent", "zelda", "grant", "email-marketing")
    cli.ok("log", "bob", "order", "bread", "--amount", "3")
    before_backup = tmp_path / "before.db"
    cli.ok("backup", str(before_backup))
    assert b"zelda.quux" in before_backup.read_bytes() and b"8675309" in before_backup.read_bytes()  # findable

    reader = sqlite3.connect(isolated)  # another connection keeps the -wal file in place
    reader.execute("SELECT count(*) FROM contacts").fetchone()
    try:
        result = cli.ok("forget", "zelda", "--yes")
        assert result.stdout == ""
        assert "Erased Zelda Quux (#1); 1 amounts kept anonymously" in result.stderr
        assert "cannot be undone" in result.stderr
        data = file_bytes(isolated)
        for secret in SECRETS:
            assert secret not in data, secret
        assert Path(str(isolated) + "-wal").stat().st_size == 0
    finally:
        reader.close()
    after_backup = Path(cli.ok("backup").stdout.strip())
    for secret in SECRETS:
        assert secret not in after_backup.read_bytes(), secret

    assert names(cli) == ["Bob"]  # the holder of the amounts is not a person to list
    orders = cli.ok("history", "--kind", "order", "--json").json()
    assert sorted((o["contact_name"], o["amount"], o["text"]) for o in orders) == [
        ("(erased people)", 42.5, None), ("Bob", 3.0, "bread")]  # fmt: skip
    assert all(NAME not in str(entry) for entry in cli.ok("audit", "--json").json())
    assert cli.ok("list", "--search", "quux").stdout == ""
    assert cli.ok("doctor").exit_code == 0


DUPLICATE = [b"Zee Q", b"zq.old@example.org", b"5550199", b"555 0199", b"Secret duplicate note", b"Duplicate call"]


def assert_nowhere(cli, isolated, secrets):
    data = file_bytes(isolated)
    for secret in secrets:
        assert secret not in data, secret
    backup = Path(cli.ok("backup").stdout.strip())
    for secret in secrets:
        assert secret not in backup.read_bytes(), secret
    assert all(NAME not in str(entry) and "Zee Q" not in str(entry) for entry in cli.ok("audit", "--json").json())


def test_forget_reaches_a_duplicate_merged_into_them(cli, isolated):
    cli.ok("add", NAME, "--email", EMAIL, "--phone", PHONE, "--note", "Unmistakable note")
    cli.ok("add", "Zee Q", "--email", "zq.old@example.org", "--phone", "+1 212 555 0199", "--note", "Secret duplicate note")
    cli.ok("add", "Bob", "--email", "bob@example.com")
    cli.ok("log", "Zee Q", "call", "Duplicate call")
    cli.ok("edit", "Zee Q", "--org", "Quux Bakery")
    cli.ok("merge", "1", "2", "--yes")
    assert names(cli) == ["Bob", NAME]
    result = cli.ok("forget", "zelda", "--yes")
    assert "Erased Zelda Quux (#1)" in result.stderr
    assert names(cli) == ["Bob"]
    assert_nowhere(cli, isolated, SECRETS + DUPLICATE)
    again = cli("add", "Z", "--email", "zq.old@example.org")
    assert again.exit_code == 1 and "erased at their request" in again.stderr


def test_forget_reaches_a_contact_already_removed(cli, isolated):
    cli.ok("add", NAME, "--email", EMAIL, "--phone", PHONE, "--note", "Unmistakable note")
    cli.ok("add", "Bob", "--email", "bob@example.com")
    cli.ok("log", "zelda", "call", "Zelda asked about Quux cakes")
    uid = cli.ok("show", "zelda", "--json").json()["uid"]
    cli.ok("rm", "zelda", "--yes")
    assert b"zelda.quux" in file_bytes(isolated) or "Zelda" in str(cli.ok("audit", "--json").json())
    missing = cli("forget", "nobody@example.com", "--yes")
    assert missing.exit_code == 3 and "no contact matches" in missing.stderr

    result = cli.ok("forget", EMAIL, "--yes")
    assert "Erased Zelda Quux" in result.stderr
    assert names(cli) == ["Bob"]
    assert_nowhere(cli, isolated, SECRETS + [uid.encode()])
    again = cli("add", "Z", "--phone", "+1 (415) 867-5309")
    assert again.exit_code == 1 and "erased at their request" in again.stderr
    assert cli("forget", EMAIL, "--yes").exit_code == 3  # nothing left to find
    assert cli.ok("doctor").exit_code == 0


def test_forget_of_a_removed_contact_by_phone_or_uid_leaves_others_alone(cli, isolated):
    cli.ok("add", NAME, "--phone", PHONE)
    cli.ok("add", "Ann", "--email", "ann@example.com")
    uid = cli.ok("show", "zelda", "--json").json()["uid"]
    cli.ok("rm", "zelda", "--yes")
    cli.ok("add", "Cy", "--email", "cy@example.com")  # takes the freed id 1
    cli.ok("forget", uid, "--yes")
    assert names(cli) == ["Ann", "Cy"]
    assert b"8675309" not in file_bytes(isolated) and b"867 5309" not in file_bytes(isolated)
    audit = str(cli.ok("audit", "--json").json())
    assert "Cy" in audit and "Ann" in audit and NAME not in audit


def test_forget_is_not_undoable_and_undo_stops_there(cli):
    cli.ok("add", "Ann")
    cli.ok("add", NAME, "--email", EMAIL)
    cli.ok("forget", "zelda", "--yes")
    result = cli("undo")
    assert result.exit_code == 1 and "can never be undone" in result.stderr
    assert names(cli) == ["Ann"]
    cli.ok("add", "Cy")
    cli.ok("undo")  # what came after the erasure still can be undone
    assert names(cli) == ["Ann"]
    assert cli("undo", "3").exit_code == 1  # the undo and the add, but not past the erasure


def test_an_erased_person_is_recognised_but_not_remembered(cli, isolated):
    cli.ok("add", NAME, "--email", EMAIL, "--phone", PHONE)
    cli.ok("forget", "zelda", "--yes")
    again = cli("add", "Z. Q.", "--email", EMAIL.upper())
    assert again.exit_code == 1 and "erased at their request" in again.stderr and "--force" in again.stderr
    again = cli("add", "Z. Q.", "--phone", "+1 (415) 867-5309")
    assert again.exit_code == 1 and "erased at their request" in again.stderr
    assert names(cli) == []
    cli.ok("add", "Z. Q.", "--email", EMAIL, "--force")
    conn = sqlite3.connect(isolated)
    hashes = [row[0] for row in conn.execute("SELECT hash FROM erased")]
    assert len(hashes) == 2 and all(len(h) == 64 and EMAIL not in h for h in hashes)


def test_forget_asks_on_a_terminal_and_refuses_in_a_script(cli, monkeypatch):
    cli.ok("add", "Ann")
    result = cli("forget", "ann")
    assert result.exit_code == 2 and "--yes" in result.stderr
    monkeypatch.setattr("minicrm.cli.common.stdin_is_terminal", lambda: True)
    result = cli("forget", "ann", input="n\n")
    assert result.exit_code == 1 and "Nothing erased." in result.stderr
    assert names(cli) == ["Ann"]
    cli.ok("forget", "ann", input="y\n")
    assert names(cli) == []


def test_forget_while_another_process_reads_erases_and_warns(cli, isolated, monkeypatch):
    cli.ok("add", NAME, "--email", EMAIL)
    cli.ok("add", "Bob")
    monkeypatch.setattr("minicrm.store.session.BUSY_TIMEOUT_MS", 200)
    reader = sqlite3.connect(isolated, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM contacts").fetchone()  # holds a snapshot open
    try:
        result = cli.ok("forget", "zelda", "--yes")
    finally:
        reader.execute("ROLLBACK")
        reader.close()
    assert "Erased Zelda Quux" in result.stderr and "Warning: another program was reading" in result.stderr
    assert names(cli) == ["Bob"]
    assert cli("add", "Z", "--email", EMAIL).exit_code == 1


def test_import_skips_people_erased_at_their_request(cli, tmp_path):
    cli.ok("add", NAME, "--email", EMAIL, "--phone", PHONE)
    cli.ok("log", "zelda", "call", "hello")
    exported = tmp_path / "all.ndjson"
    cli.ok("export", "all", "--to", "ndjson", "-o", str(exported))
    cli.ok("forget", "zelda", "--yes")
    result = cli.ok("import", str(exported))
    assert "1 skipped as erased at their request" in result.stderr
    assert names(cli) == []
    assert cli.ok("history").stdout == ""
    back = cli.ok("import", str(exported), "--include-erased")
    assert "skipped as erased" not in back.stderr
    assert names(cli) == [NAME]


def test_the_holder_of_erased_peoples_amounts_never_shows_as_a_person(cli):
    cli.ok("add", "Ann Lee", "--email", "ann@example.com")
    cli.ok("add", "Bob Ray")
    for days in (30, 23, 16):
        cli.ok("log", "ann", "order", "Bread", "--amount", "10", "--at", f"{days} days ago")
    cli.ok("log", "bob", "order", "Cake", "--amount", "5", "--at", "2 days ago")
    revenue = cli.ok("report", "--json").json()["revenue_in_window"]
    cli.ok("forget", "ann", "--yes")
    listed = "\n".join(cli.ok(*args).stdout for args in (
        ["list"], ["list", "--sort", "score"], ["search", "erased"], ["search", "Bread"], ["customers"],
        ["at-risk"], ["dupes"], ["due", "--week"]))  # fmt: skip
    assert "erased" not in listed.lower()
    assert [r[2] for r in cli.ok("list").rows()] == ["Bob Ray"]
    placeholder = 3
    for args in (["show", str(placeholder)], ["show", "erased people"], ["history", "erased"], ["show", "erased"]):
        assert cli(*args).exit_code == 3
    assert cli.ok("report", "--json").json()["revenue_in_window"] == revenue  # totals still add up
