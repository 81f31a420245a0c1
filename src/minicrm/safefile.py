"""Writing files safely: never over the open database, never a half file at the target.

Every file minicrm writes besides the database itself (an export ``-o``, a reject file, a
backup, the copy a restore keeps aside) goes through here:

- ``refuse_database(target, database)`` refuses a target that is the database or one of its
  companions (``-wal``, ``-shm``, ``-journal``), however it is spelled (a relative path, a
  symlink, a hard link);
- ``atomic_output(target, database)`` yields a file to write; it is written to a temporary
  file in the target's own folder, flushed to disk, and only then renamed over the target,
  so a killed or failing write leaves the target as it was (or absent), never half written.
  The file is created readable by its owner alone (0600), whatever the umask.

A target that exists and is not a regular file (``/dev/stdout``, a FIFO) is written directly:
it cannot be half written, and it must not be replaced.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from minicrm.errors import InvalidValue

COMPANIONS = ("", "-wal", "-shm", "-journal")


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        return None
    return info.st_dev, info.st_ino


def is_database_file(target: Path | str, database: Path | str | None) -> str | None:
    """Which file of ``database`` (``"the database"``, ``"its -wal file"``...) ``target`` is, or None."""
    if database is None:
        return None
    target = Path(target).expanduser()
    try:
        resolved = target.resolve()
    except (OSError, RuntimeError):
        resolved = target.absolute()
    found = _identity(target)
    base = Path(database).expanduser()
    for suffix in COMPANIONS:
        companion = Path(str(base) + suffix)
        try:
            same = resolved == companion.resolve()
        except (OSError, RuntimeError):
            same = False
        if not same and found is not None:
            same = found == _identity(companion)
        if same:
            return "the database" if not suffix else f"the database's {suffix} file"
    return None


def refuse_database(target: Path | str, database: Path | str | None, what: str = "output") -> None:
    """Raise when ``target`` is the database ``database`` or one of its companion files."""
    which = is_database_file(target, database)
    if which:
        raise InvalidValue(f"the {what} {target} is {which}: writing there would destroy it",
                           "Choose another file")  # fmt: skip


def fsync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable (where the system allows it)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def temporary_beside(target: Path) -> Path:
    """A new, empty, owner-only file in ``target``'s folder, hidden, to be renamed onto it."""
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    os.fchmod(fd, 0o600)
    os.close(fd)
    return Path(name)


def publish(temporary: Path, target: Path, *, replace: bool = True) -> None:
    """Move a fully written ``temporary`` onto ``target`` in one step (after syncing it to disk).

    With ``replace=False`` an existing target is never touched (``FileExistsError``).
    """
    fd = os.open(temporary, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    if replace:
        os.replace(temporary, target)
    else:
        try:
            os.link(temporary, target)  # fails if the target exists, atomically
        except FileExistsError:
            raise
        except OSError:  # a file system without hard links: check, then rename
            if target.exists():
                raise FileExistsError(target) from None
            os.replace(temporary, target)
        else:
            temporary.unlink()
    fsync_folder(target.parent)


@contextmanager
def atomic_output(target: Path | str, database: Path | str | None = None, *, binary: bool = False,
                  encoding: str = "utf-8", errors: str = "strict", what: str = "output") -> Iterator[IO[Any]]:  # fmt: skip
    """A file to write that appears at ``target`` only once complete (see the module docstring)."""
    target = Path(target).expanduser()
    refuse_database(target, database, what)
    try:
        mode = os.stat(target).st_mode
    except FileNotFoundError:
        mode = None
    if mode is not None and not stat.S_ISREG(mode):  # a device or a FIFO: write through
        with open(target, "wb" if binary else "w", **({} if binary else {"encoding": encoding, "errors": errors,
                                                                       "newline": ""})) as out:  # fmt: skip
            yield out
        return
    temporary = temporary_beside(target)
    try:
        if binary:
            with open(temporary, "wb") as out:
                yield out
        else:
            with open(temporary, "w", encoding=encoding, errors=errors, newline="") as out:
                yield out
        publish(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
