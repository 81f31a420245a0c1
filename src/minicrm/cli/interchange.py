"""Interchange and data quality commands: export, import, search, dupes and merge."""

from __future__ import annotations

import io
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Annotated, Any

import typer

from minicrm.cli.common import FormatOption, JsonOption, Run, default_region, note
from minicrm.errors import UsageError

app = typer.Typer()  # the commands declared here; minicrm.cli.COMMANDS routes to them

_EXTENSIONS = {".csv": "csv", ".json": "json", ".ndjson": "ndjson", ".jsonl": "ndjson", ".vcf": "vcf",
               ".vcard": "vcf", ".ics": "ics"}  # fmt: skip
_DEFAULT_KIND = {"csv": "contacts", "vcf": "contacts", "ics": "reminders", "json": "all", "ndjson": "all"}


def _format_of(path: str | None, given: str | None, choices: tuple[str, ...], option: str) -> str:
    if given:
        fmt = given.strip().lower()
        if fmt not in choices:
            raise UsageError(f"{given!r} is not a format {option} knows", f"Use one of: {', '.join(choices)}")
        return fmt
    if path and path != "-":
        fmt = _EXTENSIONS.get(Path(path).suffix.lower())
        if fmt in choices:
            return fmt
    raise UsageError(f"cannot tell the format of {path or 'standard output'}",
                     f"Give {option} {'|'.join(choices)}")  # fmt: skip


