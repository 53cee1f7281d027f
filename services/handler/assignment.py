"""Which replica consumes which update partition: a pure function of the live replicas.

Every replica reads the same list of live replicas from PostgreSQL and computes the same
answer, so no coordinator is needed.  The assignment is rendezvous hashing with a capacity
of ``ceil(partitions / replicas)``: each partition goes to the replica that ranks it highest
among those not yet full.  That keeps the load even (no replica holds more than one partition
above its share) and stable (a replica joining or leaving moves few partitions), which
matters because every move pauses that partition for one hand-over.
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
    capacity = -(-partitions // len(live))
    owned: dict[str, set[int]] = {r: set() for r in live}
    for partition in range(partitions):
        for replica in sorted(live, key=lambda r: _rank(r, partition), reverse=True):
            if len(owned[replica]) < capacity:
                owned[replica].add(partition)
                break
    return {r: frozenset(p) for r, p in owned.items()}
