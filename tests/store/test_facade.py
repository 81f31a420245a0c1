"""The facade: transactions with savepoints, lazily created repositories, the temporary old names."""

from __future__ import annotations

import subprocess
import sys
import typing

import pytest

from minicrm.store.api import ContactQuery


def names(store) -> list[str]:
    return [c.name for c in store.contacts.list(ContactQuery())]


def test_an_inner_write_that_fails_rolls_back_only_itself(store, add_contact):
    with store.write():
        add_contact("Outer before")
        with pytest.raises(RuntimeError):
            with store.write():
                add_contact("Inner")
                raise RuntimeError("inner failure")
        add_contact("Outer after")
    assert names(store) == ["Outer after", "Outer before"]


def test_an_outer_failure_rolls_back_everything(store, add_contact):
    add_contact("Kept")
    with pytest.raises(RuntimeError):
        with store.write():
            add_contact("Outer")
            with store.write():
                add_contact("Inner")
            raise RuntimeError("outer failure")
    assert names(store) == ["Kept"]
    assert not store.conn.in_transaction


def test_savepoints_nest_deeper(store, add_contact):
    with store.write():
        with store.write():
            add_contact("Two")
            with pytest.raises(ValueError):
                with store.write():
                    add_contact("Three")
                    raise ValueError
        add_contact("One")
    assert names(store) == ["One", "Two"]


def test_one_audited_change_per_outer_transaction(store, add_contact):
    with store.write():
        add_contact("A")
        add_contact("B")
    changes = store.audit.recent(10)
    assert len(changes) == 1 and changes[0].rows > 2


def test_repositories_are_created_lazily(tmp_path):
    code = (
        "import sys\n"
        "from datetime import datetime\n"
        "import minicrm.store as s\n"
        "store = s.open_store(sys.argv[1], datetime(2026, 11, 18, 9, 30).astimezone())\n"
        "repos = ('contacts', 'search', 'activity', 'reminders', 'deals', 'occasions', 'cadence', 'segments',"
        " 'customers', 'scoring', 'privacy', 'audit', 'files')\n"
        "before = [r for r in repos if 'minicrm.store.' + r in sys.modules]\n"
        "store.deals\n"
        "after = [r for r in repos if 'minicrm.store.' + r in sys.modules]\n"
        "print(before, after, store.deals is store.deals)\n"
    )
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "x.db")], check=True, capture_output=True,
                         text=True).stdout  # fmt: skip
    assert out.strip() == "[] ['deals'] True"


def test_the_store_has_no_old_method_names(store):
    """Every call goes through a repository: the single Store class's names are gone."""
    with pytest.raises(AttributeError):
        store.get_contact  # noqa: B018
    with pytest.raises(AttributeError):
        store.no_such_method  # noqa: B018


def test_repositories_fill_their_protocols(store):
    """Each repository has every method of its Protocol in store.api (the Protocols exist only for
    the type checker, so they are read from the source here)."""
    import ast
    from pathlib import Path

    from minicrm.store import api

    tree = ast.parse(Path(api.__file__).read_text())
    protocols = {node.name: [f.name for f in node.body if isinstance(f, ast.FunctionDef)]
                 for node in ast.walk(tree) if isinstance(node, ast.ClassDef) and node.name.endswith("Repository")}  # fmt: skip
    from functools import cached_property

    # every lazy repository of the facade, and its Protocol named after it (contacts: ContactsRepository)
    attributes = {name: name.capitalize() for name, value in vars(type(store)).items()
                  if isinstance(value, cached_property)}
    assert len(attributes) > 10
    assert set(protocols) == {name + "Repository" for name in attributes.values()}
    for attribute, name in attributes.items():
        repository = getattr(store, attribute)
        missing = [m for m in protocols[name + "Repository"] if not callable(getattr(repository, m, None))]
        assert protocols[name + "Repository"] and not missing, (attribute, missing)
    assert all(typing.get_type_hints(r) for r in (api.CustomerRow, api.Touch, api.Reorder, api.AuditRow))


def test_contact_sorts_are_names(store):
    from minicrm.store import api
    from minicrm.store.contacts import SORTS

    assert tuple(SORTS) == api.CONTACT_SORTS


def test_the_triggers_a_bulk_insert_stands_in_for_exist(store):
    """A bulk insert of interactions drops these triggers and does their work once: a name that
    matches no trigger would leave that trigger firing row by row beside the batch's own work."""
    from minicrm.store.activity import DERIVED_TRIGGERS

    names = {row[0] for row in store.conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    assert set(DERIVED_TRIGGERS) <= names
