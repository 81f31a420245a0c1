"""Every format tells the same story; user text is data, never markup or escapes."""

from __future__ import annotations

import csv
import io
import json

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from minicrm import render
from minicrm.models import Contact, DueItem, Interaction, field_names

FORMATS = ["tsv", "csv", "json", "ndjson"]


@pytest.fixture
def populated(cli):
    cli.ok("add", "Ann Lee", "--email", "ann@example.com", "--tag", "vip", "--tag", "cakes",
           "--note", "line one\nline two\twith tab", "--field", "allergy=nuts")  # fmt: skip
    cli.ok("add", "Bob, \"the builder\"", "--org", "Stone & Sons")
    cli.ok("log", "ann", "order", "Cake, large", "--amount", "42.5")
    cli.ok("product", "add", "Rye, \"dark\"", "--price", "6.80", "--unit", "kg")
    cli.ok("log", "bob", "order", "--item", "rye x0.5", "--item", "rye x2 @ 1")
    cli.ok("log", "bob", "call", "no answer")
    cli.ok("remind", "ann", "Deliver cake", "--on", "today 15:00", "--every", "yearly")
    cli.ok("remind", "bob", "Call again", "--on", "yesterday")


def parse(fmt: str, text: str, keys: list[str]) -> list[dict]:
    """Read any machine format back into a list of dicts of strings."""
    if fmt == "json":
        return [{k: _flat(v) for k, v in row.items()} for row in json.loads(text)]
    if fmt == "ndjson":
        return [{k: _flat(v) for k, v in json.loads(line).items()} for line in text.splitlines()]
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(text)))
        assert rows[0] == keys  # the CSV header is the JSON vocabulary
        return [dict(zip(keys, row)) for row in rows[1:]]
    rows = [line.split("\t") for line in text.splitlines()]
    unescape = {"\\\\": "\\", "\\t": "\t", "\\n": "\n", "\\r": "\r"}
    out = []
    for row in rows:
        assert len(row) == len(keys)
        out.append({k: _untsv(v, unescape) for k, v in zip(keys, row)})
    return out


def _untsv(value: str, table: dict) -> str:
    import re

    return re.sub(r"\\[\\tnr]", lambda m: table[m.group()], value)


