"""The MCP server: minicrm's commands as tools for an agent, over stdio.

Each tool runs the command of the same name, the very function ``minicrm NAME --json`` runs,
so its result is the same JSON records, its checks the same rules and its errors the same
one-line messages (returned as MCP tool errors). Writes exist only with ``--allow-writes``;
each is an ordinary change in the audit trail, its command ``mcp NAME`` (so ``minicrm audit``
shows where it came from) and ``minicrm undo`` reverts it. The ``mcp`` package (an optional
extra, ``minicrm[mcp]``) is imported only here, when the server starts: it costs 1 to 4 seconds
and 65 MB, which no other command pays.
"""

import io
from contextlib import redirect_stdout
from typing import Annotated, Any

import typer

from minicrm.cli.common import note

app = typer.Typer()  # the commands declared here; minicrm.cli.COMMANDS routes to them

READS = ("search", "show", "due", "history", "report", "customers", "at-risk")
WRITES = ("log", "remind", "done", "snooze", "add")
INSTALL = "pip install 'minicrm[mcp]'"


class ToolContext:
    """What a command function reads from its click context: the root options and its path."""

    def __init__(self, obj: Any, name: str):
        self.obj = obj
        self.command_path = f"minicrm mcp {name}"


@app.command("mcp")
def mcp(
    ctx: typer.Context,
    allow_writes: Annotated[bool, typer.Option("--allow-writes",
        help="Also offer log, remind, done, snooze and add (each audited, undone by minicrm undo)")] = False,
) -> None:  # fmt: skip
    """Serve minicrm to AI agents: an MCP server on stdio.

    Tools: search, show, due, history, report, customers and at-risk; with
    --allow-writes also log, remind, done, snooze and add. Results are the
    JSON records of --json; errors the same one-line messages. Needs the mcp
    extra: pip install 'minicrm[mcp]'. See docs/agents.md to register it.

    \b
    Example:
      minicrm mcp
      minicrm --db ~/crm.db mcp --allow-writes
    """
    try:
        server = build(ctx.obj, allow_writes)
    except ImportError as error:
        from minicrm.errors import MiniCrmError

        raise MiniCrmError(f"minicrm mcp needs the mcp package, which is not installed ({error.name or error})",
                           f"Install it with: {INSTALL}") from None  # fmt: skip
    note(f"minicrm MCP server on stdio ({'reads and writes' if allow_writes else 'read-only'}); Ctrl-C stops it.")
    server.run("stdio")


def call(obj: Any, name: str, command: Any, /, **arguments: Any) -> str:
    """Run a command function as ``minicrm NAME --json`` would: its JSON output, or a ToolError with its
    one-line message."""
    from minicrm.cli import safe
    from minicrm.errors import MiniCrmError

    out = io.StringIO()
    try:
        with redirect_stdout(out):
            command(ToolContext(obj, name), **arguments, fmt=None, as_json=True)
    except MiniCrmError as error:
        raise refusal(f"Error: {safe(str(error))}", error.exit_code) from None
    except typer.Exit as stop:
        if stop.exit_code:
            raise refusal(f"Error: minicrm {name} stopped (exit {stop.exit_code})", stop.exit_code) from None
    except OSError as error:
        raise refusal(f"Error: {safe(error.strerror or str(error))}: {error.filename or ''}".rstrip(": "), 1) from None
    except Exception as error:  # a bug: the same line the command line gives, not a traceback to the agent
        raise refusal(f"Error: internal error ({type(error).__name__}: {safe(str(error))}). Please report it", 1) \
            from error
    return out.getvalue()


def refusal(message: str, exit_code: int) -> Exception:
    """An MCP error (JSON-RPC) with the one line ``minicrm`` prints, and its exit code as data:
    invalid params for usage errors (exit 2), else an internal error of the tool."""
    from mcp.shared.exceptions import MCPError

    return MCPError(code=-32602 if exit_code == 2 else -32603, message=message, data={"exit_code": exit_code})


