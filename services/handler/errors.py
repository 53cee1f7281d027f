"""Failures the update pipeline distinguishes."""


class DependencyUnavailable(Exception):
    """A dependency (session service, database, Bot API) failed in a way worth retrying."""
