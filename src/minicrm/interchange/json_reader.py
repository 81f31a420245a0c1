"""JSON and NDJSON readers: the shape ``minicrm export`` writes, as ``(number, raw, source)``.

A record that is not an object, is not JSON, holds text that was not UTF-8, or nests deeper than
``MAX_DEPTH`` is a ``RowError`` for the reject file, never a crash.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import IO, Any

from minicrm.errors import InvalidValue
from minicrm.interchange.records import SURROGATE, RowError, check_text

MAX_DEPTH = 32  # lists and objects inside each other: an exported record needs 3


def json_kind(value: Any) -> str:
    """What a JSON value is, for a message: ``null``, ``a number``, ``a list``..."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return {int: "a number", float: "a number", str: "a text", list: "a list"}.get(type(value), "an object")


def depth(value: Any) -> int:
    """How deep lists and objects nest in a JSON value (a scalar is 0), counted without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            stack += [(child, level + 1) for child in (item.values() if isinstance(item, dict) else item)]
    return deepest


def too_deep(what: str) -> str:
    return f"{what} nests lists or objects deeper than {MAX_DEPTH} levels"


def read_ndjson(stream: IO[str]) -> Iterator[tuple[int, Any, Any]]:
    """One JSON object a line, as ``minicrm export --to ndjson`` writes them; blank lines are skipped.
    A line that is not an object (``null``, a number, a list), not JSON, or nested too deep is a
    ``RowError``, with the line's text as it was for the reject file."""
    for line, text in enumerate(stream, start=1):
        if not text.strip():
            continue
        try:
            value = json.loads(text)
            if depth(value) > MAX_DEPTH:
                raise RowError(too_deep("the line"))
            if SURROGATE.search(text) or "\\u" in text:  # undecodable bytes, or an escape that may be a lone surrogate
                check_text(value)
        except RecursionError:
            yield line, RowError(too_deep("the line")), text
            continue
        except ValueError as error:
            yield line, RowError(f"not valid JSON ({error})"), text
            continue
        except InvalidValue as error:
            yield line, RowError(str(error)), text
            continue
        except RowError as error:
            yield line, error, text
            continue
        if isinstance(value, dict):
            yield line, value, value
        else:  # null, a number, a text or a list: kept in the reject file as the line was
            yield line, RowError(f"not a JSON object but {json_kind(value)}"), text


def read_json(stream: IO[str]) -> Iterator[tuple[int, Any, Any]]:
    """A JSON list of objects (or one object), as ``minicrm export --to json`` writes them; numbered by record."""
    text = stream.read()
    suspicious = bool(SURROGATE.search(text)) or "\\u" in text
    try:
        value = json.loads(text)
    except RecursionError:
        raise InvalidValue(too_deep("the file"), "Export it again, or use NDJSON") from None
    except ValueError as error:
        raise InvalidValue(f"the file is not valid JSON ({error})", "Export it again, or use NDJSON") from None
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        raise InvalidValue("the JSON file holds neither an object nor a list of objects",
                           "Use the shape minicrm export writes")  # fmt: skip
    for number, item in enumerate(value, start=1):
        if depth(item) > MAX_DEPTH:
            yield number, RowError(too_deep("the record")), item
            continue
        try:
            if suspicious:
                check_text(item)
        except InvalidValue as error:
            yield number, RowError(str(error)), item
            continue
        yield number, item if isinstance(item, dict) else RowError(f"not a JSON object but {json_kind(item)}"), item
