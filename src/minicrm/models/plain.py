"""How a record becomes plain data: JSON values, a dict per record, its field names, and JSON
text safe for a terminal. The order of a record's fields is the output vocabulary: JSON keys, CSV
headers and TSV columns all follow it (see ``render``)."""

import re
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any


def field_names(record_type: type) -> list[str]:
    return list(record_type._fields)  # type: ignore[attr-defined]


_SCALARS = frozenset({str, int, float, bool, type(None)})


def plain(value: Any) -> Any:
    """A value as JSON sees it: ISO dates, numbers, lists, objects."""
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind is datetime:
        return value.isoformat(timespec="seconds")
    if kind is date:
        return value.isoformat()
    if kind is time:
        return value.strftime("%H:%M")
    if kind is Decimal:
        return float(value)
    if kind is tuple or kind is list:
        return [plain(v) for v in value]
    if kind is dict:
        return {k: plain(v) for k, v in value.items()}
    if hasattr(kind, "_fields"):  # a record (models)
        return record_dict(value)
    return str(value)


def record_dict(record: Any) -> dict[str, Any]:
    return dict(zip(record._fields, map(plain, record)))


_JSON_UNSAFE = re.compile(r"[\x7f-\x9f\u2028\u2029]")


def json_safe(text: str) -> str:
    """JSON text with DEL, the C1 controls and U+2028/U+2029 written as ``\\uXXXX`` escapes, as
    every JSON minicrm writes has them (``--json`` and exports alike): still the same JSON, but
    nothing a terminal or a JavaScript parser would act on."""
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
