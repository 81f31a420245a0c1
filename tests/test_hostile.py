"""Hostile input through the real CLI: never a traceback, never damage, never an escape sequence out.

The ``cli`` fixture re-raises any exception that escapes a command (and
MINICRM_DEBUG=1 stops the error boundary from hiding bugs), so a traceback
fails these tests.
"""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

NASTY = [
    "[bold red]alarm[/]", "[link=https://evil.example]click[/link]", "[/]", "\\[escaped]",
    "\x1b[31mred\x1b[0m", "\x1b]0;pwned title\x07", "\x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\",
    "\x1b[2J\x1b[H", "\x9b31m", "\x07bell", "tab\there", "line\nbreak", "carriage\rreturn", "nul\x00byte",
    "\u202eevil\u202c", "שלום עולם", "مرحبا", "👩‍👩‍👧‍👦🎂", "e\u0301", "\ufeffbom", "\ud7ff",
    "Robert'); DROP TABLE contacts;--", "' OR 1=1 --", '"; DELETE FROM interactions; --', "%_%", "\\",
    "NEAR(a b)", '"unterminated', "name : x", "*", "a\" OR b", "-", "--yes", "-1", "0", "99999999999999999999",
    "",  " ", "²", "٣", "9223372036854775808", "x" * 1_000_000, "€" * 100_001,
]  # fmt: skip
hostile = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=30),
    st.builds(lambda a, b: a + b, st.sampled_from(NASTY), st.text(max_size=8)),
)
ESCAPE_FREE = {"\n", "\t"}


@pytest.fixture(autouse=True)
def in_a_scratch_folder(tmp_path, monkeypatch):
    """Relative paths given to backup and restore land in the test's folder, not the repository."""
    monkeypatch.chdir(tmp_path)


def assert_clean(*streams: str) -> None:
    for text in streams:
        bad = {hex(ord(c)) for c in text if (ord(c) < 32 and c not in ESCAPE_FREE) or 0x7F <= ord(c) <= 0x9F}
        assert not bad, f"control characters {bad} reached the terminal"


def assert_intact(db) -> None:
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        conn.close()


def run(cli, *args, **kwargs):
    """Run minicrm; on a "terminal" it is a dumb one, so any escape sequence in the output came from data."""
    if kwargs.get("tty"):
        kwargs["env"] = {"TERM": "dumb", **kwargs.get("env", {})}
    result = cli(*args, **kwargs)
    assert result.exit_code in (0, 1, 2, 3), (args, result.exit_code, result.stderr)
    assert "Traceback" not in result.stderr
    assert_clean(result.stdout, result.stderr)
    if result.exit_code:
        assert result.stderr.startswith(("Error: ", "Usage: ")), result.stderr
    return result


