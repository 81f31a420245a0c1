"""Interchange commands: export and import.

They parse the arguments, open the files (or standard input and output), show
progress and report; reading, checking, writing and the record shapes are
``minicrm.interchange``'s.
"""

import os
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import IO, Annotated, Any

import typer

from minicrm.cli import common
from minicrm.cli.common import FormatOption, JsonOption, Run, default_region, note
from minicrm.errors import UsageError

app = typer.Typer()  # the commands declared here; minicrm.cli.COMMANDS routes to them


@contextmanager
def _output(path: str | None, database: Path) -> Iterator[IO[str]]:
    """Standard output, or a file created owner-readable only, written aside and moved into place
    once complete (never the database itself)."""
    if not path or path == "-":
        yield sys.stdout
        return
    from minicrm.safefile import atomic_output

    with atomic_output(path, database) as out:
        yield out


@app.command("export")
def export(
    ctx: typer.Context,
    what: Annotated[str | None, typer.Argument(metavar="[contacts|interactions|reminders|all]",
        help="What to export [default: all for json/ndjson, contacts for csv/vcf, reminders for ics;"
             " all for ics adds occasions and open deals' close dates]")] = None,
    to: Annotated[str | None, typer.Option("--to", "-t", metavar="FORMAT",
        help="csv, json, ndjson, vcf or ics [default: from -o's extension, else json]")] = None,
    output: Annotated[str | None, typer.Option("--output", "-o", metavar="FILE",
        help="Write to FILE (created readable by you alone) instead of standard output")] = None,
    segment: Annotated[str | None, typer.Option("--segment", metavar="NAME",
        help="Only the contacts of this saved segment, with their interactions and reminders")] = None,
    raw: Annotated[bool, typer.Option("--raw",
        help="CSV: write cells as stored, without the ' that stops a spreadsheet running =, +, -, @ as formulas")] = False,
) -> None:  # fmt: skip
    """Export records for backup or another tool.

    JSON and NDJSON hold everything (contacts with their stage history,
    interactions, reminders with their completions, deals, occasions,
    consents, cadences, segments, score weights, settings, snoozed and cleared
    items of due) in the shape minicrm import reads back; vcf writes contacts
    as vCards; ics writes open reminders as calendar events (all: with
    occasions and open deals' close dates).

    \b
    Example:
      minicrm export all --to ndjson -o backup.ndjson
      minicrm export contacts --to csv > contacts.csv
      minicrm export reminders -o ~/public/minicrm.ics
    """
    from minicrm import interchange

    fmt, kind = interchange.plan_export(what, to, output)
    run = Run(ctx)
    only = None
    if segment:
        from minicrm.services import contacts, segments

        only = contacts.query_for(run.store, run.now, **segments.saved_filters(run.store, segment))
    with _output(output, run.store.path) as out:
        if fmt == "csv":  # the columns of list --format csv
            from minicrm import render

            rows = interchange.export_rows(run.store, kind, run.now.date(), only, run.currency)
            guard = None if raw else interchange.guard_formula
            render.write_records(rows, interchange.RECORD_TYPES[kind], "csv", out, cell=guard)
        else:
            interchange.write_export(out, run.store, fmt, kind, run.now, only, run.currency)


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
    strict: Annotated[bool, typer.Option("--strict",
        help="Refuse every record with a doubtful value, and import nothing if any is refused")] = False,
    skip_invalid: Annotated[bool, typer.Option("--skip-invalid",
        help="With --strict: import the valid records and write the invalid ones to a reject file")] = False,
    rejects: Annotated[str | None, typer.Option("--rejects", metavar="FILE",
        help="Where --skip-invalid writes the invalid records [default: FILE.rejects.csv or .ndjson]")] = None,
    encoding: Annotated[str, typer.Option("--encoding", help="The file's text encoding, e.g. cp1252")] = "utf-8",
    region: Annotated[str | None, typer.Option("--region", metavar="CC",
        help="Country for phone numbers without +code, e.g. GB [default: minicrm config region]")] = None,
    warnings: Annotated[str | None, typer.Option("--warnings", metavar="FILE",
        help="Where all the warnings go when there are more than 20 to print [default: FILE.warnings.txt]")] = None,
    date_order: Annotated[str | None, typer.Option("--date-order", metavar="ORDER",
        help="How the file writes slashed dates (03/04/1984): DMY, MDY or YMD [default: minicrm config date_order]")] = None,
    include_erased: Annotated[bool, typer.Option("--include-erased",
        help="Also import people erased at their request (only if they asked to come back)")] = False,
    fmt: FormatOption = None, as_json: JsonOption = False,
) -> None:  # fmt: skip
    """Import contacts, interactions and reminders.

    CSV (comma, semicolon or tab; Google Contacts, Outlook, HubSpot and other
    headers, in English, German, French, Spanish and Dutch), vCard 2.1/3.0/4.0,
    and JSON or NDJSON as minicrm export writes them (all of it, into an empty
    database: the same database again). One transaction. Nobody is
    dropped for a doubtful value: it is kept as typed (in a custom field named
    after its column) with a warning naming its line. Only a record with no
    name, organisation, email or phone is refused, to a reject file. --strict
    refuses doubtful values and imports nothing unless --skip-invalid is given.

    \b
    Example:
      minicrm import contacts.csv --dry-run
      minicrm import google.csv phone.vcf --on-duplicate update
      minicrm import crm.csv --strict --skip-invalid
      minicrm export all --to ndjson | minicrm --db new.db import - --from ndjson
    """
    from minicrm import interchange
    from minicrm.services import settings

    plan = interchange.plan_import(files, fmt=from_, mapping=map_ or (), on_duplicate=on_duplicate,
                                   encoding=encoding, rejects=Path(rejects).expanduser() if rejects else None)  # fmt: skip
    order = settings.KEYS["date_order"].check(date_order) if date_order else None
    run = Run(ctx, fmt, as_json)
    store = run.store  # open (and migrate) the database before reading any file
    order = order or common.setting(run, "date_order")
    with _inputs(plan.files) as streams:
        try:
            report = interchange.import_files(
                store, run.now, plan, streams, region=region or default_region(run), dry_run=dry_run,
                skip_invalid=skip_invalid, include_erased=include_erased, strict=strict, date_order=order,
                decimal=common.setting(run, "decimal") or ".", progress=_progress(plan.files, streams),
            )
        except interchange.ImportRejected as error:
            _tell_rejects(error.report, plan.files, store.path, warnings)
            raise
    _tell_rejects(report, plan.files, store.path, warnings)
    if dry_run:
        from minicrm.models import ImportAction

        run.many(report.actions, ImportAction, title="Dry run: nothing was changed")
        note(f"Dry run, nothing changed. Would import: {report.summary()}.")
        if report.rejects and strict and not skip_invalid:
            raise typer.Exit(1)
        return
    for file, path, count in interchange.write_reject_files(plan.files, plan.formats, report, plan.codec,
                                                                   plan.rejects, store.path):
        note(f"Wrote the {count} invalid records of {file} to {path}.")
    note(f"Imported: {report.summary()}.")


