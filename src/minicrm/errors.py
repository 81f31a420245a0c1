"""Every error a user can meet, each carrying its exit code.

The CLI maps these to one line on standard error and the exit code, in one place
(``minicrm.cli.MiniCrmGroup``). Services and the store raise them; nothing else
decides an exit code.
"""


class MiniCrmError(Exception):
    """A failure the user can act on (exit 1)."""

    exit_code = 1

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message}. {self.hint}"
        return self.message


class InvalidValue(MiniCrmError):
    """A value the user typed is not acceptable (bad email, unknown stage...)."""


class Conflict(MiniCrmError):
    """The request contradicts the current state (already done, ambiguous name...)."""


class Ambiguous(Conflict):
    """A CONTACT reference matches more than one contact."""


class UsageError(MiniCrmError):
    """Wrong usage: an unparseable date or rule, a missing confirmation (exit 2)."""

    exit_code = 2


class DateParseError(UsageError):
    """A WHEN or RULE phrase that minicrm does not understand."""


class NotFound(MiniCrmError):
    """The referenced contact or reminder does not exist (exit 3)."""

    exit_code = 3


class StoreError(MiniCrmError):
    """The database cannot be used: locked, read-only, too new, not a database."""
