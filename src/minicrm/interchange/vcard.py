"""vCard: contacts read from and written to vCard 3.0/4.0 files.

vobject parses and writes the cards (folding, escaping, 3.0 and 4.0 syntax);
it is imported inside the functions that use it, so nothing else pays for it.
``read_vcf`` yields the same ``(line, raw, source)`` triples as the other
readers; ``vcard_text`` is one contact's card. Nothing here prints.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import IO, Any

from minicrm.errors import InvalidValue
from minicrm.interchange.records import RowError, check_text, tag_slug
from minicrm.models import Contact

# vCard properties kept as custom fields (the others minicrm has no place for: PHOTO, KEY, SOUND...)
_AS_FIELDS = {"title": "title", "role": "role", "nickname": "nickname", "url": "url", "adr": "address",
              "impp": "im", "x-skype": "skype"}  # fmt: skip


# ------------------------------------------------------------------ vCard in


def _birthday(text: str, params: dict) -> str | None:
    value = text.strip()
    if not value:
        return None
    if "X-APPLE-OMIT-YEAR" in params:  # Apple: BDAY;X-APPLE-OMIT-YEAR=1604:1604-05-17
        value = "--" + value[-5:] if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) else value
    value = value.split("T", 1)[0]
    if m := re.fullmatch(r"--(\d{2})-?(\d{2})", value):
        return f"--{m.group(1)}-{m.group(2)}"
    if m := re.fullmatch(r"(\d{4})(\d{2})(\d{2})", value):
        return f"{m.group(1)}-{m.group(2)}-{m.group(3)}"
    return value


def _plain(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value if str(v).strip())
    return " ".join(str(value).split())


def vcard_record(block: str) -> dict:
    """One vCard's text as a raw contact record (the importer checks the values)."""
    import vobject

    try:
        card = vobject.readOne(block, ignoreUnreadable=True)
    except Exception as error:  # vobject raises a variety of errors on broken input
        raise RowError(f"not a readable vCard ({type(error).__name__}: {str(error)[:80]})") from None
    raw: dict[str, Any] = {"type": "contact", "emails": [], "phones": [], "tags": [], "fields": {}}
    name_parts = None
    for key, lines in card.contents.items():
        for line in lines:
            value = line.value
            if key == "fn":
                raw["name"] = str(value)
            elif key == "n" and hasattr(value, "given"):
                name_parts = [_plain(value.prefix), _plain(value.given), _plain(value.additional),
                              _plain(value.family), _plain(value.suffix)]  # fmt: skip
            elif key == "email":
                raw["emails"].append(str(value).strip().removeprefix("mailto:"))
            elif key == "tel":
                raw["phones"].append(str(value).strip().removeprefix("tel:"))
            elif key == "org":
                raw["org"] = str(value[0] if isinstance(value, list) else value).strip() or None
            elif key == "bday":
                raw["birthday"] = _birthday(str(value), line.params)
            elif key == "categories":
                items = value if isinstance(value, list) else str(value).split(",")
                raw["tags"] += [t for t in map(tag_slug, map(str, items)) if t]
            elif key == "note":
                raw["note"] = str(value)
            elif key == "uid":
                raw["uid"] = str(value).strip().removeprefix("urn:uuid:")
            elif key == "x-minicrm-stage":
                raw["stage"] = str(value)
            elif key == "x-minicrm-field":
                field_key = (line.params.get("X-KEY") or [""])[0]
                raw["fields"][field_key] = str(value)
            elif key in _AS_FIELDS:
                text = _plain(value if not hasattr(value, "street") else
                              [value.street, value.city, value.region, value.code, value.country])  # fmt: skip
                if text:
                    name = _AS_FIELDS[key]
                    raw["fields"][name] = f"{raw['fields'][name]}; {text}" if raw["fields"].get(name) else text
    if not raw.get("name") and name_parts:
        raw["name"] = " ".join(p for p in name_parts if p)
    return raw


def read_vcf(stream: IO[str]) -> Iterator[tuple[int, Any, Any]]:
    """Each BEGIN:VCARD ... END:VCARD block: ``(line it starts on, raw record or RowError, its text)``."""
    block: list[str] = []
    start = 0
    depth = 0
    for number, line in enumerate(stream, start=1):
        upper = line.strip().upper()
        if upper == "BEGIN:VCARD":
            if depth == 0:
                block, start = [], number
            depth += 1
        if depth:
            block.append(line)
        elif upper:
            yield number, RowError("text outside BEGIN:VCARD ... END:VCARD"), line
            continue
        if upper == "END:VCARD" and depth:
            depth -= 1
            if depth == 0:
                text = "".join(block)
                try:
                    check_text(text)
                except InvalidValue as error:
                    yield start, RowError(str(error)), text
                    continue
                try:
                    yield start, vcard_record(text), text
                except RowError as error:
                    yield start, error, text
    if depth:
        yield start, RowError("the vCard has no END:VCARD"), "".join(block)


# ------------------------------------------------------------------ vCard out


def vcard_text(contact: Contact) -> str:
    """A vCard 3.0 for ``contact`` (the version phones and address books import best)."""
    import vobject

    card = vobject.vCard()
    card.add("version").value = "3.0"
    card.add("prodid").value = "-//minicrm//minicrm//EN"
    card.add("uid").value = contact.uid
    card.add("fn").value = contact.name
    given, _, family = contact.name.rpartition(" ")
    card.add("n").value = vobject.vcard.Name(family=family, given=given)
    if contact.org:
        card.add("org").value = [contact.org]
    for email in contact.emails:
        line = card.add("email")
        line.value = email
        line.type_param = "INTERNET"
    for phone in contact.phones:
        card.add("tel").value = phone.replace(";ext=", " ext. ")  # what dialers understand; reads back the same
    if contact.birthday:
        card.add("bday").value = contact.birthday
    if contact.tags:
        card.add("categories").value = list(contact.tags)
    if contact.note:
        card.add("note").value = contact.note
    card.add("x-minicrm-stage").value = contact.stage
    for key, value in contact.fields.items():
        line = card.add("x-minicrm-field")
        line.value = value
        line.params["X-KEY"] = [key]
    return card.serialize()
