"""minicrm mcp, driven by the mcp package's own client over stdio against a real database."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

pytest.importorskip("mcp")

import anyio  # noqa: E402  (mcp's own dependency)
from mcp import Client  # noqa: E402
from mcp.client.stdio import StdioServerParameters  # noqa: E402
from mcp.shared.exceptions import MCPError  # noqa: E402

MINICRM = os.path.join(os.path.dirname(sys.executable), "minicrm")
READS = ["search", "show", "due", "history", "report", "customers", "at-risk"]
WRITES = ["log", "remind", "done", "snooze", "add"]


def session(*args: str, calls):
    """Start `minicrm mcp ARGS` as an agent's client does, run ``calls(client)`` and return what it returns."""

    async def main():
        params = StdioServerParameters(command=MINICRM, args=["mcp", *args],
                                       env={key: os.environ[key] for key in ("MINICRM_DB", "MINICRM_NOW", "TZ")})
        async with Client(params) as client:
            return await calls(client)

    return anyio.run(main)


def text(result) -> str:
    assert not result.is_error
    return result.content[0].text


@pytest.fixture
def demo(cli):
    cli.ok("demo")
    return cli


def test_lists_the_read_tools_and_calls_due(demo):
    async def calls(client):
        listed = await client.list_tools()
        return [t.name for t in listed.tools], {t.name: t.input_schema for t in listed.tools}, \
            text(await client.call_tool("due", {})), text(await client.call_tool("due", {"week": True}))

    names, schemas, due, week = session(calls=calls)
    assert names == READS
    assert set(schemas["due"]["properties"]) == {"week", "overdue", "today", "kind"}
    assert json.loads(due) == demo.ok("due", "--json").json()  # the same JSON records as --json
    assert json.loads(week) == demo.ok("due", "--week", "--json").json()


def test_every_read_tool_gives_what_json_gives(demo):
    cases = [("search", {"text": "gluten"}, ["search", "gluten"]), ("show", {"contact": "maria"}, ["show", "maria"]),
             ("history", {"contact": "maria"}, ["history", "maria", "--limit", "50"]), ("report", {}, ["report"]),
             ("customers", {}, ["customers", "--limit", "50"]), ("at-risk", {}, ["at-risk", "--limit", "50"])]

    async def calls(client):
        return [text(await client.call_tool(name, arguments)) for name, arguments, _ in cases]

    for (name, _, args), got in zip(cases, session(calls=calls)):
        assert json.loads(got) == demo.ok(*args, "--json").json(), name


def test_writes_are_refused_without_allow_writes(demo):
    async def calls(client):
        with pytest.raises(MCPError) as refused:
            await client.call_tool("log", {"contact": "maria", "kind": "call", "text": "from an agent"})
        return refused.value

    error = session(calls=calls)
    assert error.error.message == ("Error: log changes the database, and this server is read-only. "
                                   "Start it with: minicrm mcp --allow-writes")  # fmt: skip
    assert "from an agent" not in demo.ok("history", "maria").stdout


def test_errors_are_the_one_line_messages_of_the_cli(demo):
    async def calls(client):
        errors = []
        for name, arguments in (("show", {"contact": "nobody here"}), ("due", {"kind": ["bogus"]}),
                                ("history", {"since": "the day after never"})):
            with pytest.raises(MCPError) as refused:
                await client.call_tool(name, arguments)
            errors.append(refused.value.error)
        return errors

    shown, kind, since = session(calls=calls)
    assert shown.message == demo("show", "nobody here").stderr.strip()
    assert shown.data == {"exit_code": 3}
    assert kind.message == demo("due", "--kind", "bogus").stderr.strip()
    assert since.message == demo("history", "--since", "the day after never").stderr.strip()
    assert since.data == {"exit_code": 2} and since.code == -32602


def test_agent_writes_are_audited_changes_that_undo_reverts(demo):
    async def calls(client):
        names = [t.name for t in (await client.list_tools()).tools]
        logged = json.loads(text(await client.call_tool(
            "log", {"contact": "maria", "kind": "call", "text": "Agent: confirmed Friday's order"})))
        added = json.loads(text(await client.call_tool("add", {"name": "Zoe Agent", "email": ["zoe@example.com"]})))
        reminded = json.loads(text(await client.call_tool(
            "remind", {"contact": "zoe@example.com", "text": "Welcome call", "on": "tomorrow 10am"})))
        snoozed = json.loads(text(await client.call_tool("snooze", {"item": str(reminded["id"]), "until": "fri"})))
        done = json.loads(text(await client.call_tool("done", {"items": [str(reminded["id"])]})))
        return names, logged, added, reminded, snoozed, done

    names, logged, added, reminded, snoozed, done = session("--allow-writes", calls=calls)
    assert names == READS + WRITES
    assert logged["contact_name"] == "Maria Gonzalez" and logged["kind"] == "call"
    assert demo.ok("show", str(added["id"]), "--json").json()["name"] == "Zoe Agent"
    assert snoozed["due_on"] == "2026-11-20" and done[0]["status"] == "done"
    commands = [entry["command"] for entry in demo.ok("audit", "--json").json()]
    assert {"mcp log", "mcp add", "mcp remind", "mcp snooze", "mcp done"} <= set(commands)
    demo.ok("undo", "5")  # the agent's five changes, newest first
    assert "Agent: confirmed" not in demo.ok("history", "maria").stdout
    assert demo("show", "Zoe Agent").exit_code == 3


def test_without_the_mcp_package_one_line_says_how_to_install_it(isolated):
    code = ("import sys; sys.modules['mcp'] = None\n"
            "from minicrm.cli import main\n"
            "sys.argv = ['minicrm', 'mcp']\n"
            "main()\n")  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         env={**os.environ, "MINICRM_DEBUG": ""})  # fmt: skip
    assert out.returncode == 1 and out.stdout == ""
    assert out.stderr.startswith("Error: minicrm mcp needs the mcp package, which is not installed")
    assert out.stderr.rstrip().endswith("Install it with: pip install 'minicrm[mcp]'")
    assert out.stderr.count("\n") == 1
