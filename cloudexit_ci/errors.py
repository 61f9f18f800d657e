"""One exception root; every user-facing failure is a CloudExitError.

Exit codes (README "Exit codes", docs/OPTIONS.md): see :data:`EXIT_CODES`.
"""

from __future__ import annotations

EXIT_CODES: dict[int, str] = {
    0: "in sync / done",
    1: "drift or a failing finding (`check`), a rewrite (`migrate` from the config, "
    "`check --fix`), a verify mismatch (`migrate-data`), a failing route or function "
    "service (`smoke`)",
    2: "user error: a bad flag, config key, Terraform file or manifest "
    "(one line naming `file:line` or the key, and the fix)",
    3: "internal error: a bug in cloudexit-ci (rerun with CLOUDEXIT_DEBUG=1 for the traceback)",
    4: "external failure: a network endpoint unreachable, a server's error answer, "
    "a missing tool such as git (one line naming the URL, host:port or command)",
    130: "interrupted (Ctrl-C)",
}


class CloudExitError(Exception):
    """Root of every error this tool raises on purpose.

    ``where`` is ``file:line``, a flag or key name, a URL or a command; ``hint`` says
    how to fix it.
    """

    exit_code = 3

    def __init__(self, message: str, *, where: str | None = None, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.where = where
        self.hint = hint

    def one_line(self) -> str:
        head = f"{self.where}: " if self.where else ""
        tail = f" (fix: {self.hint})" if self.hint else ""
        return f"error: {head}{self.message}{tail}".replace("\r", " ").replace("\n", " ")


class UserError(CloudExitError):
    """Bad input: a flag, a config key, a Terraform file. Exit code 2."""

    exit_code = 2


class ExternalError(CloudExitError):
    """Something outside the program failed: an unreachable endpoint, a server's error
    answer, a missing tool. Exit code 4; ``where`` names the URL, host:port or command."""

    exit_code = 4
