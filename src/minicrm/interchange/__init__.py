"""Interchange: moving contacts, interactions and reminders in and out of minicrm.

- ``records``: file formats, raw records, rejects and the import report, shared by the rest;
- ``readers``: CSV (vendor headers mapped), JSON, NDJSON, and the dispatch over formats and files;
- ``vcard``: vCard read; ``vcard_write``: vCard out; ``ical``: open reminders as an iCalendar;
- ``plan``: an import's arguments checked before any file is opened, then the files read in turn;
- ``importer``: checks each record with the commands' own rules and writes in bulk, in one transaction;
  ``kept``: doubtful values kept as typed, with their warnings;
- ``owned``: the import of the other tables ``export all`` writes (deals, settings...);
- ``rejects``: the reject files; ``export``: records streamed in the shape import reads back.
- ``mail``, ``meetings``: messages (mbox, Maildir, .eml) and calendar events read for ``mail import``
  and ``calendar import``; ``touches``: each logged once per known contact, every item counted.

The CLI opens files, standard input and output, and hands streams over; nothing
here prints, reads the clock or the environment. vobject, nameparser and icalendar are
imported inside the functions that use them; ``mail``, ``meetings`` and ``touches`` only by their commands.
"""

from minicrm.interchange.export import (EXPORT_KINDS, RECORD_TYPES, export_dict, export_records, export_rows,
                                        open_reminders, plan_export, write_export)
from minicrm.interchange.importer import ON_DUPLICATE, Importer, import_records
from minicrm.interchange.plan import ImportPlan, import_files, plan_import
from minicrm.interchange.readers import map_header, parse_map, read, read_files
from minicrm.interchange.records import (EXPORT_FORMATS, IMPORT_FORMATS, ImportRejected, ImportReport, Reject, RowError,
                                         guard_formula, unguard_formula)
from minicrm.interchange.rejects import reject_path, remarks, remarks_path, write_reject_files, write_rejects, write_remarks

__all__ = [
    "EXPORT_FORMATS", "EXPORT_KINDS", "IMPORT_FORMATS", "ON_DUPLICATE", "RECORD_TYPES", "ImportPlan",
    "ImportRejected", "ImportReport", "Importer", "Reject", "RowError", "export_dict", "export_records",
    "export_rows", "guard_formula", "import_files", "import_records", "map_header", "open_reminders", "parse_map", "plan_export",
    "plan_import", "read", "read_files", "reject_path", "remarks", "remarks_path", "unguard_formula", "write_export", "write_reject_files", "write_rejects",
    "write_remarks",
]  # fmt: skip
