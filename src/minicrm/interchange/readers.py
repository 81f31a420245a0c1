"""Readers: a file's records as ``(line, raw, source)``, whatever its format.

CSV (a header line, mapped onto minicrm's fields: Google Contacts, Outlook,
HubSpot and other address books' names are recognised, ``--map`` overrides),
JSON and NDJSON (the shape ``export`` writes), and vCard (``vcard.read_vcf``).
``read`` reads one text stream; ``read_files`` reads several binary streams in
turn, in a given encoding, telling the report which file is being read. As in
sqlite-utils' ``rows_from_file``, the library takes streams and the CLI opens the
files (or standard input).
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import IO, Any

from minicrm.errors import InvalidValue, UsageError
from minicrm.interchange.records import IMPORT_FORMATS, SURROGATE, ImportReport, RowError, check_text, tag_slug

CSV_FIELD_LIMIT = 16 * 1024 * 1024


def text_codec(encoding: str) -> str:
    """The codec to read a file in ``encoding`` with (UTF-8 skips a byte-order mark, as Excel writes one)."""
    try:
        codec = codecs.lookup(encoding).name
    except LookupError:
        raise UsageError(f"{encoding!r} is not a text encoding", "Use e.g. utf-8 or cp1252") from None
    return "utf-8-sig" if codec == "utf-8" else codec


def read(stream: IO[str], fmt: str, report: ImportReport | None = None,
         overrides: dict[str, str] | None = None) -> Iterator[tuple[int, Any, Any]]:  # fmt: skip
    """The records of one text stream in ``fmt`` (one of ``IMPORT_FORMATS``)."""
    if fmt == "csv":
        return read_csv(stream, overrides, report)
    if fmt == "ndjson":
        return read_ndjson(stream)
    if fmt == "json":
        return read_json(stream)
    if fmt == "vcf":
        from minicrm.interchange.vcard import read_vcf

        return read_vcf(stream)
    raise UsageError(f"cannot import {fmt!r}", f"Use one of: {', '.join(IMPORT_FORMATS)}")


def read_files(files: Sequence[str], formats: Sequence[str], streams: Sequence[IO[bytes]], report: ImportReport,
               overrides: dict[str, str] | None = None, codec: str = "utf-8-sig") -> Iterator[tuple[int, Any, Any]]:  # fmt: skip
    """The records of every binary stream in turn (``files`` names them); the report is told
    which file is being read when there are several. Undecodable bytes become rejected records."""
    several = len(files) > 1
    for file, fmt, binary in zip(files, formats, streams):
        report.current_file = file if several else None
        stream = io.TextIOWrapper(binary, encoding=codec, errors="surrogateescape", newline="")
        yield from read(stream, fmt, report, overrides)
        stream.detach()


# ------------------------------------------------------------------ CSV header mapping

TARGETS = ("name", "first_name", "middle_name", "last_name", "email", "phone", "org", "tags", "note",
           "birthday", "stage", "uid", "fields", "created_at", "updated_at", "ignore")  # fmt: skip
_ALIASES = {
    "name": {"name", "full name", "fullname", "display name", "contact name", "contact"},
    "first_name": {"first name", "firstname", "given name", "first", "givenname"},
    "middle_name": {"middle name", "additional name", "middle"},
    "last_name": {"last name", "lastname", "family name", "surname", "last", "familyname"},
    "org": {"org", "organization", "organisation", "company", "company name", "organization name",
            "organisation name", "organization 1 name", "business", "employer", "account name"},
    "note": {"note", "notes", "description", "comments", "comment"},
    "birthday": {"birthday", "birth date", "birthdate", "date of birth", "dob", "bday"},
    "tags": {"tags", "tag", "labels", "label", "groups", "group", "categories", "category",
             "group membership", "lists"},
    "stage": {"stage", "lifecycle stage", "lifecyclestage"},
    "uid": {"uid"},
    "fields": {"fields"},
    "created_at": {"created at"},
    "updated_at": {"updated at"},
    "ignore": {"id", "last contact at", "minicrm error"},
    "email": {"email", "emails", "e mail", "email address", "e mail address", "email addresses"},
    "phone": {"phone", "phones", "telephone", "tel", "mobile", "cell", "phone number", "phone numbers"},
}  # fmt: skip
_EMAIL_HEADER = re.compile(r"^(?:[a-z]+ )?e ?mails?(?: \d+)?(?: (?:address(?:es)?|value))?(?: \d+)?$")
_PHONE_HEADER = re.compile(r"^(?:[a-z]+ )*(?:phone|mobile|cell|telephone|tel)s?(?: \d+)?(?: (?:number|value))?(?: \d+)?$")
_EMPTY_DATES = {"0/0/00", "0/0/0000", "00/00/0000", "00.00.0000"}  # Outlook's "no date"
_VALUE_LABEL = re.compile(r"^(?:e ?mail|phone)s?(?: \d+)? (?:label|type)$")
_NOT_A_VALUE = re.compile(r"\b(?:label|type|display|kind)\b")
# HubSpot's lifecycle stages, onto minicrm's
_HUBSPOT_STAGES = {
    "subscriber": "awareness", "lead": "awareness", "other": "awareness",
    "marketingqualifiedlead": "consideration", "salesqualifiedlead": "consideration",
    "opportunity": "consideration", "customer": "purchase", "evangelist": "advocacy",
}  # fmt: skip


def _header_key(header: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", header.lower()).strip()


def field_key(header: str, position: int) -> str:
    """A custom field key for a column minicrm does not know: ``Job Title`` -> ``job_title``."""
    key = re.sub(r"[^a-z0-9]+", "_", header.strip().lower()).strip("_")[:64]
    if not key:
        return f"column_{position + 1}"
    return key if re.match(r"[a-z_]", key) else f"f_{key}"[:64]


def map_header(headers: list[str], overrides: dict[str, str] | None = None) -> list[str]:
    """What each CSV column means: a target from ``TARGETS`` or ``field:KEY`` (a custom field)."""
    overrides = {_header_key(k): v for k, v in (overrides or {}).items()}
    unknown = set(overrides) - {_header_key(h) for h in headers}
    if unknown:
        raise UsageError(f"--map names a column the file does not have: {sorted(unknown)[0]!r}",
                         f"Its columns: {', '.join(headers)}")  # fmt: skip
    targets = []
    for position, header in enumerate(headers):
        key = _header_key(header)
        if key in overrides:
            targets.append(overrides[key])
            continue
        found = next((target for target, names in _ALIASES.items() if key in names), None)
        if found is None and _VALUE_LABEL.match(key):
            found = "ignore"  # "E-mail 1 - Label: Work": minicrm keeps no types
        if found is None and not _NOT_A_VALUE.search(key):
            if _EMAIL_HEADER.match(key):
                found = "email"
            elif _PHONE_HEADER.match(key) and "fax" not in key:
                found = "phone"
        targets.append(found or f"field:{field_key(header, position)}")
    return targets


def parse_map(pairs: Iterable[str]) -> dict[str, str]:
    """``--map COLUMN=FIELD`` options: FIELD is a minicrm field, ``ignore``, or any custom field key."""
    plural = {"emails": "email", "phones": "phone", "tag": "tags", "notes": "note", "organisation": "org",
              "organization": "org", "company": "org", "first": "first_name", "last": "last_name"}  # fmt: skip
    found = {}
    for pair in pairs:
        column, sep, target = str(pair).rpartition("=")
        target = target.strip().lower()
        if not sep or not column.strip() or not target:
            raise UsageError(f"{pair!r} is not COLUMN=FIELD", "E.g. --map 'Mobile Number=phone'")
        target = plural.get(target, target)
        if target not in TARGETS:
            if not re.fullmatch(r"[a-z_][a-z0-9_.\-]{0,63}", target):
                raise UsageError(f"{target!r} is not a field name",
                                 f"Use one of {', '.join(TARGETS)}, or a custom field key")  # fmt: skip
            target = f"field:{target}"
        found[column.strip()] = target
    return found


def _split(value: str, pattern: str) -> list[str]:
    return [part.strip() for part in re.split(pattern, value) if part.strip()]


def _csv_contact(cells: list[str], headers: list[str], targets: list[str]) -> dict:
    raw: dict[str, Any] = {"type": "contact", "emails": [], "phones": [], "tags": [], "fields": {}}
    if len(cells) > len(headers) and any(c.strip() for c in cells[len(headers):]):
        raise RowError(f"{len(cells)} cells but the header has {len(headers)} columns")
    for header, target, value in zip(headers, targets, cells):
        value = value.strip()
        if not value or target == "ignore" or value in _EMPTY_DATES:
            continue
        if target == "email":
            raw["emails"] += _split(value, r"\s*(?::::|[,;\s])\s*")
        elif target == "phone":
            raw["phones"] += _split(value, r"\s*(?::::|,|;(?!ext=))\s*")
        elif target == "tags":
            raw["tags"] += [t for t in map(tag_slug, _split(value, r"\s*(?::::|[,;])\s*")) if t]
        elif target == "fields":
            try:
                custom = json.loads(value)
            except ValueError:
                raise RowError(f"the fields column is not a JSON object: {value[:40]!r}") from None
            if not isinstance(custom, dict):
                raise RowError("the fields column is not a JSON object")
            raw["fields"].update({str(k): "" if v is None else str(v) for k, v in custom.items()})
        elif target.startswith("field:"):
            key = target[6:]
            text = " ".join(value.split())  # addresses span lines in Google's export
            raw["fields"][key] = f"{raw['fields'][key]}; {text}" if raw["fields"].get(key) else text
        elif target == "stage":
            folded = re.sub(r"[^a-z]", "", value.lower())
            raw["stage"] = _HUBSPOT_STAGES.get(folded, value)
        else:
            raw[target] = value
    return raw


# ------------------------------------------------------------------ readers


def read_csv(stream: IO[str], overrides: dict[str, str] | None = None,
             report: ImportReport | None = None) -> Iterator[tuple[int, Any, Any]]:  # fmt: skip
    """Contacts from a CSV file with a header line: ``(line, raw record or RowError, the cells)``.

    The header goes into ``report.headers`` (for the reject file), under ``report.current_file``.
    """
    csv.field_size_limit(max(csv.field_size_limit(), CSV_FIELD_LIMIT))
    reader = csv.reader(stream)
    try:
        headers = next(reader, None)
    except csv.Error as error:
        raise InvalidValue(f"cannot read the CSV header: {error}", "Is this a CSV file?") from None
    if headers is None:
        return
    if any(SURROGATE.search(h) for h in headers):
        raise InvalidValue("the CSV header is not valid text in this encoding", "Try --encoding cp1252")
    if report is not None:
        report.headers[report.current_file] = headers
    targets = map_header(headers, overrides)
    while True:
        line = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield line, RowError(f"broken CSV: {error}"), None
            continue
        if not any(c.strip() for c in cells):
            continue
        try:
            if SURROGATE.search("".join(cells)):
                raise RowError("the row holds bytes that are not valid text in this encoding; "
                               "save the file as UTF-8, or give --encoding")  # fmt: skip
            yield line, _csv_contact(cells, headers, targets), cells
        except RowError as error:
            yield line, error, cells


def read_ndjson(stream: IO[str]) -> Iterator[tuple[int, Any, Any]]:
    """One JSON object a line, as ``minicrm export --to ndjson`` writes them; blank lines are skipped."""
    for line, text in enumerate(stream, start=1):
        if not text.strip():
            continue
        try:
            value = json.loads(text)
            if SURROGATE.search(text) or "\\u" in text:  # undecodable bytes, or an escape that may be a lone surrogate
                check_text(value)
        except ValueError as error:
            yield line, RowError(f"not valid JSON ({error})"), text
            continue
        except InvalidValue as error:
            yield line, RowError(str(error)), text
            continue
        yield line, value if isinstance(value, dict) else RowError("not a JSON object"), value


def read_json(stream: IO[str]) -> Iterator[tuple[int, Any, Any]]:
    """A JSON list of objects (or one object), as ``minicrm export --to json`` writes them; numbered by record."""
    text = stream.read()
    suspicious = bool(SURROGATE.search(text)) or "\\u" in text
    try:
        value = json.loads(text)
    except ValueError as error:
        raise InvalidValue(f"the file is not valid JSON ({error})", "Export it again, or use NDJSON") from None
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        raise InvalidValue("the JSON file holds neither an object nor a list of objects",
                           "Use the shape minicrm export writes")  # fmt: skip
    for number, item in enumerate(value, start=1):
        try:
            if suspicious:
                check_text(item)
        except InvalidValue as error:
            yield number, RowError(str(error)), item
            continue
        yield number, item if isinstance(item, dict) else RowError("not a JSON object"), item
