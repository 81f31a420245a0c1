"""An import, asked for: the arguments checked before any file is opened, then the files read in turn.

``plan_import`` refuses a bad format, mapping, encoding or reject path before
anything is read; ``import_files`` reads the opened streams through ``readers`` and
hands the records to the importer. Nothing here prints.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from minicrm.errors import UsageError
from minicrm.interchange.importer import ON_DUPLICATE, import_records
from minicrm.interchange.readers import parse_map, read_files, text_codec
from minicrm.interchange.records import IMPORT_FORMATS, ImportReport, format_of
from minicrm.interchange.rejects import check_reject_targets
from minicrm.store import Store


@dataclass(frozen=True)
class ImportPlan:
    """What an import is asked to do, checked before any file is opened."""

    files: tuple[str, ...]  # paths, or - for standard input
    formats: tuple[str, ...]  # each file's format
    overrides: dict[str, str]  # --map: CSV column -> field
    codec: str  # the text encoding the files are read in
    on_duplicate: str = "skip"
    rejects: Path | None = None  # the one reject file asked for, else FILE.rejects.* beside each file


def plan_import(files: Sequence[str], *, fmt: str | None = None, mapping: Iterable[str] = (), on_duplicate: str = "skip",
         encoding: str = "utf-8", rejects: Path | None = None) -> ImportPlan:  # fmt: skip
    """Check the files' formats (``fmt``, else each one's extension), the ``--map`` pairs,
    the duplicate action and the encoding; - (standard input) may be given once."""
    files = tuple(files)
    if files.count("-") > 1:
        raise UsageError("standard input (-) can be read once", "Give - once")
    formats = tuple(format_of(file, fmt, IMPORT_FORMATS, "--from") for file in files)
    if on_duplicate not in ON_DUPLICATE:
        raise UsageError(f"--on-duplicate {on_duplicate!r} is not an action",
                         f"Use one of: {', '.join(ON_DUPLICATE)}")  # fmt: skip
    codec = text_codec(encoding)
    overrides = parse_map(mapping)
    if overrides and set(formats) != {"csv"}:
        raise UsageError("--map applies to CSV files only", "Drop --map")
    if rejects and len(files) > 1:
        raise UsageError("--rejects names one reject file, and there are several input files",
                         "Drop --rejects: each file gets FILE.rejects.* next to it")  # fmt: skip
    return ImportPlan(files, formats, overrides, codec, on_duplicate, rejects)


def import_files(store: Store, now: datetime, plan: ImportPlan, streams: Sequence[IO[bytes]], *,
                 region: str | None = None, dry_run: bool = False, skip_invalid: bool = False,
                 include_erased: bool = False, strict: bool = False, decimal: str = ".",
                 date_order: str | None = None,
                 progress: Callable[[Iterator[Any]], Iterator[Any]] | None = None) -> ImportReport:  # fmt: skip
    """Import the files of ``plan`` from their opened binary ``streams``, in one transaction.

    ``progress`` wraps the stream of records (to show a progress bar). A dry run
    reports rejects instead of failing on them. With ``strict``, raises
    ``ImportRejected`` (with the report) when a record is invalid and ``skip_invalid``
    is not given. ``date_order`` reads slashed dates (birthdays: ``03/04/1984``).
    """
    check_reject_targets(plan.files, plan.formats, plan.rejects, store.path)
    report = ImportReport(unit="record" if plan.formats == ("json",) else "line")
    records = read_files(plan.files, plan.formats, streams, report, plan.overrides, plan.codec)
    if progress is not None:
        records = progress(records)
    return import_records(store, now, records, on_duplicate=plan.on_duplicate, region=region, dry_run=dry_run,
                          skip_invalid=skip_invalid or dry_run or not strict, report=report,
                          include_erased=include_erased, strict=strict, decimal=decimal,
                          date_order=date_order)  # fmt: skip
