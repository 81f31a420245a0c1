"""Reject files: the records an import refused, in their file's own format, to fix and import again.

A CSV file's rejects keep its header and cells, with a ``minicrm_error`` column
(which the CSV reader ignores); a vCard or NDJSON line is written as it was; a
JSON record gets a ``minicrm_error`` key. A reject file is created readable by
its owner alone, as it holds personal data.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from pathlib import Path
from typing import IO

from minicrm.interchange.records import ImportReport, Reject
from minicrm.safefile import atomic_output, refuse_database


def reject_path(source: str, fmt: str) -> Path:
    """Where the rejects of ``source`` (a path, or - for standard input) go by default."""
    ext = "csv" if fmt == "csv" else "vcf" if fmt == "vcf" else "ndjson"
    if source == "-":
        return Path(f"minicrm-rejects.{ext}")
    return Path(f"{source}.rejects.{ext}")


def write_rejects(target: Path | IO[str], fmt: str, rejected: Sequence[Reject], report: ImportReport,
                  header: Sequence[str] | None = None, encoding: str = "utf-8",
                  database: Path | None = None) -> None:  # fmt: skip
    """Write ``rejected`` (records of one file in ``fmt``) to a text stream, or to a file at a path
    (replaced in one step, never the ``database`` itself).

    ``header`` is the CSV file's header; ``encoding`` the file's (bytes that were not
    valid text in it are written back as they were).
    """
    if not isinstance(target, Path):
        _write(target, fmt, rejected, report, header)
        return
    with atomic_output(target, database, encoding=encoding, errors="surrogateescape", what="reject file") as out:
        _write(out, fmt, rejected, report, header)


def _write(out: IO[str], fmt: str, rejected: Sequence[Reject], report: ImportReport,
           header: Sequence[str] | None) -> None:  # fmt: skip
    if fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([*(header or []), "minicrm_error"])
        for reject in rejected:
            cells = list(reject.raw or [])
            cells += [""] * (len(header or []) - len(cells))
            writer.writerow([*cells, f"line {reject.line}: {reject.reason}"])
        return
    for reject in rejected:
        if isinstance(reject.raw, dict):
            out.write(json.dumps({**reject.raw, "minicrm_error": f"{report.where(reject)}: {reject.reason}"}) + "\n")
        elif isinstance(reject.raw, str):  # an NDJSON line or a vCard, as it was
            out.write(reject.raw if reject.raw.endswith("\n") else reject.raw + "\n")
        else:
            out.write(json.dumps(reject.raw) + "\n")


def remarks(report: ImportReport, files: Sequence[str]) -> list[str]:
    """Every warning and refused record of an import as a line, in the order of the files and their lines."""
    order = {file: i for i, file in enumerate(files)}
    told = sorted([(order.get(r.file, 0), r.line, 1, f"{report.where(r)}: {r.reason}") for r in report.rejects]
                  + [(order.get(w.file, 0), w.line, 0, f"Warning: {report.where(w)}: {w.text}")
                     for w in report.warnings])  # fmt: skip
    return [text for *_, text in told]


def remarks_path(source: str) -> Path:
    """Where the whole list of an import's warnings goes when there are too many to print."""
    return Path("minicrm-warnings.txt") if source == "-" else Path(f"{source}.warnings.txt")


def write_remarks(target: Path, lines: Sequence[str], database: Path | None = None) -> None:
    """The lines to ``target``, replaced in one step, readable by its owner alone (they quote personal data)."""
    with atomic_output(target, database, encoding="utf-8", errors="surrogateescape", what="warnings file") as out:
        out.writelines(line + "\n" for line in lines)


def reject_targets(files: Sequence[str], formats: Sequence[str], path: Path | None = None) -> list[Path]:
    """Where the rejects of each file would go: ``path`` when given, else beside each file."""
    return [path or reject_path(file, fmt) for file, fmt in zip(files, formats)]


def check_reject_targets(files: Sequence[str], formats: Sequence[str], path: Path | None,
                         database: Path | None) -> None:  # fmt: skip
    """Refuse, before anything is imported, a reject file that would overwrite the database."""
    for target in reject_targets(files, formats, path):
        refuse_database(target, database, "reject file")


def write_reject_files(files: Sequence[str], formats: Sequence[str], report: ImportReport, codec: str,
                       path: Path | None = None, database: Path | None = None) -> list[tuple[str, Path, int]]:  # fmt: skip
    """Each file's rejects to ``path`` (only when one file was read), else beside it
    (``reject_path``); returns ``(file, reject file, how many)`` for each one written.
    None of them may be the ``database``."""
    several = len(files) > 1
    written = []
    for file, fmt in zip(files, formats):
        key = file if several else None
        mine = [r for r in report.rejects if r.file == key]
        if mine:
            target = path or reject_path(file, fmt)
            write_rejects(target, fmt, mine, report, report.headers.get(key),
                          "utf-8" if codec == "utf-8-sig" else codec, database)  # fmt: skip
            written.append((file, target, len(mine)))
    return written
