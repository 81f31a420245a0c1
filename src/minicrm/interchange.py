"""Import and export: moving contacts, interactions and reminders in and out.

Readers turn a file into ``(line, raw)`` pairs in minicrm's own vocabulary
(the JSON keys of ``export``); the importer checks every raw record with the
same rules as ``add`` (``services.contacts.validate``...) and writes in bulk
inside one transaction. A bad record never stops the reading: it becomes a
``Reject`` with its line number and reason, and the import then either fails
as a whole (nothing written) or, with ``skip_invalid``, keeps the good ones.

Nothing here prints or reads the clock or the environment; the CLI opens the
files and hands over text streams.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from itertools import islice
from typing import IO, Any

from minicrm import dates
from minicrm.errors import InvalidValue, MiniCrmError, UsageError
from minicrm.models import KINDS, STAGES, Contact, ImportAction, Interaction, Reminder
from minicrm.services import contacts, privacy
from minicrm.services.values import choose, clean_block, clean_line, parse_amount, parse_fields
from minicrm.store import ContactQuery, Store, new_uid

IMPORT_FORMATS = ("csv", "json", "ndjson", "vcf")
EXPORT_FORMATS = ("csv", "json", "ndjson", "vcf", "ics")
EXPORT_KINDS = ("contacts", "interactions", "reminders", "all")
ON_DUPLICATE = ("skip", "update", "create")
CSV_FIELD_LIMIT = 16 * 1024 * 1024
_SURROGATE = re.compile("[\ud800-\udfff]")
_BATCH = 2000


class RowError(Exception):
    """A record that cannot even be read (broken CSV row, invalid JSON line)."""


@dataclass
class Reject:
    line: int
    reason: str
    raw: Any  # what the file held: a list of CSV cells, a JSON object, or the line's text
    file: str | None = None  # which file, when an import reads several


@dataclass
class ImportReport:
    unit: str = "line"  # "line", or "record" for a JSON array
    counts: dict[tuple[str, str], int] = field(default_factory=dict)  # (kind, action) -> n
    actions: list[ImportAction] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    headers: dict[str | None, list[str]] = field(default_factory=dict)  # each CSV file's header, for its reject file
    current_file: str | None = None  # the file being read (set by the CLI when it reads several)
    erased: int = 0  # contacts skipped because they were erased at their request

    def where(self, reject: Reject) -> str:
        unit = "record" if (reject.file or "").lower().endswith(".json") or self.unit == "record" else "line"
        return f"{reject.file} {unit} {reject.line}" if reject.file else f"{self.unit} {reject.line}"

    def count(self, kind: str, action: str) -> int:
        return self.counts.get((kind, action), 0)

    def summary(self) -> str:
        parts = []
        for kind in ("contact", "interaction", "reminder"):
            done = [f"{self.count(kind, a)} {verb}" for a, verb in
                    (("create", "created"), ("update", "updated"), ("skip", "skipped")) if self.count(kind, a)]  # fmt: skip
            if done:
                parts.append(f"{kind}s: " + ", ".join(done))
        if self.rejects:
            parts.append(f"{len(self.rejects)} rejected")
        if self.erased:
            parts.append(f"{self.erased} skipped as erased at their request (--include-erased brings them back)")
        return "; ".join(parts) or "nothing to import"


class ImportRejected(MiniCrmError):
    """Some records are invalid and --skip-invalid was not given: nothing was imported."""

    def __init__(self, report: ImportReport):
        n = len(report.rejects)
        super().__init__(f"{n} invalid {'record' if n == 1 else 'records'}; nothing was imported",
                         "Fix them, or add --skip-invalid to import the others")  # fmt: skip
        self.report = report


class _DryRun(Exception):
    pass


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


def _tag_slug(value: str) -> str | None:
    tag = value.strip().lstrip("*").strip()
    if not tag or tag.casefold() == "mycontacts":  # Google's label on every contact
        return None
    return "-".join(tag.lower().replace(",", " ").split())


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
            raw["tags"] += [t for t in map(_tag_slug, _split(value, r"\s*(?::::|[,;])\s*")) if t]
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


def read_csv(stream: IO[str], overrides: dict[str, str] | None, report: ImportReport) -> Iterator[tuple[int, Any]]:
    """Contacts from a CSV file with a header line: ``(line, raw)``, or ``(line, RowError)``."""
    csv.field_size_limit(max(csv.field_size_limit(), CSV_FIELD_LIMIT))
    reader = csv.reader(stream)
    try:
        headers = next(reader, None)
    except csv.Error as error:
        raise InvalidValue(f"cannot read the CSV header: {error}", "Is this a CSV file?") from None
    if headers is None:
        return
    if any(_SURROGATE.search(h) for h in headers):
        raise InvalidValue("the CSV header is not valid text in this encoding", "Try --encoding cp1252")
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
            if _SURROGATE.search("".join(cells)):
                raise RowError("the row holds bytes that are not valid text in this encoding; "
                               "save the file as UTF-8, or give --encoding")  # fmt: skip
            yield line, _csv_contact(cells, headers, targets), cells
        except RowError as error:
            yield line, error, cells


def read_ndjson(stream: IO[str]) -> Iterator[tuple[int, Any, Any]]:
    for line, text in enumerate(stream, start=1):
        if not text.strip():
            continue
        try:
            value = json.loads(text)
            if _SURROGATE.search(text) or "\\u" in text:  # undecodable bytes, or an escape that may be a lone surrogate
                _check_text(value)
        except ValueError as error:
            yield line, RowError(f"not valid JSON ({error})"), text
            continue
        except InvalidValue as error:
            yield line, RowError(str(error)), text
            continue
        yield line, value if isinstance(value, dict) else RowError("not a JSON object"), value


def read_json(stream: IO[str]) -> Iterator[tuple[int, Any, Any]]:
    text = stream.read()
    suspicious = bool(_SURROGATE.search(text)) or "\\u" in text
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
                _check_text(item)
        except InvalidValue as error:
            yield number, RowError(str(error)), item
            continue
        yield number, item if isinstance(item, dict) else RowError("not a JSON object"), item


# ------------------------------------------------------------------ the importer


def _text(value: Any, what: str) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise InvalidValue(f"the {what} is not text")
    return str(value)


def _texts(value: Any, what: str) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidValue(f"the {what} are not a list of texts")
    return value


def _instant(value: Any, what: str, default: datetime | None = None) -> datetime | None:
    if value is None or value == "":
        return default
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise InvalidValue(f"the {what} {value!r} is not an ISO date-time", "Use e.g. 2026-11-18T09:30:00+01:00") from None
    return moment.astimezone() if moment.tzinfo is None else moment


def _day(value: Any, what: str) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InvalidValue(f"the {what} {value!r} is not an ISO date", "Use e.g. 2026-12-01") from None


def _check_text(value: Any) -> None:
    """Refuse undecodable bytes (and lone surrogates from JSON escapes) anywhere in a record."""
    if isinstance(value, str):
        if _SURROGATE.search(value):
            raise InvalidValue("the record holds bytes that are not valid text in this encoding",
                               "Save the file as UTF-8, or give --encoding")  # fmt: skip
    elif isinstance(value, dict):
        for k, v in value.items():
            _check_text(k)
            _check_text(v)
    elif isinstance(value, list):
        for v in value:
            _check_text(v)


class Importer:
    """Checks records one by one and writes them in batches (inside the caller's transaction)."""

    def __init__(self, store: Store, now: datetime, *, on_duplicate: str = "skip", region: str | None = None,
                 keep_actions: bool = False, report: ImportReport | None = None,
                 include_erased: bool = False):  # fmt: skip
        if on_duplicate not in ON_DUPLICATE:
            raise UsageError(f"--on-duplicate {on_duplicate!r} is not one of {', '.join(ON_DUPLICATE)}")
        self.store, self.now, self.on_duplicate, self.region = store, now, on_duplicate, region
        self.include_erased = include_erased
        self.erased_uids: set[str] = set()  # their interactions and reminders are skipped with them
        self.keep_actions = keep_actions
        self.report = report or ImportReport()
        self.contacts: list[dict] = []
        self.interactions: list[dict] = []
        self.reminders: list[dict] = []
        self.by_uid: dict[str, int] = {}
        self.by_email: dict[str, int] = {}
        self.by_phone: dict[str, int] = {}
        self.pending_uids: set[tuple[str, str]] = set()  # interactions and reminders not yet written
        self.flushed = False

    def start(self) -> None:
        self.erased = set() if self.include_erased else self.store.all_erased_hashes()
        self.first_id = self.next_id = self.store.next_id("contacts")
        self.had_contacts = self.first_id > 1 or self.store.count_contacts() > 0

    # -------------------------------------------------------------- bookkeeping

    def _note(self, line: int, action: str, kind: str, uid: str | None, name: str, detail: str | None = None) -> None:
        key = (kind, action)
        self.report.counts[key] = self.report.counts.get(key, 0) + 1
        if self.keep_actions:
            self.report.actions.append(ImportAction(line, action, kind, uid, name, detail, self.report.current_file))

    def reject(self, line: int, reason: str, raw: Any, kind: str = "contact") -> None:
        self.report.rejects.append(Reject(line, reason, raw, self.report.current_file))
        self._note(line, "reject", kind, None, "", reason)

    def feed(self, line: int, raw: Any, source: Any = None) -> None:
        source = raw if source is None else source
        if isinstance(raw, RowError):
            self.reject(line, str(raw), source)
            return
        kind = raw.get("type", "contact")
        try:
            if kind == "contact":
                self._contact(line, raw)
            elif kind == "interaction":
                self._interaction(line, raw)
            elif kind == "reminder":
                self._reminder(line, raw)
            else:
                raise InvalidValue(f"unknown record type {kind!r}", "Use contact, interaction or reminder")
        except MiniCrmError as error:
            self.reject(line, str(error), source, kind if kind in ("interaction", "reminder") else "contact")

    # -------------------------------------------------------------- contacts

    def _duplicate(self, values: dict, uid: str | None) -> tuple[int, str] | None:
        look = self.had_contacts
        if uid:
            found = self.by_uid.get(uid) or (look and self.store.contact_id_by_uid(uid))
            if found:
                return found, "same uid"
        for email in values["emails"]:
            found = self.by_email.get(email) or (look and next(iter(self.store.contact_ids_by_email(email)), None))
            if found:
                return found, f"same email {email}"
        for phone in values["phones"]:
            found = self.by_phone.get(phone) or (look and next(iter(self.store.contact_ids_by_phone(phone)), None))
            if found:
                return found, f"same phone {phone}"
        return None

    def _contact(self, line: int, raw: dict) -> None:
        emails, phones = _texts(raw.get("emails"), "emails"), _texts(raw.get("phones"), "phones")
        org = _text(raw.get("org"), "organisation")
        name = _text(raw.get("name"), "name") or " ".join(
            p for p in (_text(raw.get(k), k) for k in ("first_name", "middle_name", "last_name")) if p
        )
        named = bool(name.strip())  # else the name is made up from other values: an update keeps the old one
        if not named:
            name = org or (emails[0] if emails else "") or (phones[0] if phones else "")
        if not name.strip():
            raise InvalidValue("the record has no name, organisation, email or phone", "Give it a name")
        custom = raw.get("fields") or {}
        if not isinstance(custom, dict):
            raise InvalidValue("the fields are not an object of KEY: VALUE")
        values = contacts.validate(
            name, emails=emails, phones=phones, org=org, tags=_texts(raw.get("tags"), "tags"),
            stage=_text(raw.get("stage"), "stage"), birthday=_text(raw.get("birthday"), "birthday"),
            note=_text(raw.get("note"), "note"),
            fields=parse_fields(f"{k}={'' if v is None else v}" for k, v in custom.items()),
            region=self.region,
        )  # fmt: skip
        uid = clean_line(raw.get("uid") or "", "uid", required=False)
        created = _instant(raw.get("created_at"), "created_at", self.now)
        updated = _instant(raw.get("updated_at"), "updated_at", created)
        history = self._history(raw.get("stage_history"), values["stage"], created)

        if self.erased and self.erased.intersection(
            privacy.erasure_hashes(self.store, values["emails"], values["phones"])
        ):
            self._note(line, "skip", "contact", uid, values["name"],
                       "erased at their request; --include-erased brings them back")  # fmt: skip
            self.report.erased += 1
            if uid:
                self.erased_uids.add(uid)
            return
        duplicate = self._duplicate(values, uid)
        if duplicate and self.on_duplicate != "create":
            existing, why = duplicate
            if uid:
                self.by_uid.setdefault(uid, existing)  # its interactions and reminders go to the one kept
            if self.on_duplicate == "skip":
                self._note(line, "skip", "contact", uid, values["name"], f"{why} as contact {existing}")
                return
            self._flush_contacts()
            current = self.store.get_contact(existing)
            changed = contacts.edit(
                self.store, self.now, current, name=values["name"] if named else None, emails=values["emails"],
                phones=values["phones"], org=values["org"], tags=values["tags"],
                stage=values["stage"] if raw.get("stage") else None, birthday=values["birthday"],
                note=values["note"], fields=[f"{k}={v}" for k, v in values["fields"].items()],
                region=self.region,
            )  # fmt: skip
            self._remember(changed.id, changed.emails, changed.phones, None)
            self._note(line, "update", "contact", changed.uid, changed.name, f"{why} as contact {existing}")
            return
        if uid and duplicate and duplicate[1] == "same uid":
            uid = None  # --on-duplicate create: a new contact needs a uid of its own
        uid = uid or new_uid()
        contact_id = self.next_id
        self.next_id += 1
        self.contacts.append(dict(values, id=contact_id, uid=uid, created_at=created, updated_at=updated,
                                  stage_history=history))  # fmt: skip
        self._remember(contact_id, values["emails"], values["phones"], uid)
        self._note(line, "create", "contact", uid, values["name"])
        if len(self.contacts) >= _BATCH:
            self._flush_contacts()

    def _history(self, raw: Any, stage: str, created: datetime) -> list[tuple]:
        if not raw:
            return [(None, stage, created, "import")]
        if not isinstance(raw, list) or not all(isinstance(h, dict) for h in raw):
            raise InvalidValue("the stage_history is not a list of objects")
        history = []
        for change in raw:
            old = change.get("from_stage")
            history.append((choose(old, STAGES, "stage") if old else None,
                            choose(_text(change.get("to_stage"), "stage") or "", STAGES, "stage"),
                            _instant(change.get("at"), "stage change time", created),
                            choose(change.get("source") or "import", ("add", "user", "rule", "import"),
                                            "stage change source")))  # fmt: skip
        return history

    def _remember(self, contact_id: int, emails: Iterable[str], phones: Iterable[str], uid: str | None) -> None:
        for email in emails:
            self.by_email.setdefault(email, contact_id)
        for phone in phones:
            self.by_phone.setdefault(phone, contact_id)
        if uid:
            self.by_uid[uid] = contact_id

    def _flush_contacts(self) -> None:
        if self.contacts:
            self.store.bulk_insert_contacts(self.contacts)
            self.contacts = []

    # -------------------------------------------------------------- interactions and reminders

    def _owner(self, raw: dict) -> int:
        uid = _text(raw.get("contact_uid"), "contact_uid")
        if not uid:
            raise InvalidValue("the record has no contact_uid", "Each interaction and reminder names its contact's uid")
        found = self.by_uid.get(uid) or self.store.contact_id_by_uid(uid)
        if not found:
            raise InvalidValue(f"no contact has the uid {uid}", "Import the contact first (export all keeps the order)")
        return found

    def _known(self, table: str, uid: str | None) -> bool:
        if not uid:
            return False
        if (table, uid) in self.pending_uids:
            return True
        return (self.had_contacts or self.flushed) and self.store.uid_exists(table, uid)

    def _erased_owner(self, line: int, raw: dict, kind: str) -> bool:
        if self.erased_uids and raw.get("contact_uid") in self.erased_uids:
            self._note(line, "skip", kind, raw.get("uid"), "", "its contact was erased at their request")
            return True
        return False

    def _interaction(self, line: int, raw: dict) -> None:
        if self._erased_owner(line, raw, "interaction"):
            return
        contact_id = self._owner(raw)
        uid = clean_line(raw.get("uid") or "", "uid", required=False)
        kind = choose(_text(raw.get("kind"), "kind") or "", KINDS, "kind of interaction")
        at = _instant(raw.get("at"), "time")
        if at is None:
            raise InvalidValue("the interaction has no time (at)")
        text = clean_block(_text(raw.get("text"), "text"), "text")
        amount = parse_amount(_text(raw.get("amount"), "amount"))
        created = _instant(raw.get("created_at"), "created_at", self.now)
        label = raw.get("contact_name") or str(contact_id)
        if self._known("interactions", uid):
            self._note(line, "skip", "interaction", uid, str(label), "already imported (same uid)")
            return
        uid = uid or new_uid()
        self.pending_uids.add(("interactions", uid))
        self.interactions.append(dict(uid=uid, contact_id=contact_id, kind=kind, at=at, text=text,
                                      amount=amount, created_at=created))  # fmt: skip
        self._note(line, "create", "interaction", uid, str(label))
        if len(self.interactions) >= _BATCH:
            self._flush_interactions()

    def _reminder(self, line: int, raw: dict) -> None:
        if self._erased_owner(line, raw, "reminder"):
            return
        contact_id = self._owner(raw)
        uid = clean_line(raw.get("uid") or "", "uid", required=False)
        text = clean_line(_text(raw.get("text"), "text") or "", "reminder text", limit=1000)
        due_on = _day(raw.get("due_on"), "due_on")
        due_time = raw.get("due_time")
        try:
            due_time = time.fromisoformat(due_time) if due_time else None
        except (TypeError, ValueError):
            raise InvalidValue(f"the due_time {due_time!r} is not HH:MM") from None
        rule = str(dates.parse_rule(raw["rule"])) if raw.get("rule") else None
        status = choose(raw.get("status") or "open", ("open", "done"), "reminder status")
        created = _instant(raw.get("created_at"), "created_at", self.now)
        label = raw.get("contact_name") or str(contact_id)
        if self._known("reminders", uid):
            self._note(line, "skip", "reminder", uid, str(label), "already imported (same uid)")
            return
        uid = uid or new_uid()
        self.pending_uids.add(("reminders", uid))
        self.reminders.append(dict(
            uid=uid, contact_id=contact_id, text=text, due_on=due_on, due_time=due_time, rule=rule,
            anchor_on=_day(raw["anchor_on"], "anchor_on") if raw.get("anchor_on") else due_on,
            scheduled_on=_day(raw["scheduled_on"], "scheduled_on") if raw.get("scheduled_on") else due_on,
            snoozed=bool(raw.get("snoozed")), status=status,
            done_at=_instant(raw.get("done_at"), "done_at", self.now if status == "done" else None),
            created_at=created, updated_at=_instant(raw.get("updated_at"), "updated_at", created),
        ))  # fmt: skip
        self._note(line, "create", "reminder", uid, str(label))
        if len(self.reminders) >= _BATCH:
            self._flush_reminders()

    def _flush_interactions(self) -> None:
        self._flush_contacts()
        if self.interactions:
            self.store.bulk_insert_interactions(self.interactions)
            self.pending_uids -= {("interactions", r["uid"]) for r in self.interactions}
            self.interactions = []
            self.flushed = True

    def _flush_reminders(self) -> None:
        self._flush_contacts()
        if self.reminders:
            self.store.bulk_insert_reminders(self.reminders)
            self.pending_uids -= {("reminders", r["uid"]) for r in self.reminders}
            self.reminders = []
            self.flushed = True

    def finish(self) -> None:
        self._flush_contacts()
        self._flush_interactions()
        self._flush_reminders()
        if self.next_id > self.first_id:
            self.store.index_contacts_from(self.first_id)


def import_records(store: Store, now: datetime, records: Iterable[tuple[int, Any, Any]], *,
                   on_duplicate: str = "skip", region: str | None = None, dry_run: bool = False,
                   skip_invalid: bool = False, report: ImportReport | None = None,
                   include_erased: bool = False) -> ImportReport:  # fmt: skip
    """Import ``(line, raw, source)`` records in one transaction: all of them, or (with
    ``skip_invalid``) the valid ones, or nothing. ``dry_run`` does it all, then rolls back."""
    importer = Importer(store, now, on_duplicate=on_duplicate, region=region, keep_actions=dry_run,
                        report=report, include_erased=include_erased)  # fmt: skip
    try:
        with store.write():
            importer.start()
            for line, raw, source in records:
                importer.feed(line, raw, source)
            importer.finish()
            if importer.report.rejects and not skip_invalid:
                raise ImportRejected(importer.report)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return importer.report


# ------------------------------------------------------------------ export


def export_records(store: Store, what: str, today: date,
                   only: ContactQuery | None = None) -> Iterator[tuple[str, Any, dict]]:  # fmt: skip
    """``(type, record, extra)`` for every record of ``what``, in id order, streamed.

    ``extra`` holds what the record type does not carry but a faithful copy
    needs: a contact's stage history; the contact uid of an interaction or
    reminder; a reminder's anchor and scheduled days. ``only`` (a segment's
    query) keeps the contacts it selects, and their interactions and reminders.
    """
    if what not in EXPORT_KINDS:
        raise UsageError(f"cannot export {what!r}", f"Use one of: {', '.join(EXPORT_KINDS)}")
    query = only._replace(sort="id", descending=False, limit=None) if only else ContactQuery(sort="id")
    members = {c.id for c in store.list_contacts(query)} if only else None
    if what in ("contacts", "all"):
        contacts = store.list_contacts(query)
        while chunk := list(islice(contacts, 500)):
            histories = store.stage_histories([c.id for c in chunk])
            for contact in chunk:
                yield "contact", contact, {"stage_history": histories.get(contact.id, [])}
    if what in ("interactions", "all"):
        for interaction, contact_uid in store.export_interactions():
            if members is None or interaction.contact_id in members:
                yield "interaction", interaction, {"contact_uid": contact_uid}
    if what in ("reminders", "all"):
        for reminder, contact_uid, anchor, scheduled in store.export_reminders(today=today):
            if members is None or reminder.contact_id in members:
                yield "reminder", reminder, {"contact_uid": contact_uid, "anchor_on": anchor, "scheduled_on": scheduled}


def open_reminders(store: Store, only: ContactQuery | None = None) -> Iterator[Reminder]:
    """Every open reminder, in id order, streamed (for the calendar export); ``only`` as above."""
    members = {c.id for c in store.list_contacts(only._replace(limit=None))} if only else None
    return (reminder for reminder, _, _, _ in store.export_reminders(open_only=True)
            if members is None or reminder.contact_id in members)  # fmt: skip


RECORD_TYPES: dict[str, type] = {"contacts": Contact, "interactions": Interaction, "reminders": Reminder}
