"""Candidates for ``dupes``: the values several contacts share, and every contact's folded name.
Read only: the tables are the contacts repository's (``contacts``, ``contact_emails``,
``contact_phones``); merging moves records through that repository.
"""

from __future__ import annotations

from collections.abc import Iterator

from minicrm.models import fold
from minicrm.store.contacts import LIST_TABLES
from minicrm.store.session import Repository


class Duplicates(Repository):
    def shared_values(self) -> Iterator[tuple[str, str, list[int]]]:
        """("email"|"phone", value, contact ids) for every email or phone that several contacts have."""
        for key in ("emails", "phones"):
            table, column = LIST_TABLES[key]
            rows = self._conn.execute(
                f"SELECT {column}, group_concat(DISTINCT contact_id) FROM {table}"
                f" GROUP BY {column} HAVING count(DISTINCT contact_id) > 1 ORDER BY {column}"
            )
            for value, ids in rows:
                yield key[:-1], value, sorted(int(i) for i in ids.split(","))

    def folded_names(self) -> Iterator[tuple[int, str, str | None]]:
        """(id, name without case or accents, organisation) of every contact, streamed."""
        yield from ((row[0], row[1], row[2])
                    for row in self._conn.execute("SELECT id, name_fold, org FROM contacts ORDER BY id"))  # fmt: skip

    def sharing_an_org(self) -> Iterator[tuple[str, list[tuple[int, str]]]]:
        """(organisation, [(id, name)]) for every organisation that several contacts have (without
        case or accents: Müller GmbH is Muller GmbH; ``minicrm_fold`` is the connection's function)."""
        key = "coalesce(minicrm_fold(trim({org})), lower(trim({org})))"
        rows = self._conn.execute(
            f"""SELECT c.org, c.id, c.name FROM contacts c
               WHERE {key.format(org="c.org")} IN (SELECT {key.format(org="org")} FROM contacts
                                                  WHERE org IS NOT NULL GROUP BY 1 HAVING count(*) > 1)
               ORDER BY {key.format(org="c.org")}, c.id"""
        )
        current, group = None, []
        for org, contact_id, name in rows:
            key = fold(org.strip())
            if key != current and group:
                yield current, group
                group = []
            current = key
            group.append((contact_id, name))
        if group:
            yield current, group
