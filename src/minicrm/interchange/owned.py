"""Import of the records of the other tables ``export all`` writes (deals, occasions, consents,
settings...: ``store.tables.OWNED``), and of a contact's own cadence.

The store reads each record back from its columns' forms and the database checks its own
constraints; where a command checks more (``config`` a setting, ``segment save`` a name), the
same check runs here (``CHECKS``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from minicrm.errors import InvalidValue
from minicrm.interchange.records import as_text
from minicrm.store import Store
from minicrm.store.tables import BY_TYPE, Table


TYPES_HINT = "Use contact, product, interaction, reminder or " + ", ".join(BY_TYPE)


def table_of(kind: Any) -> Table | None:
    """The owned table whose records have the type ``kind`` (None for any other type)."""
    return BY_TYPE.get(kind) if isinstance(kind, str) else None


def kind_of(kind: Any) -> str:
    """The kind a refused record is counted under."""
    return kind if isinstance(kind, str) and (kind in ("interaction", "reminder", "product") or kind in BY_TYPE) \
        else "contact"  # fmt: skip


def feed(importer: Any, line: int, raw: dict, table: Table) -> None:
    """Import one record of ``table`` within ``importer``'s transaction, after what it may refer to.

    Into an empty database (a restore) the file's settings, weights, segments and tag cadences
    replace the defaults; into one in use, only with --on-duplicate update (``replace_kept``)."""
    if importer._erased_owner(line, raw, table.type):  # noqa: SLF001
        return
    importer._flush_interactions()  # noqa: SLF001
    importer._flush_reminders()  # noqa: SLF001
    store = importer.store
    contact_id = lambda uid: importer.by_uid.get(uid) or store.contacts.id_by_uid(uid)  # noqa: E731
    action = write(store, table, raw, contact_id, replace=importer.replace_kept)
    importer._note(line, action, table.type, raw.get("uid"), label(raw))  # noqa: SLF001


def write(store: Store, table: Any, raw: dict, contact_id: Callable[[str], int | None], *, replace: bool) -> str:
    """Write one record of ``table`` (create, update or skip, as ``store.tables.write`` says)."""
    values = store.tables.stored(table, raw, contact_id)
    check = CHECKS.get(table.type)
    if check:
        values = check(values)
    if table.type == "erasure" and not store.tables.adopt_salt(as_text(raw.get("salt"), "salt") or ""):
        raise InvalidValue("this erasure was made in another database, whose hashes cannot match here",
                           "Run minicrm forget again for that person in this database")  # fmt: skip
    return store.tables.write(table, values, replace=replace)


def label(raw: dict) -> str:
    """What names a record in --dry-run's listing."""
    return str(raw.get("uid") or raw.get("name") or raw.get("key") or raw.get("tag") or raw.get("item") or "")


def cadence(value: Any) -> int | None:
    """A contact's own keep-in-touch cadence, in days, as export writes it."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise InvalidValue(f"the cadence_days {value!r} is not a number of days", "Use a whole number such as 30")
    return value


def _setting(values: dict) -> dict:
    from minicrm.services import settings

    entry = settings.known(values["key"])
    return dict(values, key=entry.name, value=entry.check(values["value"] or ""))


def _segment(values: dict) -> dict:
    from minicrm.services import segments

    return dict(values, name=segments.segment_name(values["name"]))


# The rules of the commands that write these tables by hand (config, segment save), for rows an
# import brings; the other tables' rules are their columns' forms and the database's own checks.
CHECKS = {"setting": _setting, "segment": _segment}
