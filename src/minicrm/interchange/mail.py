"""Mail in: the messages of an mbox file, a Maildir folder, a ``.eml`` file or a folder of them.

``sources()`` checks the paths given (before the database is touched) and says what each one
is; ``scan()`` yields every message of a source as a ``Mail`` or, when it cannot be read, an
``Unreadable`` with the reason. A broken message never stops the scan.

A message is never held whole: its headers (at most ``HEADER_BYTES``) and the first
``BODY_BYTES`` of its body are kept, and the rest (an attachment of 20 MB) is read past in
chunks of at most ``CHUNK`` bytes. That is why the mbox file is split here rather than by
``mailbox.mbox``, whose messages are read whole into memory; Maildir folders are listed with
``mailbox.Maildir`` and each file is read the same way. The ``email`` package (the lenient
``compat32`` policy) parses what was kept; the body text is the first plain-text part (else
the first HTML part, turned into text), with quoted replies and signatures trimmed.

Nothing here prints, reads the clock or touches the store.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import NamedTuple

from minicrm.errors import UsageError

HEADER_BYTES = 1 << 20  # headers longer than this: unreadable
BODY_BYTES = 256 << 10  # what is kept of a body to find its text; the rest is read past
CHUNK = 64 << 10  # the longest piece read at once (a line of base64 without line breaks)
EXCERPT = 500  # characters of the body kept in the interaction's text
SUBJECT = 500  # characters of the subject kept


class Mail(NamedTuple):
    """A message, as much of it as the log needs."""

    key: str  # the Message-ID, else "sha256:..." of the headers that identify it
    at: datetime  # its Date, an aware instant
    sender: tuple[str, str] | None  # (display name, address lowercased) of From
    recipients: tuple[tuple[str, str], ...]  # (display name, address) of To and Cc
    subject: str
    excerpt: str  # the first part of the plain text, quotes and signature trimmed
    bulk: str | None  # why it is mass mail ("List-Id", "Precedence: bulk"), else None


class Unreadable(NamedTuple):
    reason: str


# ------------------------------------------------------------------ sources


def sources(paths: Sequence[str]) -> list[tuple[str, str]]:
    """Each path with what it is: ``mbox``, ``maildir``, ``eml`` (one message) or ``folder``
    (of ``.eml`` files). A path that does not exist or cannot be read is refused here."""
    found = []
    for text in paths:
        path = Path(text).expanduser()
        if path.is_dir():
            kind = "maildir" if (path / "cur").is_dir() and (path / "new").is_dir() else "folder"
        elif path.is_file():
            try:
                with open(path, "rb") as stream:
                    start = stream.read(5)
            except OSError as error:
                raise UsageError(f"cannot read {text}: {error.strerror}", "Check the path and its permissions") from None
            kind = "mbox" if start == b"From " else "eml"
        else:
            raise UsageError(f"{text} is not a file or folder", "Give an mbox file, a Maildir folder, or .eml files")
        found.append((text, kind))
    return found


def scan(path: str, kind: str) -> Iterator[tuple[str, Mail | Unreadable]]:
    """Every message of one source: (where it is, the message or why it cannot be read)."""
    if kind == "mbox":
        yield from _scan_mbox(path)
    elif kind == "maildir":
        import mailbox

        box = mailbox.Maildir(Path(path).expanduser(), factory=None, create=False)
        for key in sorted(box.iterkeys()):
            yield f"{path} message {key}", _read_file(lambda k=key: box.get_file(k))
    elif kind == "folder":
        for file in sorted(Path(path).expanduser().rglob("*.eml")):
            if file.is_file():
                yield str(file), _read_file(lambda f=file: open(f, "rb"))  # noqa: SIM115
    else:
        yield path, _read_file(lambda: open(Path(path).expanduser(), "rb"))  # noqa: SIM115


def _read_file(opener) -> Mail | Unreadable:  # noqa: ANN001
    try:
        with opener() as stream:
            keep = _Keeper()
            while chunk := stream.readline(CHUNK):
                keep.add(chunk)
    except OSError as error:
        return Unreadable(f"cannot read the file ({error.strerror or error})")
    return keep.mail()


def _scan_mbox(path: str) -> Iterator[tuple[str, Mail | Unreadable]]:
    """Split an mbox file on its ``From `` lines (at the start of the file or after an empty line)."""
    number = 0
    keep: _Keeper | None = None
    line_start, blank_before = True, True
    with open(Path(path).expanduser(), "rb") as stream:
        while chunk := stream.readline(CHUNK):
            if line_start and blank_before and chunk.startswith(b"From "):
                if keep is not None:
                    yield f"{path} message {number}", keep.mail()
                number += 1
                keep = _Keeper(envelope=chunk)
            elif keep is not None:
                keep.add(chunk)
            ends = chunk.endswith(b"\n")
            blank_before = line_start and ends and chunk.strip(b"\r\n") == b""
            line_start = ends
    if keep is not None:
        yield f"{path} message {number}", keep.mail()


# ------------------------------------------------------------------ one message


class _Keeper:
    """The kept part of one message, fed a line (or a piece of a long line) at a time."""

    def __init__(self, envelope: bytes | None = None) -> None:
        self.envelope = envelope  # the mbox "From sender date" line
        self.head: list[bytes] = []
        self.head_size = 0
        self.body: list[bytes] = []
        self.body_size = 0
        self.in_body = False
        self.line_start = True

    def add(self, chunk: bytes) -> None:
        if self.in_body:
            if self.body_size < BODY_BYTES:
                self.body.append(chunk)
                self.body_size += len(chunk)
            return
        if self.line_start and chunk.strip(b"\r\n") == b"":
            self.in_body = True
            return
        self.head_size += len(chunk)
        if self.head_size <= HEADER_BYTES:
            self.head.append(chunk)
        self.line_start = chunk.endswith(b"\n")

    def mail(self) -> Mail | Unreadable:
        if not self.head:
            return Unreadable("empty message")
        if self.head_size > HEADER_BYTES:
            return Unreadable(f"headers longer than {HEADER_BYTES >> 20} MB")
        try:
            return _parse(b"".join(self.head), b"".join(self.body), self.envelope)
        except Exception as error:  # noqa: BLE001  (a message the email package cannot take is one message lost, counted)
            return Unreadable(f"cannot parse it ({type(error).__name__})")


def _parse(head: bytes, body: bytes, envelope: bytes | None) -> Mail | Unreadable:
    from email import policy
    from email.parser import BytesParser

    message = BytesParser(policy=policy.compat32).parsebytes(head + b"\n" + body)
    headers: dict[str, list[str]] = {}
    for name, value in message.raw_items():
        headers.setdefault(name.strip().lower(), []).append(_unfold(value))
    first = {name: values[0] for name, values in headers.items()}
    if not any(name in headers for name in ("from", "to", "cc", "date", "subject", "message-id")):
        return Unreadable("no mail headers (From, To, Date...)")
    at = _date(first.get("date"), headers.get("received", ()), envelope)
    if at is None:
        return Unreadable("no readable date (Date, Received or the mbox From line)")
    senders = _addresses(headers.get("from", []))
    recipients = _addresses(headers.get("to", []) + headers.get("cc", []))
    if not senders and not recipients:
        return Unreadable("no address in From, To or Cc")
    subject = _one_line(_words(_text(first.get("subject", ""))))[:SUBJECT]
    message_id = _text(first.get("message-id", "")).strip()
    if message_id and not _CONTROL.search(message_id) and len(message_id) <= 998:
        key = message_id
    else:
        identity = "\n".join(_text(first.get(name, "")) for name in ("date", "from", "to", "cc", "subject"))
        key = "sha256:" + hashlib.sha256(identity.encode("utf-8", "surrogateescape")).hexdigest()
    return Mail(key=key, at=at, sender=senders[0] if senders else None, recipients=tuple(recipients),
                subject=subject, excerpt=_excerpt(message), bulk=_bulk(first))  # fmt: skip


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_SURROGATE = re.compile("[\udc80-\udcff]")
_FOLD = re.compile(r"\r?\n[ \t]")


def _unfold(value: object) -> str:
    return _FOLD.sub(" ", str(value)).strip()


def _text(raw: str) -> str:
    """A raw header value as text: bytes that were not ASCII read as UTF-8, else Windows-1252."""
    if not _SURROGATE.search(raw):
        return raw
    return decode_bytes(raw.encode("ascii", "surrogateescape"), None)


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Bytes in ``charset`` (when Python knows it), else UTF-8, else Windows-1252; never raises."""
    import codecs

    if charset:
        try:
            codecs.lookup(charset)
            return data.decode(charset, "replace")
        except (LookupError, ValueError):
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", "replace")


