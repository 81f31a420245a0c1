"""Health checks of the database (``minicrm doctor``)."""

from typing import NamedTuple


class HealthCheck(NamedTuple):
    """One line of ``minicrm doctor``."""

    check: str
    ok: bool
    detail: str
