"""The brokers named by AMQP_URL: one, or several to fail over between.

AMQP_URL names several brokers (the nodes of a cluster) in either of two forms, or a mix:

- full URLs separated by commas: ``amqp://u:p@h1:5672/vh,amqps://u:p@h2:5671/vh``; each
  entry has its own scheme, credentials, virtual host and query;
- one URL with a list of hosts: ``amqp://u:p@h1:5672,h2:5672,h3/vh?heartbeat=10``; the
  hosts share the scheme, credentials, virtual host and query.

``broker_urls`` turns it into one single-broker URL per broker, in the order listed (the
order in which they are tried: the first is the preferred one).  A comma inside a password
is fine (the credentials end at the last ``@`` before the hosts); a password must
percent-encode ``/``, ``?``, ``#`` and ``@`` as in any URL.  This module only parses: it
imports nothing of aio-pika, so the settings and the log set-up can use it.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

SCHEMES = ("amqp", "amqps")

# Where the next full URL of a comma-separated list begins: a comma before ``scheme://``.
_NEXT_URL = re.compile(r"\s*,\s*(?=[A-Za-z][A-Za-z0-9+.\-]*://)")
# An entry: ``scheme://`` + the authority (credentials and hosts) + the rest (vhost, query).
_ENTRY = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*)://(?P<authority>[^/?#]*)(?P<rest>.*)", re.DOTALL)


def split_urls(text: str) -> list[str]:
    """The comma-separated URLs of ``text`` as written (a host list stays in its URL).

    Lenient, never raises: also used to find every password in a setting to hide it.
    """
    return [part for part in _NEXT_URL.split(text.strip()) if part]


def broker_urls(amqp_url: str) -> list[str]:
    """One URL per broker named by ``amqp_url``, in the order listed.

    Raises ``ValueError`` for an empty list or entry, a scheme other than amqp/amqps, or a
    host or port that is not one.  The message names the entry by its position and never
    quotes it (it may hold a password).
    """
    text = amqp_url.strip()
    if not text:
        raise ValueError("no broker address")
    if text.startswith(",") or text.endswith(","):
        raise ValueError("an empty broker address (a comma at the start or the end)")
    urls: list[str] = []
    for position, entry in enumerate(_NEXT_URL.split(text), start=1):
        urls.extend(_expand(entry, position))
    return urls


def _expand(entry: str, position: int) -> list[str]:
    match = _ENTRY.fullmatch(entry)
    if match is None:
        raise ValueError(f"broker URL {position} is not a URL (amqp://host or amqps://host)")
    scheme, authority, rest = match.group("scheme", "authority", "rest")
    if scheme.lower() not in SCHEMES:
        raise ValueError(f"broker URL {position} has a scheme other than amqp or amqps")
    credentials, at, hosts = authority.rpartition("@")
    names = [host.strip() for host in hosts.split(",")]
    if any(not name for name in names):
        raise ValueError(f"broker URL {position} has an empty host")
    if "," in rest.partition("?")[0]:
        # "amqp://h1/vh,h2": a host after the virtual host, not a virtual host with a comma.
        raise ValueError(
            f"broker URL {position} has a comma after its hosts (list the hosts before the "
            "virtual host, or write full URLs)"
        )
    urls = [entry] if len(names) == 1 else [f"{scheme}://{credentials}{at}{name}{rest}" for name in names]
    for url in urls:
        try:
            parts = urlsplit(url)
            parts.port  # noqa: B018 - raises ValueError for a port that is not a number in range
        except ValueError:
            raise ValueError(f"broker URL {position} has an invalid host or port") from None
        if not parts.hostname:
            raise ValueError(f"broker URL {position} has an empty host")
    return urls


def rotated(urls: list[str], start: int) -> list[str]:
    """``urls`` starting at index ``start`` (modulo their number), in ring order."""
    start %= len(urls)
    return urls[start:] + urls[:start]