def _words(text: str) -> str:
    """RFC 2047 encoded words (``=?utf-8?q?...?=``) decoded; anything unreadable left as it was."""
    if "=?" not in text:
        return text
    from email.header import decode_header

    try:
        parts = decode_header(text)
    except Exception:  # noqa: BLE001
        return text
    return "".join(decode_bytes(part, charset) if isinstance(part, bytes) else part for part, charset in parts)


def _one_line(text: str) -> str:
    return " ".join(_CONTROL.sub(" ", text).split())


def _addresses(values: list[str]) -> list[tuple[str, str]]:
    """(display name, address lowercased) of each address in the header values, in order."""
    from email.utils import getaddresses

    found = []
    for name, address in getaddresses([_text(v) for v in values]):
        address = address.strip().strip("<>").lower()
        if "@" in address and not _CONTROL.search(address) and " " not in address:
            found.append((_one_line(_words(name)).strip("\"' "), address))
    return found


def _date(value: str | None, received: Sequence[str], envelope: bytes | None) -> datetime | None:
    """The Date header as an aware instant; else the newest Received header's; else the mbox From line's."""
    from email.utils import parsedate_to_datetime

    candidates = [value] if value else []
    candidates += [r.rsplit(";", 1)[1] for r in received[:1] if ";" in r]
    if envelope:
        parts = envelope.decode("ascii", "replace").split(None, 2)
        if len(parts) == 3:
            candidates.append(parts[2])
    for text in candidates:
        try:
            moment = parsedate_to_datetime(_text(text).strip())
        except (TypeError, ValueError, IndexError, OverflowError):
            moment = _asctime(text)
        if moment is None:
            continue
        moment = moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment
        try:
            moment.astimezone(timezone.utc)
        except (OverflowError, ValueError):
            continue
        if 1970 <= moment.year <= 9998:
            return moment
    return None