def build(obj: Any, allow_writes: bool) -> Any:
    """The server and its tools (``mcp`` imported here)."""
    from mcp.server.mcpserver import MCPServer

    from minicrm import __version__
    from minicrm.cli import activity, agenda, contacts, customers, reminders, report, search

    class Server(MCPServer):
        async def call_tool(self, name: str, arguments: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
            if name in WRITES and not allow_writes:
                raise refusal(f"Error: {name} changes the database, and this server is read-only. "
                              "Start it with: minicrm mcp --allow-writes", 2)  # fmt: skip
            return await super().call_tool(name, arguments, *args, **kwargs)

    server = Server("minicrm", version=__version__, log_level="WARNING", instructions=(
        "minicrm is a local CRM: contacts, interactions (calls, emails, orders...), reminders, deals. "
        "Start with due (the day's work, most urgent first); CONTACT is an id, an exact email, or a name or "
        "part of one. Results are JSON records as minicrm --json prints them. WHEN is a date phrase such as "
        "tomorrow 9am, fri, 2026-12-01 or 3d."))  # fmt: skip

    def tool(name: str, fn: Any) -> None:
        server.add_tool(fn, name=name, description=fn.__doc__, structured_output=False)

    async def search_tool(text: str, limit: int = 50) -> str:
        """Search contacts (any 3 characters of name, organisation, note, emails, phones, tags, fields) and
        interaction texts (every word as a prefix); best matches first."""
        return call(obj, "search", search.search, text=text, limit=limit)

    async def show_tool(contact: str) -> str:
        """A contact with its details, open reminders, recent interactions and stage history."""
        return call(obj, "show", contacts.show, contact=contact)

    async def due_tool(week: bool = False, overdue: bool = False, today: bool = False,
                       kind: list[str] | None = None) -> str:  # fmt: skip
        """The day's work, most urgent first: reminders, contacts past their cadence, deals past their close
        date, likely reorders, occasions; each with why it is there. Default: overdue and due today; week: the
        next 7 days too. kind: reminder, cadence, deal, reorder or occasion."""
        return call(obj, "due", agenda.due, week=week, overdue=overdue, today=today, kind=kind or None)

    async def history_tool(contact: str | None = None, kind: list[str] | None = None, since: str | None = None,
                           until: str | None = None, limit: int | None = 50) -> str:  # fmt: skip
        """Interactions, newest first: of one contact or everyone's; kind: call, email, meeting, note, order,
        message, visit, ticket, referral or refund; since/until: WHEN phrases."""
        return call(obj, "history", activity.history, contact=contact, kind=kind or None, since=since, until=until,
                    limit=limit)  # fmt: skip

    async def report_tool(since: str | None = None, until: str | None = None) -> str:
        """The overview: funnel, pipeline, revenue, customers at risk, for a window (default: the last 30 days)."""
        return call(obj, "report", report.report, since=since, until=until)

    async def customers_tool(group: str | None = None, sort: str = "value", limit: int | None = 50) -> str:
        """Customers by value, with their rhythm and RFM group; sort: value, orders or recent."""
        return call(obj, "customers", customers.customers, group=group, sort=sort, limit=limit)

    async def at_risk_tool(limit: int | None = 50) -> str:
        """Customers gone quiet (silent for twice their usual gap), most valuable first."""
        return call(obj, "at-risk", customers.at_risk, limit=limit)

    for name, fn in (("search", search_tool), ("show", show_tool), ("due", due_tool), ("history", history_tool),
                     ("report", report_tool), ("customers", customers_tool), ("at-risk", at_risk_tool)):
        tool(name, fn)
    if not allow_writes:
        return server

    async def log_tool(contact: str, kind: str, text: str | None = None, at: str | None = None,
                       amount: str | None = None) -> str:  # fmt: skip
        """Record an interaction with a contact: kind call, email, meeting, note, order, message, visit, ticket,
        referral or refund; at: when it happened (WHEN, default now); amount: for an order or refund."""
        return call(obj, "log", activity.log, contact=contact, kind=kind, text=text, at=at, amount=amount)

    async def remind_tool(contact: str, text: str, on: str, every: str | None = None) -> str:
        """Set a follow-up reminder: on is WHEN (tomorrow 9am, fri...); every a repeat rule (weekly, every 2
        weeks...)."""
        return call(obj, "remind", reminders.remind, contact=contact, text=text, on=on, every=every)

    async def done_tool(items: list[str]) -> str:
        """Complete reminders (their ids) or clear other items of due (their item_id, e.g. cadence:12)."""
        return call(obj, "done", reminders.done, ids=items)

    async def snooze_tool(item: str, until: str) -> str:
        """Postpone a reminder (its id) or another item of due (its item_id) until a day (WHEN)."""
        return call(obj, "snooze", reminders.snooze, reminder_id=item, until=until)

    async def add_tool(name: str, email: list[str] | None = None, phone: list[str] | None = None,
                       org: str | None = None, tag: list[str] | None = None, stage: str | None = None,
                       note: str | None = None) -> str:  # fmt: skip
        """Create a contact; stage: awareness, consideration, purchase, retention or advocacy."""
        return call(obj, "add", contacts.add, name=name, email=email, phone=phone, org=org, tag=tag, stage=stage,
                    note_=note)  # fmt: skip

    for name, fn in (("log", log_tool), ("remind", remind_tool), ("done", done_tool), ("snooze", snooze_tool),
                     ("add", add_tool)):
        tool(name, fn)
    return server
