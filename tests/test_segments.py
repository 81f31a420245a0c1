"""Segments: saved filters of list, re-evaluated at each use, on list and due."""

from __future__ import annotations

import pytest

SEGMENT = ["name", "filters", "contacts", "created_at"]


@pytest.fixture
def shop(cli):
    cli.ok("add", "Ann", "--tag", "vip", "--stage", "retention")
    cli.ok("add", "Bob", "--tag", "vip")
    cli.ok("add", "Cy", "--tag", "regular", "--stage", "retention")
    return cli


def names(cli, *args):
    return [c["name"] for c in cli.ok("list", *args, "--json").json()]


def test_save_list_and_use(shop):
    saved = shop.ok("segment", "save", "VIPs", "--tag", "VIP", "--json").json()
    assert list(saved) == SEGMENT
    assert (saved["name"], saved["filters"], saved["contacts"]) == ("vips", {"tags": ["vip"]}, 2)
    assert names(shop, "--segment", "vips") == ["Ann", "Bob"]
    assert names(shop, "--segment", "vips", "--stage", "retention") == ["Ann"]  # typed filters narrow it
    listed = shop.ok("segment", "list", "--json").json()
    assert [(s["name"], s["contacts"]) for s in listed] == [("vips", 2)]


def test_a_segment_is_re_evaluated_at_each_use(shop):
    shop.ok("segment", "save", "loyal", "--stage", "retention")
    assert names(shop, "--segment", "loyal") == ["Ann", "Cy"]
    shop.ok("stage", "bob", "retention")
    shop.ok("stage", "cy", "advocacy")
    assert names(shop, "--segment", "loyal") == ["Ann", "Bob"]
    shop.ok("add", "Dee", "--stage", "retention")
    assert names(shop, "--segment", "loyal") == ["Ann", "Bob", "Dee"]


def test_saving_again_replaces_and_rm_deletes(shop):
    shop.ok("segment", "save", "x", "--tag", "vip")
    shop.ok("segment", "save", "x", "--tag", "regular", "--stale", "0")
    assert shop.ok("segment", "list", "--json").json()[0]["filters"] == {"tags": ["regular"], "stale_days": 0}
    removed = shop.ok("segment", "rm", "x")
    assert "Deleted segment x." in removed.stderr
    assert shop.ok("segment", "list", "--json").json() == []
    again = shop("segment", "rm", "x")
    assert again.exit_code == 3 and "no segment named" in again.stderr
    unknown = shop("list", "--segment", "x")
    assert unknown.exit_code == 3 and unknown.stdout == ""


@pytest.mark.parametrize("args, text", [
    (["bad name"], "is not a segment name"),
    (["empty"], "needs at least one filter"),
    (["s", "--stage", "nowhere"], "is not a stage"),
    (["s", "--tag", "a,b"], "is not a tag"),
])  # fmt: skip
def test_invalid_segments_are_refused(shop, args, text):
    result = shop("segment", "save", *args)
    assert result.exit_code == 1 and text in result.stderr
    assert shop.ok("segment", "list", "--json").json() == []


def test_due_by_segment(shop):
    shop.ok("remind", "ann", "call ann", "--on", "today")
    shop.ok("remind", "cy", "call cy", "--on", "today")
    shop.ok("cadence", "bob", "1d")
    shop.ok("segment", "save", "vips", "--tag", "vip")
    items = shop.ok("due", "--segment", "vips", "--json", env={"MINICRM_NOW": "2026-11-20T09:00"}).json()
    assert sorted((i["kind"], i["contact_name"]) for i in items) == [("cadence", "Bob"), ("reminder", "Ann")]
    assert shop("due", "--segment", "nope").exit_code == 3


def test_a_segment_can_filter_on_current_consent(cli):
    cli.ok("add", "Ann")
    cli.ok("add", "Bob")
    cli.ok("consent", "ann", "grant", "email-marketing")
    cli.ok("consent", "bob", "grant", "email-marketing")
    cli.ok("segment", "save", "mailable", "--consent", "email-marketing")
    assert [row[2] for row in cli.ok("list", "--segment", "mailable").rows()] == ["Ann", "Bob"]
    cli.ok("consent", "bob", "revoke", "email-marketing")  # re-evaluated at each use
    assert [row[2] for row in cli.ok("list", "--segment", "mailable").rows()] == ["Ann"]
    cli.ok("remind", "ann", "newsletter", "--on", "today")
    cli.ok("remind", "bob", "newsletter", "--on", "today")
    assert [i["contact_name"] for i in cli.ok("due", "--segment", "mailable", "--json").json()] == ["Ann"]


def test_export_takes_a_segment(cli, tmp_path):
    import json

    cli.ok("add", "Ann", "--tag", "vip")
    cli.ok("add", "Bob")
    cli.ok("log", "ann", "call", "hello Ann")
    cli.ok("log", "bob", "call", "hello Bob")
    cli.ok("remind", "ann", "Ann's reminder", "--on", "tomorrow")
    cli.ok("remind", "bob", "Bob's reminder", "--on", "tomorrow")
    cli.ok("segment", "save", "vips", "--tag", "vip")
    lines = [json.loads(line) for line in cli.ok("export", "all", "--to", "ndjson", "--segment", "vips").stdout.splitlines()]
    assert [(r["type"], r.get("name") or r.get("text")) for r in lines] == [
        ("contact", "Ann"), ("interaction", "hello Ann"), ("reminder", "Ann's reminder")]
    ics = cli.ok("export", "reminders", "--to", "ics", "--segment", "vips").stdout
    assert "Ann's reminder" in ics and "Bob's reminder" not in ics
    assert cli("export", "--segment", "nope").exit_code == 3
