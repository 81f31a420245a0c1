"""PostgreSQL: opening a ``postgresql://`` URL, and what the server's errors mean to a person.

Imported only when ``--db``/``MINICRM_DB`` is a ``postgresql://`` or ``postgres://`` URL, so the
SQLite path never loads psycopg (it is an optional extra: ``pip install 'minicrm[postgres]'``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from minicrm.errors import StoreError

INSTALL = "pip install 'minicrm[postgres]'"
CONNECT_TIMEOUT_S = 10


def shown(url: str) -> str:
    """``url`` with any password replaced by ``***``, for messages and output."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


def driver() -> Any:
    """The psycopg module, or a clear error saying how to install it."""
    try:
        import psycopg
    except ImportError:
        raise StoreError("a postgresql:// database needs the psycopg driver, which is not installed",
                         f"Install it with: {INSTALL}") from None  # fmt: skip
    return psycopg


def describe(error: BaseException, url: str) -> StoreError:
    """A psycopg error as one sentence a person can act on."""
    psycopg = driver()
    where = shown(url)
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    text = text.rsplit("FATAL:", 1)[-1].strip()  # libpq's "connection to server at ... failed: FATAL:  why"
    sqlstate = getattr(error, "sqlstate", None) or ""
    lowered = str(error).lower()
    if sqlstate == "28P01" or "password authentication failed" in lowered:
        return StoreError(f"the server refused the password for {where}",
                          "Check the user and password in the URL (or in ~/.pgpass)")  # fmt: skip
    if sqlstate == "28000" or "no pg_hba.conf entry" in lowered or "role" in lowered and "does not exist" in lowered:
        return StoreError(f"the server does not let this user in: {text}",
                          "Ask the database's owner for a role (docs/team.md)")  # fmt: skip
    if sqlstate == "3D000" or ("database" in lowered and "does not exist" in lowered):
        return StoreError(f"there is no database {urlsplit(url).path.lstrip('/') or '?'} on the server of {where}",
                          "Create it (createdb NAME) or correct the URL")  # fmt: skip
    if sqlstate == "42501" or "permission denied" in lowered:
        return StoreError(f"permission denied on {where}: {text}",
                          "Ask the database's owner to grant your role access (docs/team.md)")  # fmt: skip
    if sqlstate.startswith("57P") or "terminating connection" in lowered or "server closed the connection" in lowered \
            or "connection is lost" in lowered or "consuming input failed" in lowered:
        return StoreError(f"the connection to {where} was lost (the server restarted or stopped); "
                          "nothing of this command was saved", "Run the command again")  # fmt: skip
    if isinstance(error, psycopg.OperationalError) and (
            "connection refused" in lowered or "could not connect" in lowered or "no such file" in lowered
            or "timeout" in lowered or "could not translate host" in lowered or "connection failed" in lowered):
        return StoreError(f"cannot reach the PostgreSQL server of {where}",
                          "Check that the server is running and the host and port are right")  # fmt: skip
    if sqlstate == "40001" or sqlstate == "40P01":
        return StoreError(f"another minicrm was writing the same rows on {where}", "Run the command again")
    return StoreError(f"database error on {where}: {text}")


def connect(url: str) -> Any:
    """An autocommit psycopg connection to ``url`` (the session runs its own transactions)."""
    psycopg = driver()
    try:
        return psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S)
    except psycopg.Error as error:
        raise describe(error, url) from None


def open_server(url: str, now: datetime) -> Any:
    """Open the PostgreSQL database at ``url``."""
    conn = connect(url)
    conn.close()
    raise StoreError(f"this minicrm cannot yet keep its data on PostgreSQL ({shown(url)})",
                     "Use a SQLite file for now: --db PATH")  # fmt: skip
