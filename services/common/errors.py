"""Failures every service's retry logic tells apart from bugs."""


class DependencyUnavailable(Exception):
    """A dependency (session service, database, broker, Bot API) failed in a way worth retrying."""