def _flat(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        if value and isinstance(value[0], dict):  # records (an order's lines): one JSON array
            return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        return ",".join(value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


@pytest.mark.parametrize(
    "args, record",
    [(["list"], Contact), (["history"], Interaction), (["due"], DueItem), (["due", "--week"], DueItem)],
)
def test_all_formats_agree(cli, populated, args, record):
    keys = field_names(record)
    parsed = {fmt: parse(fmt, cli.ok(*args, "--format", fmt).stdout, keys) for fmt in FORMATS}
    assert parsed["json"], "the fixture should produce rows"
    for fmt in FORMATS:
        assert parsed[fmt] == parsed["json"], fmt


def test_json_keys_follow_the_record_fields(cli, populated):
    assert list(cli.ok("list", "--json").json()[0]) == field_names(Contact)
    assert list(cli.ok("history", "--json").json()[0]) == field_names(Interaction)
    assert list(cli.ok("due", "--json").json()[0]) == field_names(DueItem)  # a reminder's keys, then kind, reason, urgency


def test_tsv_keeps_one_record_per_line(cli, populated):
    lines = cli.ok("list", "--format", "tsv").stdout.splitlines()
    assert len(lines) == 2
    assert "line one\\nline two\\twith tab" in lines[0]


def test_global_format_option_and_json_shorthand(cli, populated):
    assert json.loads(cli.ok("--json", "list").stdout)[0]["name"] == "Ann Lee"
    assert cli.ok("--format", "csv", "list").stdout.startswith("id,uid,name,")
    assert cli.ok("--format", "csv", "list", "--format", "tsv").stdout.startswith("1\t")  # the command's wins
    assert cli.ok("--json", "list", "--format", "csv").stdout.startswith("id,uid,name,")
    assert cli.ok("--format", "csv", "list", "--json").stdout.startswith("[")
    bad = cli("list", "--format", "xml")
    assert bad.exit_code == 2 and "not an output format" in bad.stderr
    clash = cli("list", "--format", "csv", "--json")
    assert clash.exit_code == 2


def test_table_is_the_default_on_a_terminal_only(cli, populated):
    assert "Ann Lee" in cli.ok("list", tty=True).stdout
    assert "─" in cli.ok("list", tty=True).stdout
    assert "─" not in cli.ok("list").stdout
    assert cli.ok("list").stdout.startswith("1\t")


MARKUP = ["[bold]x[/]", "[red]alert[/red]", "[link=http://e.x]c[/link]", ":smile:", "[/]"]


@pytest.mark.parametrize("name", MARKUP)
def test_markup_in_names_prints_as_typed(cli, name):
    cli.ok("add", name, "--note", name)
    cli.ok("remind", "1", name, "--on", "today")
    for args in (["list"], ["show", "1"], ["due"]):
        table = cli.ok(*args, tty=True, env={"NO_COLOR": "1"}).stdout
        assert name in table, args
    assert cli.ok("list", "--json").json()[0]["name"] == name
    assert cli.ok("list").rows()[0][2] == name


def test_control_characters_from_the_database_never_reach_the_terminal(cli, store, now):
    """Data that bypassed validation (an old import, another tool) is neutralised on output."""
    hostile = "Eve\x1b[2J\x1b]0;pwned\x07\x9b31m"
    store.contacts.add(name=hostile, org=None, stage="awareness", birthday=None, note="n\x1b[31m",
                         fields={}, emails=[], phones=[], tags=[], at=now)  # fmt: skip
    for fmt in ("tsv", "csv", "table"):
        out = cli.ok("list", "--format", fmt).stdout
        assert "\x1b" not in out and "\x07" not in out and "\x9b" not in out, fmt
        assert "Eve" in out
    raw = cli.ok("list", "--json").stdout
    assert "\x1b" not in raw and "\x9b" not in raw
    assert cli.ok("list", "--json").json()[0]["name"] == hostile  # JSON escapes, and keeps, the data


def test_ndjson_is_one_object_per_line(cli, populated):
    lines = cli.ok("history", "--format", "ndjson").stdout.splitlines()
    assert [json.loads(line)["text"] for line in lines] == ["no answer", None, "Cake, large"]


def test_single_record_outputs(cli, populated):
    assert isinstance(cli.ok("show", "ann", "--json").json(), dict)
    assert json.loads(cli.ok("show", "ann", "--format", "ndjson").stdout)["name"] == "Ann Lee"
    csv_show = list(csv.reader(io.StringIO(cli.ok("show", "ann", "--format", "csv").stdout)))
    assert csv_show[0][:3] == ["id", "uid", "name"] and len(csv_show) == 2
    assert csv_show[1][9] == "line one\nline two\twith tab"


def test_empty_results_in_every_format(cli):
    assert cli.ok("list", "--json").stdout == "[]\n"
    assert cli.ok("list", "--format", "ndjson").stdout == ""
    assert cli.ok("list", "--format", "tsv").stdout == ""
    assert cli.ok("list", "--format", "csv").stdout.strip() == ",".join(field_names(Contact))


_CELL_TEXT = st.one_of(st.text("ab \t"), st.text("ab\\\n\r\x00\x1b\x85"), st.text())


@given(st.lists(st.one_of(_CELL_TEXT, st.none(), st.integers(), st.tuples(_CELL_TEXT)), min_size=1, max_size=6))
@example(["tab\there", "plain"])
def test_a_tsv_row_has_one_cell_per_field_and_round_trips(values):
    """Whatever the cells hold, a row splits back into exactly its cells, and unescaping
    gives each cell's text with controls other than tab, newline and CR neutralised."""
    line = render.tsv_row(tuple(values))
    assert "\n" not in line and "\r" not in line
    cells = line.split("\t")
    assert len(cells) == len(values)
    unescape = {"\\\\": "\\", "\\t": "\t", "\\n": "\n", "\\r": "\r"}
    for cell, value in zip(cells, values):
        text = render.flat(value)
        expected = "".join(c if c in "\t\n\r" or not (ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0) else "\ufffd" for c in text)
        assert _untsv(cell, unescape) == expected
