"""The ``minicrm`` console script: Ctrl-C is handled from the first instant.

Importing the app (Typer, click, the command's modules) takes tens of milliseconds, and a
Ctrl-C meanwhile used to print Python's traceback. This module imports nothing itself: it
catches ``KeyboardInterrupt`` around the import and the run, and exits 130 with one line
(the exit code a shell gives a command stopped by Ctrl-C). A write under way is rolled
back by the store before the interrupt gets here.
"""


def main() -> None:
    try:
        from minicrm.cli import main as run

        run()
    except KeyboardInterrupt:
        interrupted()


def interrupted() -> None:
    """One line on standard error, exit 130; a second Ctrl-C meanwhile changes nothing."""
    import sys

    try:
        sys.stderr.write("Interrupted.\n")
        sys.stderr.flush()
    except (KeyboardInterrupt, OSError, ValueError):
        pass
    raise SystemExit(130)
