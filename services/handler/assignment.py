"""Which replica consumes which update partition: a pure function of the live replicas.

Every replica reads the same list of live replicas from PostgreSQL and computes the same
answer, so no coordinator is needed.  The assignment is rendezvous hashing with capacities:
every (replica, partition) pair has a pseudo-random rank, and pairs are taken best first as
long as the partition is free and the replica below its capacity, which is ``P // n`` for
each replica plus one for the first ``P % n`` replicas to need it.  That keeps the load
exactly even (every replica holds the floor or the ceiling of its share) and stable (a
replica joining or leaving moves little more than its own share), which matters because
every move pauses that partition for one hand-over.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable


def _rank(replica: str, partition: int) -> int:
    digest = hashlib.blake2b(f"{replica}/{partition}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def assign(partitions: int, replicas: Iterable[str]) -> dict[str, frozenset[int]]:
    """Map each live replica to the partitions it should consume; every partition has one."""
    live = sorted(set(replicas))
    if not live:
        return {}
    floor, extra = divmod(partitions, len(live))
    owned: dict[str, set[int]] = {r: set() for r in live}
    taken: set[int] = set()
    pairs = sorted(
        ((_rank(r, p), r, p) for r in live for p in range(partitions)), reverse=True
    )
    for _, replica, partition in pairs:
        if partition in taken:
            continue
        held = len(owned[replica])
        if held < floor or (held == floor and extra > 0):
            if held == floor:
                extra -= 1
            owned[replica].add(partition)
            taken.add(partition)
            if len(taken) == partitions:
                break
    return {r: frozenset(p) for r, p in owned.items()}
