"""The digest as a message: plain text (e-mail, chat), Markdown, a small HTML page, or JSON.

Every format lists the same items in the same order (``services.digest.build``), with the
day, the counts, and for each item who, what, why and its ``item_id``. User text is data:
control characters are scrubbed everywhere, Markdown's and HTML's special characters are
escaped. Standard library only.
"""

from __future__ import annotations

import html as _html
import json
import re
from typing import TYPE_CHECKING

from minicrm.models import json_safe, record_dict
from minicrm.render import scrub

if TYPE_CHECKING:
    from minicrm.services.digest import Digest


def _day(day) -> str:  # noqa: ANN001
    return f"{day:%A} {day.day} {day:%B %Y}"


def heading(digest: Digest) -> str:
    """``Wednesday 18 November 2026`` or ``Week of Wednesday 18 November 2026 to 25 November``."""
    if digest.span == "week":
        return f"Week of {_day(digest.day)} to {digest.last.day} {digest.last:%B}"
    return _day(digest.day)


def summary(digest: Digest) -> str:
    """``3 to do: 1 overdue, 2 today`` or ``Nothing due``."""
    counts = digest.counts()
    if not counts["total"]:
        return "Nothing due"
    parts = ", ".join(f"{counts[s]} {s}" for s in ("overdue", "today", "upcoming") if counts[s])
    return f"{counts['total']} to do: {parts}"


def subject(digest: Digest) -> str:
    """The mail subject and notification title."""
    return f"minicrm: {summary(digest)} ({heading(digest)})"


def _one_line(text: str | None) -> str:
    return " ".join(scrub(text or "").split())


def _when(item) -> str:  # noqa: ANN001
    time = f" {item.due_time:%H:%M}" if item.due_time else ""
    if item.state == "upcoming":
        return f"{item.due_on:%a %d %b}{time}"
    return item.state + time


def text(digest: Digest) -> str:
    lines = [f"minicrm · {heading(digest)}", summary(digest) + ("." if not digest.items else ""), ""]
    for number, item in enumerate(digest.items, start=1):
        lines.append(f"{number}. {_one_line(item.contact_name)}: {_one_line(item.text)}")
        lines.append(f"   {_when(item)} · {_one_line(item.reason)} · {item.item_id}")
    if digest.items:
        lines += ["", "Mark one done: minicrm done ITEM · the whole list: minicrm due"]
    return "\n".join(lines).rstrip("\n") + "\n"


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~&])")


def _md(value: str | None) -> str:
    return _MARKDOWN_SPECIAL.sub(r"\\\1", _one_line(value))


def markdown(digest: Digest) -> str:
    lines = [f"# minicrm · {_md(heading(digest))}", "", f"**{_md(summary(digest))}**", ""]
    for number, item in enumerate(digest.items, start=1):
        lines.append(f"{number}. **{_md(item.contact_name)}**: {_md(item.text)}  ")
        lines.append(f"   {_md(_when(item))} · {_md(item.reason)} · `{item.item_id}`")
    return "\n".join(lines).rstrip("\n") + "\n"


def _h(value: str | None) -> str:
    return _html.escape(_one_line(value), quote=True)


_STYLE = ("body{font-family:system-ui,sans-serif;max-width:40em;margin:1em auto;padding:0 1em;color:#222}"
          "li{margin:.6em 0}.why{color:#666;font-size:.9em}.overdue{color:#b00}code{font-size:.85em}")  # fmt: skip


def html(digest: Digest) -> str:
    """A small self-contained page: no scripts, no external resources."""
    rows = []
    for item in digest.items:
        rows.append(f'<li><strong>{_h(item.contact_name)}</strong>: {_h(item.text)}<br>'
                    f'<span class="why"><span class="{_h(item.state)}">{_h(_when(item))}</span> · {_h(item.reason)}'
                    f' · <code>{_h(item.item_id)}</code></span></li>')  # fmt: skip
    listing = f"<ol>\n{chr(10).join(rows)}\n</ol>\n" if rows else ""
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>{_h(subject(digest))}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
            f"<h1>minicrm · {_h(heading(digest))}</h1>\n<p><strong>{_h(summary(digest))}</strong></p>\n"
            f"{listing}</body>\n</html>\n")  # fmt: skip


def as_json(digest: Digest) -> str:
    """``{"day", "last", "span", "counts", "items"}``: the items as ``due --json`` writes them."""
    document = {"day": digest.day.isoformat(), "last": digest.last.isoformat(), "span": digest.span,
                "counts": digest.counts(), "items": [record_dict(item) for item in digest.items]}  # fmt: skip
    return json_safe(json.dumps(document, ensure_ascii=False, indent=2)) + "\n"


WRITERS = {"text": text, "markdown": markdown, "html": html, "json": as_json}


def message(digest: Digest, fmt: str) -> str:
    return WRITERS[fmt](digest)
