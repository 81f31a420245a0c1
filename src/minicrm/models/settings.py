"""Business settings (``minicrm config``)."""

from typing import NamedTuple


class Setting(NamedTuple):
    """One business setting (``minicrm config``): its value in force and where that comes from."""

    key: str  # region, currency, date_order, decimal, mail.host, mail.port ...
    value: str | None  # None: not set anywhere
    source: str  # database | environment | locale | default
    description: str = ""