@contextmanager
def _inputs(files: tuple[str, ...]) -> Iterator[list[IO[bytes]]]:
    """Each file opened for reading bytes (standard input for -), closed afterwards."""
    with ExitStack() as stack:
        streams: list[IO[bytes]] = []
        for file in files:
            if file == "-":
                streams.append(sys.stdin.buffer)
                continue
            try:
                streams.append(stack.enter_context(open(Path(file).expanduser(), "rb")))  # noqa: SIM115
            except OSError as error:
                raise UsageError(f"cannot read {file}: {error.strerror}", "Check the path") from None
        yield streams


def _progress(files: tuple[str, ...], streams: list[IO[bytes]]) -> Any:
    """A progress bar over the records of one large file read on a person's terminal, else None."""
    if len(files) > 1 or files[0] == "-" or not render_progress(streams[0]):
        return None
    from minicrm.render import tables

    size = os.fstat(streams[0].fileno()).st_size
    return lambda records: tables.track(records, size, streams[0].tell, f"Importing {Path(files[0]).name}")


PROGRESS_FROM_BYTES = 1_000_000


def render_progress(binary: Any) -> bool:
    """Whether an import shows a progress bar: a large file, and a person watching standard error."""
    from minicrm import render

    try:
        return render.is_terminal(sys.stderr) and os.fstat(binary.fileno()).st_size >= PROGRESS_FROM_BYTES
    except (OSError, ValueError):
        return False


TOLD_AT_MOST = 20  # warnings and refusals printed; the rest go to a file beside the source


def _tell_rejects(report: Any, files: tuple[str, ...], database: Path | None, where: str | None) -> None:
    """Each warning and each refused record, in the order of the files and their lines: the first
    ``TOLD_AT_MOST``, and when there are more, all of them in a file (``where``, else beside the
    first source). A file that cannot be written is said, never an error: the import is done."""
    from minicrm import interchange
    from minicrm.errors import MiniCrmError

    told = interchange.remarks(report, files)
    for text in told[:TOLD_AT_MOST]:
        note(text)
    if len(told) <= TOLD_AT_MOST:
        return
    target = Path(where).expanduser() if where else interchange.remarks_path(files[0])
    try:
        interchange.write_remarks(target, told, database)
    except (OSError, MiniCrmError) as error:
        reason = error.strerror if isinstance(error, OSError) else error.args[0]
        note(f"… and {len(told) - TOLD_AT_MOST} more, which could not be written to {target} ({reason}); "
             "import again with --dry-run --warnings FILE to see them all.")  # fmt: skip
        return
    note(f"… and {len(told) - TOLD_AT_MOST} more: all {len(told)} are in {target}.")
