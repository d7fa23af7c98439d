"""Errors the command line reports in one line, with their exit codes."""


class AslError(Exception):
    """A problem the user can fix; its message says what is wrong and what to do."""

    exit_code = 1


class Interrupted(AslError):
    """A long job stopped by Ctrl-C; its finished work is kept for the next run."""

    exit_code = 130
