"""Keeping what cannot be checked: the importer's helpers for doubtful values.

A value the rules refuse is not dropped: ``Kept`` collects it, as typed, into a custom
field named after the column or property it came from, with the warning the report
gives for its line. ``region_of`` reads a phone region from a record's own address
country when none is set.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from typing import Any

from minicrm import recurrence
from minicrm.errors import InvalidValue, MiniCrmError
from minicrm.interchange.readers import field_key
from minicrm.interchange.records import ImportReport
from minicrm.models import STAGES
from minicrm.services.values import choose, clean_block, clean_line, normalise_email, normalise_tag, parse_fields

# What people write for a country that libphonenumber's names do not hold (those are read by ``_country_names``).
_ALIASES = {
    "d": "DE", "uk": "GB", "great britain": "GB", "england": "GB", "scotland": "GB", "wales": "GB",
    "northern ireland": "GB", "usa": "US", "u s a": "US", "united states of america": "US", "holland": "NL",
    "the netherlands": "NL", "deu": "DE", "gbr": "GB", "aut": "AT", "che": "CH", "fra": "FR", "nld": "NL",
}  # fmt: skip


def _key(country: str) -> str:
    """A country as written, compared without case, accents or punctuation: ``Österreich`` -> ``osterreich``."""
    import unicodedata

    folded = unicodedata.normalize("NFKD", str(country).casefold())
    return " ".join("".join(ch if ch.isalnum() else " " for ch in folded if not unicodedata.combining(ch)).split())


@functools.cache
def _country_names() -> dict[str, str]:
    """Every country name libphonenumber knows, in each of its languages (``Deutschland``, ``Germany``,
    ``Allemagne``, ``Alemania``…), folded, to its region code.

    The names are those of its geocoder (``phonenumbers/geodata/locale.py``), read on their own:
    importing ``phonenumbers.geodata`` would load all of the geocoder's number data (1.4 s). Should
    that file move in a later phonenumbers, only the two-letter codes and ``_ALIASES`` are read."""
    import importlib.util
    import os

    import phonenumbers

    path = os.path.join(os.path.dirname(phonenumbers.__file__), "geodata", "locale.py")
    try:
        spec = importlib.util.spec_from_file_location("phonenumbers.geodata.locale", path)
        module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
        spec.loader.exec_module(module)  # type: ignore[union-attr]
        data = module.LOCALE_DATA
    except (OSError, ImportError, AttributeError, SyntaxError):
        data = {}
    names = {_key(name): region for region, languages in data.items() for name in languages.values()
             if name and not name.startswith("*")}  # fmt: skip
    return {**names, **_ALIASES}


def region_of(countries: Any) -> str | None:
    """The phone region of a card's own address country (``Deutschland``, ``Royaume-Uni``, ``USA``, ``DE``
    -> its ISO code), when it names one."""
    import phonenumbers

    for country in countries or ():
        key = _key(country)
        code = _country_names().get(key) or (key.upper() if len(key) == 2 else None)
        if code and code in phonenumbers.SUPPORTED_REGIONS:
            return code
    return None


def one_line(value: str) -> bool:
    """A field value ``--field`` would take as it is (``edit``'s rule)."""
    return "\n" not in value and "\t" not in value and len(value) <= 200


def custom_fields(custom: dict) -> dict[str, str | None]:
    """A record's custom fields: keys checked as ``--field`` does; values of several lines (an address)
    or over 200 characters kept, as a note is."""
    fields: dict[str, str | None] = {}
    for key, value in custom.items():
        (checked,) = parse_fields([f"{key}=x"])  # the key's rule
        text = "" if value is None else str(value)
        fields[checked] = clean_block(text, f"field {checked}") if text.strip() else None
    return fields


class Kept:
    """One record's values checked one by one: what is valid is returned, what is not is kept as
    typed in a custom field named after its source (the CSV column or vCard property), with a warning."""

    def __init__(self, report: ImportReport, line: int, origin: dict, custom: dict, date_order: str | None = None):
        self.report, self.line, self.origin, self.custom = report, line, origin, dict(custom)
        self.date_order = date_order

    def _keep(self, what: str, value: str, source: tuple[int, str] | None, why: str) -> None:
        line, name = source or (self.line, what)
        key = field_key(name, 0) if name else what
        current = self.custom.get(key)
        self.custom[key] = f"{current}; {value}" if current and value not in str(current).split("; ") else value
        self.report.warn(line, f"the {what} {value!r} is kept as typed in the field {key}: {why}")

    @staticmethod
    def _why(error: MiniCrmError) -> str:
        """The reason alone: ``'x' is not an email address (...)`` -> ``not an email address (...)``."""
        text = str(error.args[0]) if error.args else str(error)
        return re.sub(r"^(?:the \w+ )?'.*?' (?:is |has )?", "", text) if text.startswith(("'", "the ")) else text

    def emails(self, emails: list[str]) -> list[str]:
        good = []
        for i, email in enumerate(emails):
            try:
                normalise_email(email)
                good.append(email)
            except InvalidValue as error:
                self._keep("email", email, self._source("emails", i), self._why(error))
        return good

    def phones(self, phones: list[str], region: str | None) -> list[str]:
        """The phones to store (E.164, or as typed and unverified, see ``values.check_phone``); only one
        that cannot even be a phone's text (a control character, over 200 characters) goes to a field."""
        good = []
        for i, phone in enumerate(phones):
            try:
                clean_line(phone, "phone")  # what check_phone refuses; the number itself is checked once, later
                good.append(phone)
            except InvalidValue as error:
                self._keep("phone", phone, self._source("phones", i), self._why(error))
        return good

    def unverified(self, phones: list[str], warnings: Iterable[Any]) -> None:
        """A warning, with the line its phone came from, for each phone kept as typed."""
        typed = [" ".join(str(p).split()) for p in phones]
        for warning in warnings:
            at = typed.index(warning.value) if warning.value in typed else -1
            source = self._source("phones", at) if at >= 0 else None
            self.report.warn(source[0] if source else self.line, str(warning))

    def tags(self, tags: list[str]) -> list[str]:
        good = []
        for tag in tags:
            try:
                normalise_tag(tag)
                good.append(tag)
            except InvalidValue as error:
                self._keep("tag", tag, None, self._why(error))
        return good

    def stage(self, stage: str | None) -> str | None:
        try:
            return choose(stage, STAGES, "stage") if stage else None
        except InvalidValue as error:
            self._keep("stage", stage or "", None, self._why(error))
            return None

    def birthday(self, birthday: str | None) -> str | None:

        try:
            return recurrence.parse_birthday(birthday, order=self.date_order) if birthday else None
        except MiniCrmError as error:
            self._keep("birthday", birthday or "", self.origin.get("birthday"), self._why(error))
            return None

    def fields(self) -> dict[str, str | None]:
        return custom_fields(self.custom)

    def _source(self, kind: str, i: int) -> tuple[int, str] | None:
        found = self.origin.get(kind) or []
        return tuple(found[i]) if i < len(found) else None  # type: ignore[return-value]
