"""vCard in: contacts read from vCard files.

Reading is our own small layer over RFC 6350 (4.0), RFC 2426 (3.0) and the vCard
2.1 specification, because a contact must arrive whole: values are unescaped per
property (a comma inside FN, NOTE or TITLE is text; N and ADR are structured),
quoted-printable soft line breaks are joined and ``CHARSET`` is honoured per
property, lines are counted in the file, and nothing is ever logged. A property
that cannot be read (a broken PHOTO, a line that is not a property, an unknown
property) is skipped with a warning naming the card and its line.
``read_vcf`` yields the same ``(line, raw, source)`` triples as the other
readers; writing is ``vcard_write``. Nothing here prints.
"""

from __future__ import annotations

import base64
import binascii
import quopri
import re
from collections.abc import Iterator
from typing import IO, Any, NamedTuple

from minicrm.interchange.records import FALLBACK, SURROGATE, Notice, RowError, tag_slug
from minicrm.interchange.vcard_write import structured_name

# vCard properties kept as custom fields, under these names
_AS_FIELDS = {"TITLE": "title", "ROLE": "role", "NICKNAME": "nickname", "URL": "url", "ADR": "address",
              "IMPP": "im", "X-SKYPE": "skype", "X-JABBER": "im", "X-AIM": "im", "X-ICQ": "im", "X-MSN": "im",
              "X-YAHOO": "im", "X-GOOGLE-TALK": "im", "X-QQ": "im", "ANNIVERSARY": "anniversary",
              "X-ANNIVERSARY": "anniversary", "X-ASSISTANT": "assistant", "X-MANAGER": "manager",
              "X-SPOUSE": "spouse", "X-GENDER": "gender", "GENDER": "gender", "X-MAIDENNAME": "maiden_name",
              "X-MS-MANAGER": "manager", "X-MS-ASSISTANT": "assistant", "X-MS-ANNIVERSARY": "anniversary",
              "X-MS-SPOUSE": "spouse", "X-KADDRESSBOOK-X-SPOUSESNAME": "spouse", "X-GTALK": "im", "X-SIP": "sip",
              "X-KADDRESSBOOK-X-PROFESSION": "profession", "X-KADDRESSBOOK-X-OFFICE": "office",
              "X-KADDRESSBOOK-X-MANAGERSNAME": "manager", "X-KADDRESSBOOK-X-IMADDRESS": "im",
              "X-KADDRESSBOOK-X-DEPARTMENT": "department", "X-KADDRESSBOOK-X-ASSISTANTSNAME": "assistant",
              "X-KADDRESSBOOK-X-ANNIVERSARY": "anniversary"}  # fmt: skip
# Properties minicrm has no place for, skipped without a word: the card's bookkeeping, media,
# formatted labels that repeat ADR, and the usual vendor bookkeeping.
_IGNORED = {"BEGIN", "END", "VERSION", "PRODID", "REV", "LABEL", "SORT-STRING", "CLASS", "PROFILE", "SOURCE",
            "NAME", "MAILER", "TZ", "GEO", "KIND", "LANG", "XML", "CLIENTPIDMAP", "FBURL", "CALURI",
            "CALADRURI", "KEY", "SOUND", "LOGO", "PHOTO", "AGENT", "MEMBER", "RELATED", "X-ABUID", "X-ABLABEL",
            "X-ABSHOWAS", "X-ABADR", "X-ABRELATEDNAMES", "X-ABDATE", "X-GENERATOR", "X-MOZILLA-HTML",
            "X-MS-OL-DEFAULT-POSTAL-ADDRESS", "X-MS-CARDPICTURE", "X-WAB-GENDER", "X-PHONETIC-FIRST-NAME",
            "X-PHONETIC-LAST-NAME", "X-EVOLUTION-FILE-AS", "X-EVOLUTION-BLOG-URL", "X-EVOLUTION-VIDEO-URL",
            "X-EVOLUTION-LIST", "X-EVOLUTION-LIST-SHOW_ADDRESSES", "X-EVOLUTION-ARBITRARY",
            "X-EVOLUTION-SPOUSE", "X-EVOLUTION-MANAGER", "X-EVOLUTION-ASSISTANT", "X-EVOLUTION-ANNIVERSARY",
            "X-EVOLUTION-E164", "X-COUCHDB-APPLICATION-ANNOTATIONS", "X-COUCHDB-UUID", "X-COUCHDB-REVISION",
            "X-ADDRESSBOOKSERVER-KIND", "X-ADDRESSBOOKSERVER-MEMBER", "X-SOCIALPROFILE", "X-ACTIVITY-ALERT",
            "X-IMAGETYPE", "X-IMAGEHASH", "X-ABRELATEDNAMES", "X-SHOWAS", "X-MS-IMADDRESS", "X-MS-TEL",
            "X-MS-CARDPICTURE", "X-RADICALE-NAME", "X-PHOTO", "CREATED", "X-ANDROID-CUSTOM",
            "X-PHONETIC-MIDDLE-NAME", "X-DAVDROID-STARRED", "X-GROUP-MEMBERSHIP", "X-MS-OL-DESIGN",
            "X-MOZILLA-CPT", "X-ETAG", "X-ID"}  # fmt: skip
