"""Errors shared by the subcommands (a module of its own so commands can import it freely)."""


class CommandError(Exception):
    """A problem the user can fix; :func:`embct.cli.main` prints it and exits with status 2."""