def _asctime(text: str) -> datetime | None:
    """The date of an mbox From line (``Tue Nov 17 14:02:11 2026``), in UTC."""
    try:
        return datetime.strptime(" ".join(text.split()[:5]), "%a %b %d %H:%M:%S %Y").replace(tzinfo=timezone.utc)
    except ValueError:
        return None


def _bulk(first: dict[str, str]) -> str | None:
    if "list-id" in first:
        return "List-Id"
    precedence = first.get("precedence", "").strip().lower()
    if precedence in ("bulk", "list", "junk"):
        return f"Precedence: {precedence}"
    return None


# ------------------------------------------------------------------ the body text


def _excerpt(message) -> str:  # noqa: ANN001  (an email.message.Message)
    plain = html = None
    for part in message.walk():
        if part.is_multipart():
            continue
        disposition = str(part.get("Content-Disposition", "")).split(";")[0].strip().lower()
        if disposition == "attachment":
            continue
        kind = part.get_content_type()
        if kind == "text/plain" and plain is None:
            plain = part
            break
        if kind == "text/html" and html is None:
            html = part
    part = plain or html
    if part is None:
        return ""
    try:
        data = part.get_payload(decode=True) or b""
    except Exception:  # noqa: BLE001
        return ""
    text = decode_bytes(data, part.get_content_charset())
    if part is html:
        text = html_text(text)
    return excerpt(trim_reply(text))


