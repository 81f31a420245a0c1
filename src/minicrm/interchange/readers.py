"""Readers: a file's records as ``(line, raw, source)``, whatever its format.

CSV (a header line, mapped onto minicrm's fields: Google Contacts, Outlook,
HubSpot and other address books' names are recognised, ``--map`` overrides),
JSON and NDJSON (the shape ``export`` writes, ``json_reader``), and vCard (``vcard.read_vcf``).
``read`` reads one text stream; ``read_files`` reads several binary streams in
turn, in a given encoding, telling the report which file is being read. As in
sqlite-utils' ``rows_from_file``, the library takes streams and the CLI opens the
files (or standard input).
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import IO, Any

from minicrm.errors import InvalidValue, UsageError
from minicrm.interchange.json_reader import read_json, read_ndjson, too_deep
from minicrm.interchange.records import (FALLBACK, IMPORT_FORMATS, SURROGATE, ImportReport, RowError, tag_slug, unguard_formula)

CSV_FIELD_LIMIT = 16 * 1024 * 1024
NOT_UTF8 = ("the file is not UTF-8: its undecodable bytes are read as Windows-1252 (cp1252); "
            "if accents look wrong, import again with --encoding (e.g. latin-1, cp1250, mac-roman)")  # fmt: skip


def text_codec(encoding: str) -> str:
    """The codec to read a file in ``encoding`` with (UTF-8 skips a byte-order mark, as Excel writes one)."""
    try:
        codec = codecs.lookup(encoding).name
    except LookupError:
        raise UsageError(f"{encoding!r} is not a text encoding", "Use e.g. utf-8 or cp1252") from None
    return "utf-8-sig" if codec == "utf-8" else codec


def read(stream: IO[str], fmt: str, report: ImportReport | None = None,
         overrides: dict[str, str] | None = None, codec: str = "utf-8") -> Iterator[tuple[int, Any, Any]]:  # fmt: skip
    """The records of one text stream in ``fmt`` (one of ``IMPORT_FORMATS``), read in ``codec``
    (undecodable bytes kept as surrogates: CSV and vCard read them in the legacy ``FALLBACK``)."""
    if fmt == "csv":
        return read_csv(stream, overrides, report, codec)
    if fmt == "ndjson":
        return read_ndjson(stream)
    if fmt == "json":
        return read_json(stream)
    if fmt == "vcf":
        from minicrm.interchange.vcard import read_vcf

        return read_vcf(stream, codec)
    raise UsageError(f"cannot import {fmt!r}", f"Use one of: {', '.join(IMPORT_FORMATS)}")


def read_files(files: Sequence[str], formats: Sequence[str], streams: Sequence[IO[bytes]], report: ImportReport,
               overrides: dict[str, str] | None = None, codec: str = "utf-8-sig") -> Iterator[tuple[int, Any, Any]]:  # fmt: skip
    """The records of every binary stream in turn (``files`` names them); the report is told
    which file is being read when there are several. Undecodable bytes become rejected records."""
    several = len(files) > 1
    for file, fmt, binary in zip(files, formats, streams):
        report.current_file = file if several else None
        file_codec = sniff_codec(binary, codec)
        stream = io.TextIOWrapper(binary, encoding=file_codec, errors="surrogateescape", newline="")
        yield from read(stream, fmt, report, overrides, file_codec)
        stream.detach()


def sniff_codec(binary: IO[bytes], codec: str) -> str:
    """UTF-16 when the file says so (a byte-order mark, or the zero bytes of ASCII text in UTF-16),
    whatever ``codec``; else ``codec``."""
    peek = getattr(binary, "peek", None)
    head = peek(4096)[:4096] if peek else b""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if codec.startswith("utf-8") and len(head) >= 8:
        even, odd = head[0:64:2], head[1:64:2]
        if even.count(0) > len(even) * 0.6 and odd.count(0) == 0:
            return "utf-16-be"
        if odd.count(0) > len(odd) * 0.6 and even.count(0) == 0:
            return "utf-16-le"
    return codec


def legacy_text(text: str, codec: str) -> str:
    """Text read as UTF-8 whose undecodable bytes (kept as surrogates) are read in ``FALLBACK`` instead."""
    if not codec.startswith("utf-8"):
        return text
    return text.encode("utf-8", "surrogateescape").decode(FALLBACK, "replace")


# ------------------------------------------------------------------ CSV header mapping

TARGETS = ("name", "first_name", "middle_name", "last_name", "email", "phone", "org", "tags", "note",
           "birthday", "stage", "uid", "fields", "created_at", "updated_at", "ignore")  # fmt: skip
_ALIASES = {
    "name": {"name", "full name", "fullname", "display name", "contact name", "contact", "displayname", "n fn",
             "anzeigename", "vollstandiger name", "nom complet", "nombre completo", "volledige naam", "weergavenaam"},
    "first_name": {"first name", "firstname", "given name", "first", "givenname", "n given", "forename",
                   "player first name", "vorname", "prenom", "nombre", "voornaam", "cp givenname"},
    "middle_name": {"middle name", "additional name", "middle", "n middle", "weitere vornamen", "zweiter vorname",
                    "deuxieme prenom", "segundo nombre", "middelste naam", "tweede voornaam"},
    "last_name": {"last name", "lastname", "family name", "surname", "last", "familyname", "n family",
                  "nachname", "nom", "nom de famille", "apellidos", "apellido", "achternaam", "cp name"},
    "org": {"org", "organization", "organisation", "company", "company name", "organization name",
            "organisation name", "organization 1 name", "business", "employer", "account name", "org name",
            "firma", "unternehmen", "organisation 1 name", "societe", "entreprise", "compania", "empresa",
            "organizacion", "bedrijf", "organisatie"},
    "note": {"note", "notes", "description", "comments", "comment", "notizen", "notiz", "bemerkungen",
             "remarques", "commentaires", "notas", "notities", "opmerkingen"},
    "birthday": {"birthday", "birth date", "birthdate", "date of birth", "dob", "bday", "geburtstag",
                 "geburtsdatum", "anniversaire", "date de naissance", "cumpleanos", "fecha de nacimiento",
                 "verjaardag", "geboortedatum"},
    "tags": {"tags", "tag", "labels", "label", "groups", "group", "categories", "category",
             "group membership", "lists", "kategorien", "gruppenmitgliedschaft", "categories", "categorias",
             "categorieen", "appartenance a un groupe", "pertenencia a grupos", "groepslidmaatschap"},
    "stage": {"stage", "lifecycle stage", "lifecyclestage"},
    "uid": {"uid"},
    "fields": {"fields"},
    "created_at": {"created at"},
    "updated_at": {"updated at"},
    "ignore": {"id", "last contact at", "minicrm error"},
    "email": {"email", "emails", "e mail", "email address", "e mail address", "email addresses", "mail",
              "courriel", "correo electronico", "e mailadres", "e mail adresse", "adresse de messagerie",
              "direccion de correo electronico"},
    "phone": {"phone", "phones", "telephone", "tel", "mobile", "cell", "phone number", "phone numbers",
              "phone1", "phone2"},
}  # fmt: skip
# An email or phone column of any language: a word for email or phone, perhaps a number, a
# kind (work, home...) and Google's "- Value"; not a label, type or display-name column.
_EMAIL_WORDS = r"(?:e ?mail|email|courriel|correo(?: electronico)?|adresse de messagerie|e ?mailadres)"
_PHONE_WORDS = (r"(?:phone|mobile|cell|telephone|tel|telefon|telefono|telefoon|mobiltelefon|handy|portable|"
                r"movil|mobiel|mobile telefoon|autotelefon|rufnummer|numero de telephone)")  # fmt: skip
_EMAIL_HEADER = re.compile(rf"\b{_EMAIL_WORDS}s?\b")
_PHONE_HEADER = re.compile(rf"(?:^|[ _]){_PHONE_WORDS}s?(?:$|[ _\d])")
_EMPTY_DATES = {"0/0/00", "0/0/0000", "00/00/0000", "00.00.0000", "0.0.00"}  # Outlook's "no date"
_VALUE_LABEL = re.compile(r"^(?:e ?mail|phone|telefon|telephone|telefono|telefoon|correo electronico)s?(?: \d+)? "
                          r"(?:label|type|typ|tipo|soort|etiquette|etiqueta)$")  # fmt: skip
_NOT_A_VALUE = re.compile(r"\b(?:label|type|typ|tipo|soort|display|kind|anzeigename|affichage|mostrar|"
                          r"weergavenaam|weergave|angezeigter|ext|extension|fax|telefax|pager|validity)\b")  # fmt: skip
# Columns of someone else on the same row (CiviCRM's related contacts, Outlook's assistant): custom fields
_SOMEONE_ELSE = re.compile(r"^(?:mum|mom|mother|father|dad|sister|brother|spouse|partner|child|team|"
                           r"manager)\b|\bassist(?:ant|ent|ente)\b")  # fmt: skip
_SCALARS = {"name", "first_name", "middle_name", "last_name", "org", "note", "birthday", "stage", "uid"}
# HubSpot's lifecycle stages, onto minicrm's
_HUBSPOT_STAGES = {
    "subscriber": "awareness", "lead": "awareness", "other": "awareness",
    "marketingqualifiedlead": "consideration", "salesqualifiedlead": "consideration",
    "opportunity": "consideration", "customer": "purchase", "evangelist": "advocacy",
}  # fmt: skip


def _header_key(header: str) -> str:
    """A header compared without case, accents or punctuation: ``Straße geschäftlich`` -> ``strasse geschaftlich``."""
    import unicodedata

    folded = unicodedata.normalize("NFKD", header.casefold())
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return re.sub(r"[^a-z0-9]+", " ", folded).strip()


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
        if _SOMEONE_ELSE.search(key) or (found in _SCALARS and found in targets):
            targets.append(f"field:{field_key(header, position)}")  # someone else's (a second "Last Name")
            continue
        if found is None and _VALUE_LABEL.match(key):
            found = "ignore"  # "E-mail 1 - Label: Work": minicrm keeps no types
        if found is None and not _NOT_A_VALUE.search(key):
            if _EMAIL_HEADER.search(key):
                found = "email"
            elif _PHONE_HEADER.search(key):
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


_LOOKS_LIKE_EMAIL = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")


def _csv_contact(cells: list[str], headers: list[str], targets: list[str], line: int) -> dict:
    raw: dict[str, Any] = {"type": "contact", "emails": [], "phones": [], "tags": [], "fields": {},
                           "_origin": {"emails": [], "phones": []}, "_warnings": []}  # fmt: skip
    if len(cells) > len(headers) and any(c.strip() for c in cells[len(headers):]):
        extra = [(i, c.strip()) for i, c in enumerate(cells) if i >= len(headers) and c.strip()]
        raw["_warnings"].append((line, f"{len(cells)} cells but the header has {len(headers)} columns; "
                                       f"the cells past the header are kept as {field_key('', extra[0][0])}"
                                       f"{'…' if len(extra) > 1 else ''} (an email address there is read as one)"))
        for position, value in extra:
            if _LOOKS_LIKE_EMAIL.match(value):
                raw["emails"].append(value)
                raw["_origin"]["emails"].append((line, f"column {position + 1}"))
            else:
                raw["fields"][field_key("", position)] = value
    for header, target, value in zip(headers, targets, cells):
        value = unguard_formula(value).strip()  # a minicrm CSV export's formula guard
        if not value or target == "ignore" or value in _EMPTY_DATES:
            continue
        if target == "email":
            found = _split(value, r"\s*(?::::|[,;\s])\s*")
            raw["emails"] += found
            raw["_origin"]["emails"] += [(line, header)] * len(found)
        elif target == "phone":
            found = _split(value, r"\s*(?::::|,|;(?!ext=))\s*")
            raw["phones"] += found
            raw["_origin"]["phones"] += [(line, header)] * len(found)
        elif target == "tags":
            raw["tags"] += [t for t in map(tag_slug, _split(value, r"\s*(?::::|[,;])\s*")) if t]
        elif target == "fields":
            try:
                custom = json.loads(value)
            except RecursionError:
                raise RowError(too_deep("the fields column")) from None
            except ValueError:
                raise RowError(f"the fields column is not a JSON object: {value[:40]!r}") from None
            if not isinstance(custom, dict):
                raise RowError("the fields column is not a JSON object")
            raw["fields"].update({str(k): "" if v is None else str(v) for k, v in custom.items()})
        elif target.startswith("field:"):
            key = target[6:]
            raw["fields"][key] = f"{raw['fields'][key]}; {value}" if raw["fields"].get(key) else value
        elif target == "stage":
            folded = re.sub(r"[^a-z]", "", value.lower())
            raw["stage"] = _HUBSPOT_STAGES.get(folded, value)
        else:
            if target == "birthday":
                raw["_origin"]["birthday"] = (line, header)
            raw[target] = value
    return raw


# The columns of a CSV of order lines (a till's export): one line of an order a row.
LINE_COLUMNS = {
    "at": {"date", "at", "time", "datum", "order date", "sale date", "day", "date time", "datetime"},
    "contact": {"customer", "contact", "client", "kunde", "buyer", "customer id"},
    "contact_email": {"customer email", "email", "e mail", "contact email"},
    "contact_phone": {"customer phone", "phone", "telephone", "contact phone"},
    "contact_name": {"customer name", "name", "contact name"},
    "contact_uid": {"contact uid", "customer uid"},
    "product": {"product", "item", "article", "artikel", "produkt", "product name", "sku"},
    "quantity": {"quantity", "qty", "menge", "count", "units"},
    "unit_price": {"price", "unit price", "preis", "price each"},
    "amount": {"total", "line total", "amount", "line amount"},
    "order": {"order", "order id", "receipt", "ticket", "bon", "order number", "receipt number"},
    "kind": {"kind", "type"},
}  # fmt: skip


def line_columns(headers: list[str]) -> list[str | None] | None:
    """What each column of a CSV of order lines means, or None when the file is not one: it has a
    product column and a date column."""
    keys = [_header_key(h) for h in headers]
    targets = [next((t for t, names in LINE_COLUMNS.items() if key in names), None) for key in keys]
    return targets if "product" in targets and "at" in targets else None


def _csv_line(cells: list[str], targets: list[str | None]) -> dict:
    raw: dict[str, Any] = {"type": "order_line"}
    for target, cell in zip(targets, cells):
        if target and cell.strip() and target not in raw:
            raw[target] = cell.strip()
    return raw


def sniff_delimiter(header: str) -> str:
    """The delimiter of a CSV file, from its header line: comma, semicolon (Excel in much of Europe) or tab."""
    counts = {d: len(re.findall(re.escape(d) + r'(?=(?:[^"]*"[^"]*")*[^"]*$)', header)) for d in ",;\t"}
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


# ------------------------------------------------------------------ readers


def read_csv(stream: IO[str], overrides: dict[str, str] | None = None,
             report: ImportReport | None = None, codec: str = "utf-8") -> Iterator[tuple[int, Any, Any]]:  # fmt: skip
    """Contacts from a CSV file with a header line: ``(line, raw record or RowError, the cells)``; or,
    when its columns are those of order lines (a product and a date: ``line_columns``), order lines.

    The delimiter is the header's (comma, semicolon or tab). Undecodable bytes are read
    in ``FALLBACK``, with one warning for the file. The header goes into ``report.headers``
    (for the reject file), under ``report.current_file``.
    """
    csv.field_size_limit(max(csv.field_size_limit(), CSV_FIELD_LIMIT))
    first = stream.readline()
    if not first.strip():
        return
    warned = False

    def legacy(line: int) -> None:
        nonlocal warned
        if not warned and report is not None:
            report.warn(line, NOT_UTF8)
        warned = True

    reader = csv.reader(itertools.chain([first], stream), delimiter=sniff_delimiter(first))
    try:
        headers = next(reader, None)
    except csv.Error as error:
        raise InvalidValue(f"cannot read the CSV header: {error}", "Is this a CSV file?") from None
    if headers is None:
        return
    if any(SURROGATE.search(h) for h in headers):
        legacy(1)
        headers = [legacy_text(h, codec) for h in headers]
    if report is not None:
        report.headers[report.current_file] = headers
    lines = None if overrides else line_columns(headers)
    targets = map_header(headers, overrides) if lines is None else []
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
                legacy(line)
                cells = [legacy_text(c, codec) for c in cells]
            yield line, (_csv_contact(cells, headers, targets, line) if lines is None else _csv_line(cells, lines)), cells
        except RowError as error:
            yield line, error, cells