_MEDIA = {"PHOTO", "LOGO", "SOUND", "KEY"}
_NAME = re.compile(r"^(?:([A-Za-z0-9-]+)\.)?([A-Za-z0-9-]+)$")


class Property(NamedTuple):
    """One content line of a card, unfolded and decoded; ``value`` is still escaped."""

    line: int  # the file line it starts on
    name: str  # upper-case, without its group
    params: dict[str, list[str]]  # upper-case keys; vCard 2.1's bare types (``TEL;WORK``) under TYPE
    value: str


# ------------------------------------------------------------------ the content-line layer


def _params(text: str) -> dict[str, list[str]] | None:
    """``;TYPE=work,pref;CHARSET="x"`` as a dict, None when it does not parse."""
    params: dict[str, list[str]] = {}
    for m in re.finditer(r';\s*([^;=:"]+)(?:=((?:"[^"]*"|[^;:"])*))?', text):
        key, value = m.group(1).strip().upper(), m.group(2)
        if value is None:  # vCard 2.1: TEL;WORK;VOICE, or ENCODING's bare values
            if key in ("QUOTED-PRINTABLE", "BASE64", "B", "8BIT", "7BIT"):
                params.setdefault("ENCODING", []).append(key)
            else:
                params.setdefault("TYPE", []).append(key)
            continue
        values = [v.strip().strip('"') for v in re.findall(r'"[^"]*"|[^,]+', value)] or [""]
        params.setdefault(key, []).extend(values)
    return params


def split_line(text: str) -> tuple[str | None, str, dict[str, list[str]], str] | None:
    """``group.NAME;params:value`` -> (group, NAME, params, value); None when it is not a property."""
    m = re.match(r'^([^;:]*)((?:;(?:"[^"]*"|[^:"])*)*):', text)
    if not m:
        return None
    head = _NAME.match(m.group(1).strip())
    if not head:
        return None
    return head.group(1), head.group(2).upper(), _params(m.group(2)) or {}, text[m.end():]


def _is_qp(params: dict[str, list[str]]) -> bool:
    return any(v.upper() == "QUOTED-PRINTABLE" for v in params.get("ENCODING", ()))


def content_lines(lines: list[tuple[int, str]]) -> Iterator[tuple[int, str]]:
    """Unfold physical lines into content lines: a line starting with a space or tab continues
    the one before (RFC 6350 3.2); a quoted-printable value ending in ``=`` continues on the next line."""
    current: list[str] = []
    start = 0
    qp = False
    for number, text in lines:
        text = text.rstrip("\r\n")
        if not text:  # not allowed in a card; some writers end lines with CR CR LF
            continue
        if current and qp and current[-1].endswith("="):
            current[-1] = current[-1][:-1]  # a soft line break: the next line is the value's own text
            current.append(text)
            continue
        if current and text[:1] in (" ", "\t"):
            current.append(text[1:])
            continue
        if current:
            yield start, "".join(current)
        current, start = [text], number
        qp = "QUOTED-PRINTABLE" in text.split(":", 1)[0].upper()
    if current:
        yield start, "".join(current)


def decode(value: str, params: dict[str, list[str]], codec: str) -> tuple[str, str | None]:
    """A property's value as text: quoted-printable undone and its CHARSET honoured.

    The file was read in ``codec`` with undecodable bytes kept as surrogates, so the
    original bytes can be recovered and read in the property's own charset. Returns the
    text and, when a guess was made, what was guessed.
    """
    charset = (params.get("CHARSET") or [None])[0]
    qp = _is_qp(params)
    if not qp and not charset and not SURROGATE.search(value):
        return value, None
    if value.isascii():
        raw = value.encode("ascii")
    elif codec.replace("_", "-").lower().startswith("utf-8"):
        raw = value.encode("utf-8", "surrogateescape")
    else:  # the file was read in the encoding the user gave: its text stands
        return value, None
    if qp:
        raw = quopri.decodestring(raw.rstrip(b"="))
    for name in filter(None, (charset, "utf-8")):
        try:
            return raw.decode(name), None
        except LookupError:
            continue
        except UnicodeDecodeError:
            if name == charset:
                break
    return raw.decode(FALLBACK, "replace"), f"its text is not {charset or 'UTF-8'}; read as Windows-1252"


