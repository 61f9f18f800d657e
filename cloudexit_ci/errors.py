"""One exception root; every user-facing failure is a CloudExitError."""

from __future__ import annotations


class CloudExitError(Exception):
    """Root of every error this tool raises on purpose."""

    exit_code = 3


class UserError(CloudExitError):
    """Bad input: a flag, a config key, a Terraform file. Exit code 2.

    ``where`` is ``file:line`` (or a flag / key name) and ``hint`` says how to fix it.
    """

    exit_code = 2

    def __init__(self, message: str, *, where: str | None = None, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.where = where
        self.hint = hint

    def one_line(self) -> str:
        head = f"{self.where}: " if self.where else ""
        tail = f" (fix: {self.hint})" if self.hint else ""
        return f"error: {head}{self.message}{tail}".replace("\n", " ")
