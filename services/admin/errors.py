from __future__ import annotations

# Exit codes: 0 done, 1 done only in part (or refused), 2 could not start (settings, usage,
# broker, database or Bot API unreachable) -- the same 2 that argparse and ``load_settings`` use.
EXIT_OK = 0
EXIT_PARTIAL = 1
EXIT_UNAVAILABLE = 2
EXIT_USAGE = 2  # a bad argument or setting found by the command itself, after parsing


class AdminError(Exception):
    """A failure the operator can act on: printed as one line, without a traceback."""

    def __init__(self, message: str, exit_code: int = EXIT_PARTIAL) -> None:
        super().__init__(message)
        self.exit_code = exit_code
