"""Settings that belong to the business: kept in the database so everyone sharing it agrees.

``KEYS`` is the registry of known settings, each with what it means, a check that turns
what was typed into the stored form (or raises ``InvalidValue``) and, for some, a default
taken from the locale. A setting in force comes from, in order: the environment
(``MINICRM_REGION`` for one run), the database (``minicrm config KEY VALUE``), the
locale (``LC_ALL``, then ``LC_NUMERIC``/``LC_TIME``/``LC_MONETARY``, then ``LANG``), or
nowhere. The caller passes the environment in (services never read it themselves).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import NamedTuple

from minicrm.errors import InvalidValue
from minicrm.models import Setting
from minicrm.store import Store


class Key(NamedTuple):
    """A known setting."""

    name: str
    description: str
    check: Callable[[str], str]  # what was typed -> the stored form, or InvalidValue
    from_locale: Callable[[Mapping[str, str]], str | None] | None = None  # its default from the environment's locale
    env: str | None = None  # an environment variable that wins for one run
    default: str | None = None  # without a locale (C, POSIX or none)


# ------------------------------------------------------------------ the locale


def locale_of(env: Mapping[str, str], category: str | None = None) -> tuple[str, str] | None:
    """(language, territory) of the locale in force for ``category`` (``LC_TIME``…), e.g. ("de", "DE").

    POSIX order: ``LC_ALL``, then the category, then ``LANG``. ``C``, ``POSIX``, an empty
    or unreadable value: ``None``.
    """
    for name in ("LC_ALL", category, "LANG"):
        value = (env.get(name) or "").strip() if name else ""
        if value:
            break
    else:
        return None
    found = re.match(r"^([A-Za-z]{2,3})(?:_([A-Za-z]{2}))?(?:[.@]|$)", value)
    if not found or value.upper().startswith(("C.", "POSIX")) or value in ("C", "POSIX"):
        return None
    return found.group(1).lower(), (found.group(2) or "").upper()


# Territories whose numbers use a decimal point although their language elsewhere takes a comma.
_POINT_TERRITORIES = {"CH", "LI", "MX", "US", "GB", "IE", "AU", "NZ", "IN", "JP", "CN", "TW", "HK", "KR", "SG", "MY",
                      "PH", "TH", "IL", "PK", "GT", "DO", "PA", "PE", "PR", "SV", "HN", "NI", "BW", "KE", "NG"}
_POINT_LANGUAGES = {"en", "ja", "zh", "ko", "th", "he", "hi", "ga", "mt", "ms", "fil", "tl", "sw", "ur", "bn", "ta"}
_MDY_TERRITORIES = {"US", "PH", "FM", "MH", "PW", "BZ"}
_YMD_TERRITORIES = {"CN", "JP", "KR", "KP", "TW", "HU", "LT", "SE", "MN", "IR", "BT"}
# The currency of the commonest territories (ISO 3166 -> ISO 4217); others are left unset.
_EURO = "AT BE CY DE EE ES FI FR GR HR IE IT LT LU LV MT NL PT SI SK AD MC SM VA ME XK".split()
_CURRENCY_OF = {**dict.fromkeys(_EURO, "EUR"), "US": "USD", "GB": "GBP", "CH": "CHF", "LI": "CHF", "CA": "CAD",
                "AU": "AUD", "NZ": "NZD", "JP": "JPY", "CN": "CNY", "IN": "INR", "SE": "SEK", "NO": "NOK", "DK": "DKK",
                "PL": "PLN", "CZ": "CZK", "HU": "HUF", "RO": "RON", "BG": "BGN", "BR": "BRL", "MX": "MXN",
                "ZA": "ZAR", "KR": "KRW", "SG": "SGD", "HK": "HKD", "TR": "TRY", "IL": "ILS", "IS": "ISK",
                "UA": "UAH", "AR": "ARS", "CL": "CLP", "CO": "COP", "TW": "TWD", "TH": "THB", "PH": "PHP"}  # fmt: skip


def _region_from(env: Mapping[str, str]) -> str | None:
    found = locale_of(env)
    return found[1] if found and found[1] else None


def _decimal_from(env: Mapping[str, str]) -> str | None:
    found = locale_of(env, "LC_NUMERIC")
    if not found:
        return None
    language, territory = found
    if territory in _POINT_TERRITORIES or language in _POINT_LANGUAGES:
        return "."
    return ","


def _date_order_from(env: Mapping[str, str]) -> str | None:
    found = locale_of(env, "LC_TIME")
    if not found:
        return None
    language, territory = found
    if territory in _MDY_TERRITORIES:
        return "MDY"
    if territory in _YMD_TERRITORIES:
        return "YMD"
    return "DMY" if territory or language != "en" else "MDY"


def _currency_from(env: Mapping[str, str]) -> str | None:
    found = locale_of(env, "LC_MONETARY")
    return _CURRENCY_OF.get(found[1]) if found else None


# ------------------------------------------------------------------ checks

# ISO 4217 currency codes in use (and the funds and metals codes), 2024.
CURRENCIES = frozenset("""
AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD BTN BWP BYN BZD CAD CDF
CHE CHF CHW CLF CLP CNY COP COU CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD
GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR
LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK
PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT
TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS VED VES VND VUV WST XAF XAG XAU XBA XBB XBC XBD XCD XCG
XDR XOF XPD XPF XPT XSU XTS XUA XXX YER ZAR ZMW ZWG ZWL
""".split())


def _check_region(text: str) -> str:
    import phonenumbers

    code = text.strip().upper()
    if code not in phonenumbers.SUPPORTED_REGIONS:
        raise InvalidValue(f"{text!r} is not a country code", "Use ISO 3166 two letters, e.g. GB, US or DE")
    return code


def _check_currency(text: str) -> str:
    code = text.strip().upper()
    if code not in CURRENCIES:
        raise InvalidValue(f"{text!r} is not a currency code", "Use ISO 4217 three letters, e.g. EUR, USD or GBP")
    return code


def _check_date_order(text: str) -> str:
    order = text.strip().upper()
    if order not in ("DMY", "MDY", "YMD"):
        raise InvalidValue(f"{text!r} is not a date order", "Use DMY (31/12/2026), MDY (12/31/2026) or YMD (2026/12/31)")
    return order


def _check_decimal(text: str) -> str:
    mark = text.strip()
    if mark not in (".", ","):
        raise InvalidValue(f"{text!r} is not a decimal mark", "Use . (11.50) or , (11,50)")
    return mark


def check_addresses(text: str) -> str:
    """Your own e-mail addresses, comma- or space-separated, each checked and lowercased."""
    from minicrm.services.values import normalise_email

    found = [normalise_email(part) for part in re.split(r"[,;\s]+", str(text)) if part.strip()]
    if not found:
        raise InvalidValue("no address given", "Give one or more, e.g. minicrm config mail.me me@example.com")
    return ", ".join(dict.fromkeys(found))


def _check_host(text: str) -> str:
    host = text.strip()
    if not host or any(c.isspace() for c in host) or "/" in host or len(host) > 253:
        raise InvalidValue(f"{text!r} is not a mail server name", "E.g. smtp.example.com or 127.0.0.1")
    return host


def _check_port(text: str) -> str:
    port = text.strip()
    if not (port.isascii() and port.isdigit() and 0 < int(port) < 65536):
        raise InvalidValue(f"{text!r} is not a port", "Use a number from 1 to 65535, e.g. 587")
    return str(int(port))


def _check_security(text: str) -> str:
    mode = text.strip().lower()
    if mode not in ("starttls", "tls", "none"):
        raise InvalidValue(f"{text!r} is not a mail security mode",
                           "Use starttls (port 587), tls (port 465) or none (a server on this machine)")  # fmt: skip
    return mode


def _check_address(text: str) -> str:
    found = check_addresses(text)
    if "," in found:
        raise InvalidValue(f"{text!r} is more than one address", "Give the one sender address")
    return found


def _check_text(text: str) -> str:
    value = text.strip()
    if not value or any(ord(c) < 32 for c in value):
        raise InvalidValue(f"{text!r} is not usable here", "Give it on one line, not empty")
    return value


def _check_path(text: str) -> str:
    value = _check_text(text)
    if not (value.startswith("/") or value.startswith("~")):
        raise InvalidValue(f"{text!r} is not an absolute path", "Give the full path, e.g. ~/.config/minicrm/mail-password")
    return value


# The mail channel of ``minicrm digest``. The password is never stored here: it comes from
# $MINICRM_MAIL_PASSWORD or from the file ``mail.password_file`` names.
MAIL_PASSWORD_ENV = "MINICRM_MAIL_PASSWORD"

KEYS: dict[str, Key] = {key.name: key for key in (
    Key("region", "country of phone numbers typed without +country (ISO 3166, e.g. GB)", _check_region,
        _region_from, env="MINICRM_REGION"),
    Key("currency", "currency of amounts (ISO 4217, e.g. EUR), shown beside them", _check_currency, _currency_from),
    Key("date_order", "how slashed dates such as 03/04/2026 are read: DMY, MDY or YMD", _check_date_order,
        _date_order_from, default="YMD"),
    Key("decimal", "the decimal mark of amounts typed: . (11.50) or , (11,50)", _check_decimal, _decimal_from,
        default="."),
    Key("mail.me", "your own e-mail addresses, comma-separated: mail import tells sent from received by them",
        check_addresses),
    Key("mail.host", "the SMTP server digests are mailed through (digest --send mail)", _check_host),
    Key("mail.port", "its port: 587 (starttls), 465 (tls), 25", _check_port, default="587"),
    Key("mail.security", "starttls, tls (implicit, port 465) or none (a server on this machine)", _check_security,
        default="starttls"),
    Key("mail.from", "the sender address of digests", _check_address),
    Key("mail.to", "who receives the digest (several: comma-separated)", check_addresses),
    Key("mail.user", "the login on the SMTP server, if it wants one", _check_text),
    Key("mail.password_file", f"a file holding the SMTP password (or set ${MAIL_PASSWORD_ENV}); never stored here",
        _check_path),
)}  # fmt: skip


def known(key: str) -> Key:
    found = KEYS.get(str(key).strip().lower())
    if found is None:
        raise InvalidValue(f"{key!r} is not a setting", f"Use one of: {', '.join(KEYS)}")
    return found


# ------------------------------------------------------------------ use cases


def setting(store: Store | None, key: str, env: Mapping[str, str]) -> Setting:
    """The setting in force for ``key``, and where it comes from."""
    entry = known(key)
    if entry.env and (env.get(entry.env) or "").strip():
        return Setting(entry.name, entry.check(env[entry.env]), "environment", entry.description)
    stored = store.settings.get(entry.name) if store is not None else None
    if stored is not None:
        return Setting(entry.name, stored, "database", entry.description)
    default = entry.from_locale(env) if entry.from_locale else None
    if default is not None:
        return Setting(entry.name, default, "locale", entry.description)
    return Setting(entry.name, entry.default, "default", entry.description)


def value(store: Store | None, key: str, env: Mapping[str, str]) -> str | None:
    """The value in force for ``key`` (``None`` when it is set nowhere)."""
    return setting(store, key, env).value


def listing(store: Store, env: Mapping[str, str]) -> list[Setting]:
    """Every known setting, in the registry's order, with its value and its source."""
    return [setting(store, key, env) for key in KEYS]


def change(store: Store, now: datetime, key: str, typed: str, env: Mapping[str, str]) -> Setting:
    """Store ``key`` = ``typed`` (checked) in the database; the setting now in force."""
    entry = known(key)
    checked = entry.check(str(typed))
    with store.write():
        store.settings.set(entry.name, checked, now)
    return setting(store, entry.name, env)


def unset(store: Store, key: str, env: Mapping[str, str]) -> tuple[Setting, bool]:
    """Remove ``key`` from the database: (the setting now in force, whether it was set)."""
    entry = known(key)
    with store.write():
        removed = store.settings.unset(entry.name)
    return setting(store, entry.name, env), removed
