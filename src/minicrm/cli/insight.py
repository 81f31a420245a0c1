"""Relationship insight commands: referrals (more to come in this module)."""

from __future__ import annotations

from typing import Annotated

import typer

from minicrm.cli import app
from minicrm.cli.common import FormatOption, JsonOption, Run


@app.command("referrals")
def referrals(
    ctx: typer.Context,
    contact: Annotated[str | None, typer.Argument(metavar="[CONTACT]",
        help="Only referrals made by or naming this contact")] = None,
    fmt: FormatOption = None, as_json: JsonOption = False,
) -> None:  # fmt: skip
    """Who referred whom, newest first.

    \\b
    Example:
      minicrm log priya referral "Introduced Jonas" --referred jonas
      minicrm referrals
      minicrm referrals jonas --json
    """
    from minicrm import insight
    from minicrm.models import Referral

    run = Run(ctx, fmt, as_json)
    run.many(insight.referrals(run.store, contact), Referral,
             empty="No referrals yet. Log one: minicrm log A referral --referred B")  # fmt: skip
