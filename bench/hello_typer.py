"""The framework floor: a Typer app whose one command prints "ok" and does nothing else.

``bench/run.py`` times ``python bench/hello_typer.py`` and ``... --help`` as the
baseline for ``minicrm --version`` and ``minicrm --help``. The app is set up
the way minicrm's root app is (no rich help markup, no pretty tracebacks, no
completion options), so the difference is minicrm's own start-up work, not a
Typer setting.
"""

import typer

app = typer.Typer(add_completion=False, rich_markup_mode=None, pretty_exceptions_enable=False)


@app.command()
def hello() -> None:
    """Print ok."""
    print("ok")


if __name__ == "__main__":
    app()