_ATTRIBUTION = re.compile(
    r"^[ \t]*(?:On|Am|Le|El|Op|Il|Em)\b[^\n]{0,300}?(?:\n[^\n]{0,200}?)?"
    r"(?:wrote|schrieb|a écrit|escribió|schreef|ha scritto|escreveu)\s*:[ \t]*$",
    re.MULTILINE,
)
_DIVIDER = re.compile(
    r"^[ \t]*(?:-{2,}\s*(?:Original Message|Forwarded message|Ursprüngliche Nachricht|Message d'origine|"
    r"Weitergeleitete Nachricht)|_{10,}\s*$|(?:From|Von|De):\s.*\n\s*(?:Sent|Date|Gesendet|Datum|Envoyé):)",
    re.MULTILINE | re.IGNORECASE,
)
_SENT_FROM = re.compile(r"^\s*(?:Sent from my|Von meinem|Envoyé de mon|Get Outlook for)\b", re.IGNORECASE)


def trim_reply(text: str) -> str:
    """The new text of a message: quoted lines, the quote's attribution line, a forwarded or
    original message, and the signature (after ``-- ``) cut off."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    cut = len(text)
    for pattern in (_ATTRIBUTION, _DIVIDER):
        found = pattern.search(text)
        if found:
            cut = min(cut, found.start())
    kept = []
    for line in text[:cut].split("\n"):
        if line.rstrip() == "--" or _SENT_FROM.match(line):
            break
        if line.lstrip().startswith(">"):
            continue
        kept.append(line.rstrip())
    return "\n".join(kept)


def excerpt(text: str, limit: int = EXCERPT) -> str:
    """The first ``limit`` characters of a text, blank lines collapsed, cut at a word with an ellipsis."""
    text = _CONTROL_BLOCK.sub(" ", text)
    text = re.sub(r"\n[ \t]*(?:\n[ \t]*)+", "\n\n", text).strip()
    if len(text) <= limit:
        return text
    cut = text[:limit]
    space = max(cut.rfind(" "), cut.rfind("\n"))
    return (cut[:space] if space > limit // 2 else cut).rstrip() + "…"


_CONTROL_BLOCK = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def html_text(html: str) -> str:
    """An HTML body as plain text: blocks on their own lines, scripts, styles and quoted replies left out."""
    from html.parser import HTMLParser

    blocks = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "hr"}
    hidden = {"script", "style", "head", "title", "blockquote"}

    class Text(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.parts: list[str] = []
            self.hiding: str | None = None  # the element being left out, and how deep in it
            self.depth = 0

        def handle_starttag(self, tag: str, attrs: list) -> None:
            if self.hiding:
                self.depth += tag == self.hiding
            elif tag in hidden or (tag == "div" and any(k == "class" and v and "quote" in v for k, v in attrs)):
                self.hiding, self.depth = tag, 1  # a quoted reply: gmail_quote, yahoo_quoted...
            elif tag in blocks:
                self.parts.append("\n")

        def handle_endtag(self, tag: str) -> None:
            if self.hiding:
                if tag == self.hiding:
                    self.depth -= 1
                    self.hiding = self.hiding if self.depth else None
            elif tag in blocks:
                self.parts.append("\n")

        def handle_data(self, data: str) -> None:
            if not self.hiding:
                self.parts.append(re.sub(r"\s+", " ", data))

    reader = Text()
    try:
        reader.feed(html)
        reader.close()
    except Exception:  # noqa: BLE001  (html.parser is lenient; a failure leaves what was read)
        pass
    lines = [" ".join(line.split()) for line in "".join(reader.parts).split("\n")]
    return "\n".join(lines)