# No shrinking: every example runs dozens of commands, and the failing example is printed anyway.
SETTINGS = settings(max_examples=10, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


@given(name=hostile, note=hostile, org=hostile)
@SETTINGS
def test_hostile_contact_fields_show_safely_in_every_format(cli, isolated, name, note, org):
    run(cli, "add", "Anchor", "--email", "anchor@example.com")
    created = run(cli, "add", "--note", note, "--org", org, "--tag", name[:40] or "t", "--", name)
    for fmt in ("tsv", "csv", "json", "ndjson"):
        run(cli, "list", "--format", fmt)
    run(cli, "list", tty=True)
    run(cli, "list", "--search", name, tty=True)
    run(cli, "show", name, tty=True)
    run(cli, "show", "--json", "--", name)
    run(cli, "audit", tty=True)
    if created.exit_code == 0:
        contact_id = created.stdout.split("\t", 1)[0]
        run(cli, "edit", contact_id, "--name", note, "--field", f"k={org}")
        run(cli, "show", contact_id, tty=True)
        run(cli, "rm", contact_id, "--yes")
    assert_intact(isolated)


@given(text=hostile, source=hostile, ref=hostile)
@SETTINGS
def test_hostile_texts_references_and_purposes(cli, isolated, text, source, ref):
    run(cli, "add", "Ann", "--email", "ann@example.com")
    run(cli, "log", "ann", "note", "--", text)
    run(cli, "log", "ann", "note", "-", input=text)
    run(cli, "remind", "ann", "--on", "tomorrow", "--", text)
    run(cli, "consent", "ann", "grant", "sms", "--source", source)
    run(cli, "consent", "ann", "grant", "--", source)
    run(cli, "list", "--consent", ref)
    for command in (["show"], ["log"], ["history"], ["audit"], ["access"], ["forget"], ["consent"]):
        run(cli, *command, "--", ref)
    for fmt in ("tsv", "json"):
        run(cli, "history", "--format", fmt)
        run(cli, "due", "--week", "--format", fmt)
        run(cli, "consent", "ann", "--format", fmt)
    run(cli, "history", tty=True)
    run(cli, "due", "--week", tty=True)
    run(cli, "show", "ann", tty=True)
    run(cli, "access", "ann")
    run(cli, "audit", "ann", tty=True)
    assert_intact(isolated)


@given(when=hostile, rule=hostile, number=hostile)
@SETTINGS
def test_nonsense_dates_rules_and_numbers(cli, isolated, when, rule, number):
    run(cli, "add", "Ann")
    run(cli, "remind", "ann", "x", "--on", when)
    run(cli, "remind", "ann", "x", "--on", "tomorrow", "--every", rule)
    run(cli, "log", "ann", "order", "--at", when, "--amount", number)
    run(cli, "history", "--since", when, "--until", rule)
    run(cli, "consent", "ann", "grant", "sms", "--at", when)
    run(cli, "snooze", number, "--until", when)
    run(cli, "done", number)
    run(cli, "undo", number)
    run(cli, "list", "--stale", number, "--limit", number, "--sort", rule)
    run(cli, "backup", "--", "/nonexistent/dir/" + when[:50])
    run(cli, "backup", "--", when[:5000] or "x")
    run(cli, "restore", "--yes", "--", when[:5000] or "x")
    run(cli, "--format", when, "list")
    assert_intact(isolated)


def test_hostile_unknown_commands_and_options_are_scrubbed(cli):
    for args in (["\x1b[31mlist"], ["list", "--\x1b]0;x\x07"], ["--\x1b[2J"], ["show", "\x1b[31mnobody"],
                 ["show", "a\nb"]):  # fmt: skip
        result = run(cli, *args)  # run() checks that no control character reaches stderr
        assert result.exit_code in (2, 3)
        assert result.stderr.count("Error:") == 1
    shown = run(cli, "show", "\x1b]0;pwned\x07")
    assert shown.stderr == 'Error: no contact matches "\ufffd]0;pwned\ufffd". Try: minicrm list --search "\ufffd]0;pwned\ufffd"\n'
    huge = run(cli, "show", "x" * 1_000_000)
    assert huge.exit_code == 3 and len(huge.stderr) <= 510 and huge.stderr.count("\n") == 1


def test_a_megabyte_and_a_nul_on_standard_input(cli, isolated):
    run(cli, "add", "Ann")
    big = run(cli, "log", "ann", "note", "-", input="x" * 1_000_000)
    assert big.exit_code == 1 and "Keep it to 100000" in big.stderr
    nul = run(cli, "log", "ann", "note", "-", input="before\x00after")
    assert nul.exit_code == 1 and "control character" in nul.stderr
    assert cli.ok("history").stdout == ""
    assert_intact(isolated)


def test_huge_and_unicode_numbers_are_not_found_rather_than_a_crash(cli):
    """Found by the tests above: ids beyond SQLite's integers, and digits like ² that int() refuses."""
    run(cli, "add", "Ann")
    for ref in ("99999999999999999999", "²", "٣"):
        assert run(cli, "show", ref).exit_code == 3
        assert run(cli, "log", ref, "call").exit_code == 3
    assert run(cli, "done", "99999999999999999999").exit_code == 3
    assert run(cli, "snooze", "99999999999999999999", "--until", "tomorrow").exit_code == 3
    assert run(cli, "list", "--limit", "99999999999999999999").exit_code == 0
    assert run(cli, "history", "--limit", "99999999999999999999").exit_code == 0
    assert run(cli, "audit", "--limit", "99999999999999999999").exit_code == 0
    assert run(cli, "list", "--stale", "99999999999999999999").exit_code == 1
    assert run(cli, "undo", "99999999999999999999").exit_code == 1


def test_a_backup_with_a_hostile_file_name_restores_without_escapes(cli, tmp_path):
    run(cli, "add", "Ann")
    path = tmp_path / "\x1b]0;pwned\x07\x9b2J.db"
    run(cli, "backup", str(tmp_path / "plain.db"))
    (tmp_path / "plain.db").rename(path)  # someone else named it
    restored = run(cli, "restore", "--yes", str(path))
    assert restored.exit_code == 0 and "Restored" in restored.stderr


def test_impossible_paths_for_backup_and_restore(cli, tmp_path):
    run(cli, "add", "Ann")
    for path in ("€" * 2000, "/dev/null/x.db", str(tmp_path / ("a" * 300)), str(tmp_path / "\x1b]0;x\x07.db")):
        assert run(cli, "backup", path).exit_code == 1
        assert run(cli, "restore", "--yes", path).exit_code == 1


# ------------------------------------------------------------------ hostile files


def names(cli) -> list[str]:
    return sorted(c["name"] for c in cli.ok("list", "--json").json())


def test_ndjson_lines_that_are_not_objects_are_rejected_one_by_one(cli, isolated, tmp_path):
    source = tmp_path / "in.ndjson"
    odd = ["null", "5", "[1, 2]", '"just text"', "true"]
    source.write_text('{"name": "Bob"}\n' + "\n".join(odd) + '\n{"name": "Cleo"}\n')
    strict = cli("import", source, "--strict")  # each line told, then one Error line
    assert strict.exit_code == 1 and strict.stderr.count("Error:") == 1 and "Traceback" not in strict.stderr
    assert "line 2: not a JSON object but null" in strict.stderr and names(cli) == []
    skipped = run(cli, "import", source, "--strict", "--skip-invalid")
    assert skipped.exit_code == 0, skipped.stderr
    assert names(cli) == ["Bob", "Cleo"]
    assert (tmp_path / "in.ndjson.rejects.ndjson").read_text().splitlines() == odd  # kept as they were
    for line, kind in enumerate(["null", "a number", "a list", "a text", "true"], start=2):
        assert f"line {line}: not a JSON object but {kind}" in skipped.stderr
    assert_intact(isolated)


def test_json_nested_beyond_a_sane_depth_is_refused_per_record(cli, isolated, tmp_path):
    brackets = tmp_path / "brackets.json"
    brackets.write_text("[" * 100_000 + "]" * 100_000)
    refused = run(cli, "import", brackets)
    assert refused.exit_code == 1 and "deeper than 32 levels" in refused.stderr
    assert refused.stderr.count("\n") == 1
    deep = tmp_path / "deep.ndjson"
    deep.write_text('{"name": "Ann"}\n{"name": "Bob", "fields": ' + "[" * 100_000 + "]" * 100_000 + "}\n"
                    '{"name": "Cleo", "fields": {"x": ' + "[" * 40 + "]" * 40 + "}}\n")  # fmt: skip
    result = run(cli, "import", deep)
    assert result.exit_code == 0 and names(cli) == ["Ann"]
    assert "line 2: the line nests lists or objects deeper than 32 levels" in result.stderr
    assert "line 3: the line nests" in result.stderr
    array = tmp_path / "array.json"
    array.write_text('[{"name": "Dan"}, {"name": "Eve", "fields": {"x": ' + "[" * 40 + "]" * 40 + "}}, null]")
    result = run(cli, "import", array)
    assert result.exit_code == 0 and names(cli) == ["Ann", "Dan"]
    assert "record 2: the record nests" in result.stderr and "record 3: not a JSON object but null" in result.stderr
    assert_intact(isolated)


def test_a_vcard_that_nests_cards_is_refused_whole(cli, isolated, tmp_path):
    inner = "BEGIN:VCARD\nVERSION:2.1\nFN:Inner Agent\nEND:VCARD\n"
    outer = "BEGIN:VCARD\nVERSION:2.1\nFN:Outer\nAGENT:\n" + inner + "EMAIL:outer@example.com\nEND:VCARD\n"
    source = tmp_path / "agent.vcf"
    source.write_text(outer + "BEGIN:VCARD\nVERSION:3.0\nFN:Plain\nEND:VCARD\n"
                      + "BEGIN:VCARD\nFN:x\n" * 5000 + "END:VCARD\n" * 5000)  # fmt: skip
    result = run(cli, "import", source)
    assert result.exit_code == 0, result.stderr
    assert names(cli) == ["Plain"]  # neither the inner card's name on the outer's email, nor a half card
    assert "line 1: the card holds another card (BEGIN:VCARD on line 5" in result.stderr
    assert "line 15: the card holds another card (BEGIN:VCARD on line 17" in result.stderr
    assert (tmp_path / "agent.vcf.rejects.vcf").read_text().startswith(outer)
    assert_intact(isolated)


# ------------------------------------------------------------------ bytes that are not UTF-8


def test_arguments_that_are_not_utf8_are_named_and_change_nothing(cli, isolated):
    run(cli, "add", "Ann")
    bad = "\udcff\udcfe bad"  # what Python makes of the bytes ff fe in an argument
    for args, number in ((("add", bad), 2), (("list", "--search", bad), 3), (("log", "ann", "note", bad), 4),
                         (("edit", "ann", "--org", bad), 4), (("search", bad), 2)):  # fmt: skip
        result = run(cli, *args)
        assert result.exit_code == 2, (args, result.stderr)
        assert result.stderr == (f"Error: argument {number} ('\\xff\\xfe bad') is not valid UTF-8 text. Type it in "
                                 "UTF-8 (check that your terminal and LANG use UTF-8), or convert it with iconv\n")
    assert names(cli) == ["Ann"] and cli.ok("history").stdout == ""
    assert_intact(isolated)


def test_a_real_process_names_the_argument_and_keeps_file_names_as_bytes(tmp_path):
    """Through the real console script: argv bytes, a file name in Latin-1, and stdin that is not UTF-8."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    minicrm = Path(sys.executable).parent / "minicrm"
    env = {**os.environ, "MINICRM_DB": str(tmp_path / "crm.db"), "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
    env.pop("MINICRM_DEBUG", None)
    bad = subprocess.run([minicrm, "add", b"Bj\xf6rn"], env=env, capture_output=True)
    assert bad.returncode == 2 and bad.stdout == b""
    assert bad.stderr.decode().startswith("Error: argument 2 ('Bj\\xf6rn') is not valid UTF-8 text.")
    latin1 = tmp_path / os.fsdecode(b"kunden-m\xfcller.csv")  # a file name in Latin-1 is a fine file name
    latin1.write_text("name\nZo\u00eb\n")
    imported = subprocess.run([minicrm, "import", os.fsencode(latin1)], env=env, capture_output=True)
    assert imported.returncode == 0, imported.stderr
    piped = subprocess.run([minicrm, "log", "zoe", "note", "-"], input=b"ok\nStra\xdfe\n", env=env,
                           capture_output=True)  # fmt: skip
    assert piped.returncode == 1 and b"Traceback" not in piped.stderr
    assert piped.stderr.decode() == ("Error: standard input (the text) is not valid UTF-8: line 2 holds the byte 0xdf. "
                                     "Convert it first, e.g. iconv -f cp1252 -t utf-8\n")
    listed = subprocess.run([minicrm, "history"], env=env, capture_output=True)
    assert listed.returncode == 0 and listed.stdout == b""


def test_a_progress_bar_shows_a_hostile_file_name_as_text(cli, isolated, tmp_path):
    name = "\x1b]52;c;ZXZpbA==\x07[bold red]x\x1b]0;title\x07\nnext.csv"  # OSC 52: write the clipboard
    source = tmp_path / name
    with source.open("w") as out:
        out.write("name,note\n")
        for n in range(20_000):
            out.write(f"Person {n},{'x' * 60}\n")
    result = cli("import", source, tty=True, env={"TERM": "xterm-256color"})
    assert result.exit_code == 0, result.stderr
    assert "Importing \ufffd]52;c;ZXZpbA==\ufffd[bold red]x\ufffd]0;title\ufffd next.csv" in result.stderr
    assert "\x1b]" not in result.stderr and "\x07" not in result.stderr