def legible(text: str) -> str:
    """Text for a message: undecodable bytes read as Windows-1252."""
    if not SURROGATE.search(text):
        return text
    return text.encode("utf-8", "surrogateescape").decode(FALLBACK, "replace")


def unescape(text: str) -> str:
    r"""A text value per RFC 6350 3.4: ``\n`` is a line break, ``\,`` ``\;`` ``\\`` the character."""
    if "\\" not in text:
        return text
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) in "nN" else m.group(1), text)


def components(text: str, sep: str = ";") -> list[str]:
    r"""A structured value split on unescaped ``sep`` (each part still escaped)."""
    parts, current, i = [], [], 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            current.append(text[i : i + 2])
            i += 2
            continue
        if ch == sep:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
        i += 1
    parts.append("".join(current))
    return parts


def properties(lines: list[tuple[int, str]], codec: str, warn: Any) -> Iterator[Property]:
    """A card's content lines as ``Property`` records; what cannot be read goes to ``warn(line, text)``."""
    for number, text in content_lines(lines):
        if not text.strip():
            continue
        parts = split_line(text)
        if parts is None:
            shown = legible(text.strip())
            warn(number, f"{shown[:40]!r}{'…' if len(shown) > 40 else ''} is not a vCard property; skipped")
            continue
        _group, name, params, value = parts
        if name in _MEDIA:
            _check_media(number, name, params, value, warn)
            continue
        try:
            value, guess = decode(value, params, codec)
        except ValueError as error:
            warn(number, f"{name} cannot be decoded ({error}); skipped")
            continue
        if guess:
            warn(number, f"{name}: {guess}")
        yield Property(number, name, params, value)


def _check_media(number: int, name: str, params: dict[str, list[str]], value: str, warn: Any) -> None:
    """A PHOTO (or LOGO, SOUND, KEY) minicrm does not keep: a broken one is worth a warning."""
    encoding = {e.upper() for e in params.get("ENCODING", ())}
    data = value.strip()
    if data.startswith("data:") and ";base64," in data[:200]:
        data, encoding = data.split(",", 1)[1], {"B"}
    if encoding & {"B", "BASE64"}:
        try:
            base64.b64decode(re.sub(r"\s+", "", data), validate=True)
        except (binascii.Error, ValueError):
            warn(number, f"{name} is not valid base64; skipped")
            return
        if not data:
            warn(number, f"{name} is empty; skipped")


# ------------------------------------------------------------------ vCard in


def _birthday(text: str, params: dict[str, list[str]]) -> str | None:
    value = text.strip()
    if not value:
        return None
    if "X-APPLE-OMIT-YEAR" in params:  # Apple: BDAY;X-APPLE-OMIT-YEAR=1604:1604-05-17
        value = "--" + value[-5:] if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) else value
    if re.fullmatch(r"[\d-]+T[\d:Z+-]*", value):
        value = value.split("T", 1)[0]
    if m := re.fullmatch(r"--(\d{2})-?(\d{2})", value):
        return f"--{m.group(1)}-{m.group(2)}"
    if m := re.fullmatch(r"(\d{4})(\d{2})(\d{2})", value):
        return f"{m.group(1)}-{m.group(2)}-{m.group(3)}"
    return value


def _text(value: str) -> str:
    return unescape(value).strip()


def _address(value: str) -> str:
    """ADR's seven parts (post box, extended, street, locality, region, code, country) as one text;
    a street of several lines keeps its line breaks."""
    parts = [", ".join(p for p in (_text(c) for c in components(part, ",")) if p) for part in components(value)]
    return ", ".join(p for p in parts if p)


def _country(value: str) -> str | None:
    parts = components(value)
    return _text(parts[6]) or None if len(parts) > 6 else None


def _add_field(raw: dict, key: str, text: str) -> None:
    fields = raw["fields"]
    fields[key] = f"{fields[key]}; {text}" if fields.get(key) and text not in fields[key].split("; ") else text