@contextmanager
def _output(path: str | None) -> Iterator[IO[str]]:
    """Standard output, or a file created owner-readable only (written aside, then moved into place)."""
    if not path or path == "-":
        yield sys.stdout
        return
    target = Path(path).expanduser()
    partial = target.with_name(f".{target.name}.partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    try:
        with open(fd, "w", encoding="utf-8", newline="") as out:
            yield out
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def _export_dict(kind: str, record: Any, extra: dict) -> dict:
    from minicrm import render

    body: dict[str, Any] = {"type": kind}
    for key, value in render.record_dict(record).items():
        body[key] = value
        if key == "contact_id":
            body["contact_uid"] = extra["contact_uid"]
    if kind == "contact":
        body["stage_history"] = [{"from_stage": s.from_stage, "to_stage": s.to_stage, "at": render.plain(s.at),
                                  "source": s.source} for s in extra["stage_history"]]  # fmt: skip
    elif kind == "reminder":
        body["anchor_on"] = render.plain(extra["anchor_on"])
        body["scheduled_on"] = render.plain(extra["scheduled_on"])
    return body


def _dumps(value: dict) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


@app.command("export")
def export(
    ctx: typer.Context,
    what: Annotated[str | None, typer.Argument(metavar="[contacts|interactions|reminders|all]",
        help="What to export [default: all for json/ndjson, contacts for csv/vcf, reminders for ics]")] = None,
    to: Annotated[str | None, typer.Option("--to", "-t", metavar="FORMAT",
        help="csv, json, ndjson, vcf or ics [default: from -o's extension, else json]")] = None,
    output: Annotated[str | None, typer.Option("--output", "-o", metavar="FILE",
        help="Write to FILE (created readable by you alone) instead of standard output")] = None,
    segment: Annotated[str | None, typer.Option("--segment", metavar="NAME",
        help="Only the contacts of this saved segment, with their interactions and reminders")] = None,
) -> None:  # fmt: skip
    """Export records for backup or another tool.

    JSON and NDJSON hold everything (contacts with their stage history,
    interactions, reminders) in the shape minicrm import reads back; vcf
    writes contacts as vCards; ics writes open reminders as calendar events.

    \b
    Example:
      minicrm export all --to ndjson -o backup.ndjson
      minicrm export contacts --to csv > contacts.csv
      minicrm export reminders -o ~/public/minicrm.ics
    """
    from minicrm import interchange, render

    from minicrm.interchange import EXPORT_FORMATS

    fmt = _format_of(output, to, EXPORT_FORMATS, "--to") if (to or output not in (None, "-")) else "json"
    kind = (what or _DEFAULT_KIND[fmt]).strip().lower()
    if kind not in interchange.EXPORT_KINDS:
        raise UsageError(f"cannot export {what!r}", f"Use one of: {', '.join(interchange.EXPORT_KINDS)}")
    if fmt == "csv" and kind == "all":
        raise UsageError("a CSV file holds one kind of record",
                         "Export contacts, interactions or reminders one at a time, or use --to ndjson")  # fmt: skip
    if fmt == "vcf" and kind != "contacts":
        raise UsageError("vCard holds contacts only", "Use: minicrm export contacts --to vcf")
    if fmt == "ics" and kind != "reminders":
        raise UsageError("iCalendar holds reminders only", "Use: minicrm export reminders --to ics")
    run = Run(ctx)
    only = None
    if segment:
        from minicrm.services import contacts, segments

        only = contacts.query(run.now, **segments.saved_filters(run.store, segment))
    records = interchange.export_records(run.store, kind, run.now.date(), only)
    with _output(output) as out:
        if fmt == "ics":
            from minicrm import cards

            out.write(cards.ics_text(interchange.open_reminders(run.store, only), run.now))
        elif fmt == "vcf":
            from minicrm import cards

            for _, contact, _ in records:
                out.write(cards.vcard_text(contact))
        elif fmt == "csv":
            render.write_records((record for _, record, _ in records), interchange.RECORD_TYPES[kind], "csv", out)
        elif fmt == "ndjson":
            for item in records:
                out.write(_dumps(_export_dict(*item)) + "\n")
        else:
            first = True
            out.write("[")
            for item in records:
                out.write(("\n" if first else ",\n") + _dumps(_export_dict(*item)))
                first = False
            out.write("]\n" if first else "\n]\n")


def _reject_path(source: str, fmt: str) -> Path:
    ext = "csv" if fmt == "csv" else "vcf" if fmt == "vcf" else "ndjson"
    if source == "-":
        return Path(f"minicrm-rejects.{ext}")
    return Path(f"{source}.rejects.{ext}")


def _write_rejects(path: Path, fmt: str, rejected: list, header: list[str] | None, encoding: str,
                   report: Any) -> None:  # fmt: skip
    import csv

    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with open(fd, "w", encoding=encoding, errors="surrogateescape", newline="") as out:
        if fmt == "csv":
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow([*(header or []), "minicrm_error"])
            for reject in rejected:
                cells = list(reject.raw or [])
                cells += [""] * (len(header or []) - len(cells))
                writer.writerow([*cells, f"line {reject.line}: {reject.reason}"])
        else:
            for reject in rejected:
                if isinstance(reject.raw, dict):
                    out.write(json.dumps({**reject.raw, "minicrm_error": f"{report.where(reject)}: "
                                          f"{reject.reason}"}) + "\n")  # fmt: skip
                elif isinstance(reject.raw, str):  # an NDJSON line or a vCard, as it was
                    out.write(reject.raw if reject.raw.endswith("\n") else reject.raw + "\n")
                else:
                    out.write(json.dumps(reject.raw) + "\n")


@app.command("import")
def import_(
    ctx: typer.Context,
    files: Annotated[list[str], typer.Argument(metavar="FILE...",
        help="The files to read, in one transaction; - reads standard input")],
    from_: Annotated[str | None, typer.Option("--from", metavar="FORMAT",
        help="csv, json, ndjson or vcf [default: from the file's extension]")] = None,
    map_: Annotated[list[str] | None, typer.Option("--map", metavar="COLUMN=FIELD",
        help="Read a CSV column as this field (name, email, phone, org, tags, note, birthday, "
             "stage, ignore, or a custom field key); repeatable")] = None,
    on_duplicate: Annotated[str, typer.Option("--on-duplicate", metavar="ACTION",
        help="When a contact has the uid, an email or a phone of one already there: skip, update or create")] = "skip",
    dry_run: Annotated[bool, typer.Option("--dry-run", "-n",
        help="Show what would be created, updated, skipped and rejected; change nothing")] = False,
    skip_invalid: Annotated[bool, typer.Option("--skip-invalid",
        help="Import the valid records and write the invalid ones to a reject file")] = False,
    rejects: Annotated[str | None, typer.Option("--rejects", metavar="FILE",
        help="Where --skip-invalid writes the invalid records [default: FILE.rejects.csv or .ndjson]")] = None,
    encoding: Annotated[str, typer.Option("--encoding", help="The file's text encoding, e.g. cp1252")] = "utf-8",
    region: Annotated[str | None, typer.Option("--region", metavar="CC",
        help="Country for phone numbers without +code, e.g. GB [default: $MINICRM_REGION]")] = None,
    include_erased: Annotated[bool, typer.Option("--include-erased",
        help="Also import people erased at their request (only if they asked to come back)")] = False,
    fmt: FormatOption = None, as_json: JsonOption = False,
) -> None:  # fmt: skip
    """Import contacts, interactions and reminders.

    CSV (Google Contacts, Outlook, HubSpot and other headers are recognised),
    vCard 3.0/4.0, and JSON or NDJSON as minicrm export writes them. One transaction: every
    invalid record is reported with its line, and nothing is imported unless
    --skip-invalid is given.

    \b
    Example:
      minicrm import contacts.csv --dry-run
      minicrm import google.csv phone.vcf --on-duplicate update --skip-invalid
      minicrm export all --to ndjson | minicrm --db new.db import - --from ndjson
    """
    import codecs

    from minicrm import interchange

    files = list(files)
    if files.count("-") > 1:
        raise UsageError("standard input (-) can be read once", "Give - once")
    formats = [_format_of(file, from_, interchange.IMPORT_FORMATS, "--from") for file in files]
    if on_duplicate not in interchange.ON_DUPLICATE:
        raise UsageError(f"--on-duplicate {on_duplicate!r} is not an action",
                         f"Use one of: {', '.join(interchange.ON_DUPLICATE)}")  # fmt: skip
    try:
        codec = codecs.lookup(encoding).name
    except LookupError:
        raise UsageError(f"{encoding!r} is not a text encoding", "Use e.g. utf-8 or cp1252") from None
    codec = "utf-8-sig" if codec == "utf-8" else codec
    overrides = interchange.parse_map(map_ or ())
    if overrides and set(formats) != {"csv"}:
        raise UsageError("--map applies to CSV files only", "Drop --map")
    if rejects and len(files) > 1:
        raise UsageError("--rejects names one reject file, and there are several input files",
                         "Drop --rejects: each file gets FILE.rejects.* next to it")  # fmt: skip
    run = Run(ctx, fmt, as_json)
    store = run.store
    several = len(files) > 1
    report = interchange.ImportReport(unit="record" if formats == ["json"] else "line")
    opened: list[Any] = []
    try:
        for file in files:
            try:
                opened.append(sys.stdin.buffer if file == "-" else open(Path(file).expanduser(), "rb"))  # noqa: SIM115
            except OSError as error:
                raise UsageError(f"cannot read {file}: {error.strerror}", "Check the path") from None
        records = _chain(files, formats, opened, report, overrides, codec, several)
        if not several and files[0] != "-" and render_progress(opened[0]):
            from minicrm import render

            size = os.fstat(opened[0].fileno()).st_size
            records = render.track(records, size, opened[0].tell, f"Importing {Path(files[0]).name}")
        try:
            report = interchange.import_records(
                store, run.now, records, on_duplicate=on_duplicate, region=region or default_region(),
                dry_run=dry_run, skip_invalid=skip_invalid or dry_run, report=report,
                include_erased=include_erased,
            )
        except interchange.ImportRejected as error:
            _tell_rejects(error.report)
            raise
    finally:
        for binary, file in zip(opened, files):
            if file != "-":
                binary.close()
    _tell_rejects(report)
    if dry_run:
        from minicrm.models import ImportAction

        run.many(report.actions, ImportAction, title="Dry run: nothing was changed")
        note(f"Dry run, nothing changed. Would import: {report.summary()}.")
        if report.rejects and not skip_invalid:
            raise typer.Exit(1)
        return
    for file, source_fmt in zip(files, formats):
        mine = [r for r in report.rejects if r.file == (file if several else None)]
        if mine:
            path = Path(rejects).expanduser() if rejects else _reject_path(file, source_fmt)
            _write_rejects(path, source_fmt, mine, report.headers.get(file if several else None),
                           "utf-8" if codec == "utf-8-sig" else codec, report)  # fmt: skip
            note(f"Wrote the {len(mine)} invalid records of {file} to {path}.")
    note(f"Imported: {report.summary()}.")


def _chain(files: list[str], formats: list[str], opened: list[Any], report: Any, overrides: dict, codec: str,
           several: bool) -> Iterator[tuple[int, Any, Any]]:  # fmt: skip
    """The records of every file in turn, the report told which file is being read."""
    from minicrm import interchange

    for file, source_fmt, binary in zip(files, formats, opened):
        report.current_file = file if several else None
        stream = io.TextIOWrapper(binary, encoding=codec, errors="surrogateescape", newline="")
        if source_fmt == "csv":
            yield from interchange.read_csv(stream, overrides, report)
        elif source_fmt == "ndjson":
            yield from interchange.read_ndjson(stream)
        elif source_fmt == "json":
            yield from interchange.read_json(stream)
        else:
            from minicrm import cards

            yield from cards.read_vcf(stream)
        stream.detach()


PROGRESS_FROM_BYTES = 1_000_000


def render_progress(binary: Any) -> bool:
    """Whether an import shows a progress bar: a large file, and a person watching standard error."""
    from minicrm import render

    try:
        return render.is_terminal(sys.stderr) and os.fstat(binary.fileno()).st_size >= PROGRESS_FROM_BYTES
    except (OSError, ValueError):
        return False


def _tell_rejects(report: Any) -> None:
    for reject in report.rejects:
        note(f"{report.where(reject)}: {reject.reason}")
