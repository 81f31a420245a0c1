"""Input values, checked and normalised: the rules every entry point shares.

Names, texts, emails, phones, tags, amounts and ``KEY=VALUE`` fields are checked
here, so that ``add``, ``edit``, ``import`` and every other command apply the same
rules. Each function returns the clean value or raises ``InvalidValue``; the lenient
ones (``check_phone``) instead keep a doubtful value as typed and say why, as a
``ValueWarning`` the caller reports (the CLI as a ``Warning:`` line, the importer
with the line it came from).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import NamedTuple

from minicrm.errors import InvalidValue

MAX_LINE = 200  # names, organisations, reminder texts
MAX_BLOCK = 100_000  # notes and interaction texts
MAX_AMOUNT = Decimal("1e12")
MAX_ID = 2**63 - 1  # SQLite's largest integer: a bigger id or count matches nothing
MAX_DAYS = 100 * 366
# A search's cost grows with its length times the length of the texts it is matched against
# (a 10,000-character query against a 100,000-character note took 24 s and 2.2 GB).
MAX_SEARCH = 200  # characters
MAX_SEARCH_WORDS = 20
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_LINE_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_TAG = re.compile(r"^[^\s,]+$")
_FIELD_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]{0,63}$")


def clean_line(value: str, what: str, *, required: bool = True, limit: int = MAX_LINE) -> str | None:
    """A one-line text field: trimmed, no control characters, not too long."""
    text = str(value).strip() if value is not None else ""
    if _LINE_CONTROL.search(text):
        raise InvalidValue(f"the {what} contains a control character (such as a tab, newline or escape)",
                           f"Type the {what} as plain text")  # fmt: skip
    if not text:
        if required:
            raise InvalidValue(f"the {what} is empty", f"Give a {what}")
        return None
    if len(text) > limit:
        raise InvalidValue(f"the {what} is {len(text)} characters long", f"Keep it to {limit}")
    return text


def search_text(value: str | None) -> str | None:
    """A search (``search``, ``list --search``, a segment's), trimmed: at most ``MAX_SEARCH``
    characters and ``MAX_SEARCH_WORDS`` words; None when empty."""
    text = str(value).strip() if value is not None else ""
    if len(text) > MAX_SEARCH:
        raise InvalidValue(f"the search text is {len(text)} characters long",
                           f"Keep it to {MAX_SEARCH}: a few distinctive words find the same")  # fmt: skip
    words = len(re.findall(r"\w+", text))
    if words > MAX_SEARCH_WORDS:
        raise InvalidValue(f"the search text has {words} words", f"Keep it to {MAX_SEARCH_WORDS}")
    return text or None


def clean_block(value: str | None, what: str) -> str | None:
    """A multi-line text (note, interaction text): tabs and newlines allowed."""
    if value is None:
        return None
    text = str(value).replace("\r\n", "\n").replace("\r", "\n").strip()
    if _CONTROL.search(text):
        raise InvalidValue(f"the {what} contains a control character (such as an escape or NUL)",
                           f"Remove it from the {what}")  # fmt: skip
    if len(text) > MAX_BLOCK:
        raise InvalidValue(f"the {what} is {len(text)} characters long", f"Keep it to {MAX_BLOCK}")
    return text or None


# An address this pattern accepts is one email-validator accepts and normalises to
# itself with the domain lowercased (tests/test_quality.py checks the agreement):
# plain ASCII dot-atoms and host names (no "xn--"-style label: those are IDNA and
# email-validator turns them into Unicode), not a special-use domain. Everything else
# goes through email-validator, which costs ~40 us an address.
_SIMPLE_EMAIL = re.compile(
    r"^(?=.{1,64}@)[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?=.{4,253}$)(?:(?![a-z0-9]{2}--)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"
)
_SPECIAL_USE = ("arpa", "invalid", "local", "localhost", "onion", "test")


def normalise_email(value: str) -> str:
    """A valid address, normalised (email-validator) and lowercased: ``Ann@Example.COM`` -> ``ann@example.com``."""
    text = str(value).strip()
    email = text.lower()
    if len(email) <= 254 and _SIMPLE_EMAIL.match(email) and email.rsplit(".", 1)[1] not in _SPECIAL_USE:
        return email
    from email_validator import EmailNotValidError, validate_email

    try:
        checked = validate_email(text, check_deliverability=False, allow_smtputf8=True)
    except EmailNotValidError as error:
        reason = str(error).rstrip(".")
        raise InvalidValue(f"{value!r} is not an email address ({reason})",
                           "Use the form name@example.com") from None  # fmt: skip
    return checked.normalized.lower()


class ValueWarning(NamedTuple):
    """A value kept as typed because it could not be checked: which field, what was typed, and why."""

    field: str  # "phone"
    value: str  # as typed (trimmed)
    why: str  # "it has no country code and no region is set"

    def __str__(self) -> str:
        return f"the {self.field} {self.value!r} is kept as typed, unverified: {self.why}"


# An extension written after the number ("ext. 12", "x12", "#12"): not text to keep aside.
_EXTENSION = re.compile(r"(?i)[\s,;]*(?:ext\.?|extension|x|#)\s*=?\s*\d{1,10}\s*$")
E164 = re.compile(r"^\+[1-9]\d{1,14}(?:;ext=\d+)?$")


def check_phone(value: str, region: str | None = None) -> tuple[str, str | None]:
    """A phone number as it is stored, and why it is unverified (``None`` when it is verified).

    A number libphonenumber can place (with ``region`` as the country of numbers
    written without ``+``) comes back in E.164, an extension as ``;ext=12``. Any other
    text (no country code and no region, an unknown range, letters, too few digits)
    comes back exactly as typed (trimmed), with the reason. Only an empty text, a
    control character or more than 200 characters are refused, and a ``region`` that
    is not a country.
    """
    text = clean_line(value, "phone")
    if any(ch.isalpha() for ch in _EXTENSION.sub("", text)):
        _check_region(region)
        return text, "it contains text besides the number"
    placed, why = _place(text, region)
    return (placed, None) if placed else (text, why)


def _check_region(region: str | None) -> None:
    import phonenumbers

    if region and region.upper() not in phonenumbers.SUPPORTED_REGIONS:
        raise InvalidValue(f"{region!r} is not a country for phone numbers",
                           "Use a two-letter code such as GB, US or DE (minicrm config region, or --region)")  # fmt: skip


def _place(value: str, region: str | None) -> tuple[str | None, str]:
    """(E.164, "") for a number libphonenumber can place, else (None, why not)."""
    import phonenumbers

    _check_region(region)
    text = " ".join(str(value).split())
    if len(text) > 40 or sum(ch.isdigit() for ch in text) < 3 or _LINE_CONTROL.search(text):
        return None, "it is not a phone number (too few digits or too long)"
    if text.startswith("00"):
        text = "+" + text[2:]
    if (quick := _international(text)) is not None:
        return quick, ""
    try:
        number = phonenumbers.parse(text, region.upper() if region else None)
    except phonenumbers.NumberParseException as error:
        if error.error_type == phonenumbers.NumberParseException.INVALID_COUNTRY_CODE:
            if region or text.startswith("+"):
                return None, "its country code is unknown"
            return None, "it has no country code and no region is set (e.g. minicrm config region GB)"
        return None, "libphonenumber cannot read it as a phone number"
    if not phonenumbers.is_valid_number(number):
        return None, "libphonenumber knows no such number (check the digits and the country code)"
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return (f"{e164};ext={number.extension}" if number.extension else e164), ""


def phone_key(value: str, region: str | None = None) -> str:
    """The stored form of a phone typed to find or remove it: E.164 when it can be placed, else as typed."""
    return check_phone(value, region)[0]


def normalise_phone(value: str, region: str | None = None) -> str:
    """A valid phone number in E.164 (``+442079460958``), an extension as ``;ext=12``; else ``InvalidValue``.

    The strict rule (``import --strict``); ``check_phone`` is the lenient one that keeps
    a doubtful number as typed. ``region`` (ISO country code, e.g. ``GB``) is the country
    of numbers written without a ``+`` country code.
    """
    placed, why = _place(value, region)
    if placed is None:
        if "no country code" in why:
            raise InvalidValue(f"{value!r} has no country code",
                               "Write it as +<country> <number>, or set MINICRM_REGION (e.g. GB)")  # fmt: skip
        if "knows no such number" in why or "country code is unknown" in why:
            raise InvalidValue(f"{value!r} is not a valid phone number",
                               "Check the digits and the country code, e.g. +44 20 7946 0958")  # fmt: skip
        raise InvalidValue(f"{value!r} is not a phone number", "Write it with its country code, e.g. +44 20 7946 0958")
    return placed


_INTERNATIONAL = re.compile(r"\+[1-9][\d\s().\-/]{5,22}")
_SEPARATORS = re.compile(r"[\s().\-/]")


def _international(text: str) -> str | None:
    """The E.164 form of a number written as +<country> <digits> (how exports and most people write
    them), when it is valid as written; else None, and ``phonenumbers.parse`` decides (27 µs a number,
    against ~5 µs here). Numbers a full parse could read differently are left to it: a national number
    starting with 0, or with a national prefix of its country (+52 1 ...)."""
    if not _INTERNATIONAL.fullmatch(text):
        return None
    import phonenumbers
    from phonenumbers.phonemetadata import PhoneMetadata

    digits = _SEPARATORS.sub("", text)[1:]
    if not digits.isdigit():  # a lone "(" or other mark inside
        return None
    for size in (1, 2, 3):
        code, national = int(digits[:size]), digits[size:]
        if code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
            break
    else:
        return None
    if not national or national[0] == "0" or len(national) > 17:
        return None
    region = phonenumbers.region_code_for_country_code(code)
    metadata = PhoneMetadata.metadata_for_region_or_calling_code(code, region)
    if metadata is None:
        return None
    prefix = metadata.national_prefix_for_parsing
    if prefix and re.match(prefix, national):
        return None
    if not phonenumbers.is_valid_number(phonenumbers.PhoneNumber(country_code=code, national_number=int(national))):
        return None
    return f"+{code}{national}"


def normalise_tag(value: str) -> str:
    tag = str(value).strip().lower()
    if not tag or len(tag) > 50 or not _TAG.match(tag) or _LINE_CONTROL.search(tag):
        raise InvalidValue(f"{value!r} is not a tag", "Tags are single words without commas, e.g. gluten-free")
    return tag


def normalise_purpose(value: str) -> str:
    """A consent purpose: one lower-case word, e.g. email-marketing or sms."""
    purpose = str(value).strip().lower()
    if not purpose or len(purpose) > 50 or not _TAG.match(purpose) or _LINE_CONTROL.search(purpose):
        raise InvalidValue(f"{value!r} is not a consent purpose", "Use one word, e.g. email-marketing or sms")
    return purpose


def choose(value: str, options: Sequence[str], what: str) -> str:
    """``value`` as one of ``options``: exact, or a unique prefix, case-insensitive."""
    key = str(value).strip().lower()
    if key in options:
        return key
    matches = [option for option in options if key and option.startswith(key)]
    if len(matches) == 1:
        return matches[0]
    raise InvalidValue(f"{value!r} is not a {what}", f"Use one of: {', '.join(options)}")


_AMOUNT = re.compile(r"^([+-]?)([0-9][0-9.,' \u00a0\u202f]*)$")
_GROUPS = re.compile(r"^[0-9]{1,3}(?:[.,' \u00a0\u202f][0-9]{3})*$")
_AMOUNT_HINT = "Use a number such as 12.50"


def parse_amount(value: str | float | Decimal | None, decimal: str = ".") -> Decimal | None:
    """An amount of money, to the cent; ``decimal`` is the decimal mark typed (``.`` or ``,``).

    Never silently rescaled: with ``decimal=","`` ``11,50`` is 11.50 and ``1.234,50`` is
    1234.50; with ``"."`` ``1,234.50`` is 1234.50. When both marks appear the last one is
    the decimal mark. A text that reads two ways (``11,50`` with a decimal point: 11.50 or
    1150) is refused with both readings. Spaces and ``'`` may group thousands.
    """
    if value is None or value == "":
        return None
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return _cents(Decimal(str(value)), value)
    text = str(value).strip()
    if text[1:2] == decimal and text[:1] in "+-" or text[:1] == decimal:
        text = text.replace(decimal, "0" + decimal, 1)  # .50 is 0.50
    found = _AMOUNT.match(text)
    if not found:
        raise InvalidValue(f"{value!r} is not an amount", _AMOUNT_HINT)
    sign, body = found.groups()
    other = "," if decimal == "." else "."
    marks = [ch for ch in body if ch in ".,"]
    whole, fraction = body, ""
    if "." in marks and "," in marks:
        mark = marks[-1]  # the last mark is the decimal one: 1,234.50 or 1.234,50
        whole, fraction = body.rsplit(mark, 1)
        if mark in whole or not _GROUPS.match(whole):
            raise InvalidValue(f"{value!r} is not an amount", _AMOUNT_HINT)
    elif marks.count(decimal) == 1:
        whole, fraction = body.rsplit(decimal, 1)
        if len(fraction) == 3 and _GROUPS.match(body.replace(decimal, ",")):
            raise InvalidValue(f"{value!r} has three decimals",
                               f"If you meant {_plain(whole + fraction)}, type it without {decimal!r}; the decimal mark "
                               f"is {decimal!r} (minicrm config decimal)")  # fmt: skip
    elif marks.count(other) == 1 and not _GROUPS.match(body):
        # 11,50 with a decimal point: 11.50 (a decimal comma) or 1150 (a thousands comma)?
        as_decimal = _plain(body.replace(" ", "").replace(other, "."))
        as_whole = _plain(body.replace(other, ""))
        raise InvalidValue(f"{value!r} reads two ways: {as_decimal} (with {other!r} as the decimal mark) or {as_whole}",
                           f"The decimal mark is {decimal!r} (minicrm config decimal {other} to change it): "
                           f"type {as_decimal.replace('.', decimal)} or {as_whole}")  # fmt: skip
    if whole and not (whole.isdigit() or _GROUPS.match(whole)):
        raise InvalidValue(f"{value!r} is not an amount", _AMOUNT_HINT)
    if fraction and not fraction.isdigit():
        raise InvalidValue(f"{value!r} is not an amount", _AMOUNT_HINT)
    digits = "".join(ch for ch in whole if ch.isdigit())
    return _cents(Decimal(f"{sign}{digits or '0'}.{fraction or '0'}"), value)


def _plain(text: str) -> str:
    """Digits and one point, without grouping: for messages."""
    return "".join(ch for ch in text if ch.isdigit() or ch == ".")


def _cents(amount: Decimal, value: object) -> Decimal:
    if not amount.is_finite() or abs(amount) >= MAX_AMOUNT:
        raise InvalidValue(f"{value!r} is not an amount", _AMOUNT_HINT)
    if amount != amount.quantize(Decimal("0.01")):
        raise InvalidValue(f"{value!r} has more than two decimals", "Round it to cents, e.g. 12.50")
    return amount.quantize(Decimal("0.01"))


def parse_fields(pairs: Iterable[str]) -> dict[str, str | None]:
    """``KEY=VALUE`` pairs; an empty value (``KEY=``) means remove the field."""
    fields: dict[str, str | None] = {}
    for pair in pairs:
        key, sep, value = str(pair).partition("=")
        key = key.strip()
        if not sep or not _FIELD_KEY.match(key):
            raise InvalidValue(f"{pair!r} is not a KEY=VALUE field", "Use e.g. --field allergy=nuts")
        fields[key] = clean_line(value, f"field {key}", required=False)
    return fields


def unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))