def card_record(props: list[Property], warn: Any) -> dict:
    """One card's properties as a raw contact record (the importer checks the values).

    ``raw["_origin"]`` says where each email, phone and the birthday came from (file line
    and property), for the importer's warnings and for the custom field that keeps a
    doubtful value; ``raw["_n"]`` is the structured name, when the card had one.
    """
    raw: dict[str, Any] = {"type": "contact", "emails": [], "phones": [], "tags": [], "fields": {},
                           "_origin": {"emails": [], "phones": []}}  # fmt: skip
    notes: list[str] = []
    for prop in props:
        name, value = prop.name, prop.value
        if name == "FN":
            raw["name"] = " ".join(_text(value).split())
        elif name == "N":
            parts = [" ".join(" ".join(_text(x) for x in components(c, ",")).split()) for c in components(value)]
            parts = (parts + [""] * 5)[:5]
            if any(parts):
                raw["_n"] = parts  # family, given, additional, prefix, suffix
        elif name == "EMAIL":
            email = _text(value)
            email = email[7:] if email.lower().startswith("mailto:") else email
            if email:
                raw["emails"].append(email)
                raw["_origin"]["emails"].append((prop.line, name))
        elif name == "TEL":
            phone = _text(value)
            if phone.lower().startswith("tel:"):  # RFC 3966: tel:+1-418-656-9254;ext=102
                phone = re.sub(r";ext=", " ext. ", phone[4:].split(";phone-context=")[0], flags=re.I)
            if phone:
                raw["phones"].append(phone)
                raw["_origin"]["phones"].append((prop.line, name))
        elif name == "ORG":
            parts = [p for p in (_text(c) for c in components(value)) if p]
            if parts:
                raw["org"] = parts[0]
                if parts[1:]:
                    _add_field(raw, "department", ", ".join(parts[1:]))
        elif name == "BDAY":
            raw["birthday"] = _birthday(_text(value), prop.params)
            raw["_origin"]["birthday"] = (prop.line, name)
        elif name == "CATEGORIES":
            raw["tags"] += [t for t in (tag_slug(_text(c)) for c in components(value, ",")) if t]
        elif name == "NOTE":
            if note := unescape(value).strip():
                notes.append(note)
        elif name == "UID":
            raw["uid"] = _text(value).removeprefix("urn:uuid:")
        elif name == "X-MINICRM-STAGE":
            raw["stage"] = _text(value)
        elif name == "X-MINICRM-FIELD":
            key = (prop.params.get("X-KEY") or [""])[0]
            raw["fields"][key] = unescape(value)
        elif name in _AS_FIELDS:
            text = _address(value) if name == "ADR" else _text(value)
            if name == "ADR" and (country := _country(value)):
                raw.setdefault("_countries", []).append(country)
            if text:
                _add_field(raw, _AS_FIELDS[name], text)
        elif name not in _IGNORED:
            warn(prop.line, f"{name} is a property minicrm does not keep; skipped")
    if notes:
        raw["note"] = "\n\n".join(notes)
    if not raw.get("name") and raw.get("_n"):
        family, given, additional, prefix, suffix = raw["_n"]
        raw["name"] = " ".join(p for p in (prefix, given, additional, family, suffix) if p)
    if raw.get("_n") and raw["_n"] == structured_name(raw.get("name") or "", raw.get("org")):
        del raw["_n"]  # the name says it all: nothing to keep
    return raw


def read_vcf(stream: IO[str], codec: str = "utf-8") -> Iterator[tuple[int, Any, Any]]:
    """Each BEGIN:VCARD ... END:VCARD block: ``(line it starts on, raw record or RowError, its text)``.

    What a card holds that cannot be read is listed in ``raw["_warnings"]`` as ``(line, text)``;
    text outside any card is a ``Notice``.
    """
    block: list[tuple[int, str]] = []
    start = nested = 0
    depth = 0
    for number, line in enumerate(stream, start=1):
        upper = line.strip().upper()
        if upper == "BEGIN:VCARD":
            if depth == 0:
                block, start, nested = [], number, 0
            elif not nested:
                nested = number
            depth += 1
        if depth:
            block.append((number, line))
        elif upper:
            yield number, Notice(f"{legible(line.strip())[:40]!r} is outside any BEGIN:VCARD … END:VCARD; skipped"), line
            continue
        if upper == "END:VCARD" and depth:
            depth -= 1
            if depth == 0:
                yield (start, *(_nested(block, nested) if nested else _card(block, codec)))
    if depth:
        yield (start, *(_nested(block, nested) if nested else _card(block, codec, ended=False)))


def _nested(block: list[tuple[int, str]], inner: int) -> tuple[RowError, str]:
    """A card with another card inside it (a vCard 2.1 AGENT, or a broken file): refused whole,
    as its properties cannot be told apart from the inner card's."""
    error = RowError(f"the card holds another card (BEGIN:VCARD on line {inner}, e.g. an AGENT); "
                     "minicrm cannot import nested cards: save the inner card as a card of its own")  # fmt: skip
    return error, "".join(line for _, line in block)


def _card(block: list[tuple[int, str]], codec: str, ended: bool = True) -> tuple[Any, str]:
    text = "".join(line for _, line in block)
    warnings: list[tuple[int, str]] = []
    if not ended:
        warnings.append((block[0][0], "the card has no END:VCARD; read to the end of the file"))
    props = list(properties(block, codec, lambda line, what: warnings.append((line, what))))
    raw = card_record(props, lambda line, what: warnings.append((line, what)))
    raw["_warnings"] = warnings
    return raw, text
