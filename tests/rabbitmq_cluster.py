"""A RabbitMQ cluster of a test's own: three private nodes joined into one.

Each node is a ``PrivateRabbitMQ`` (devkit/rabbitmq_node.py) with its own name, ports and
data directory; they share an Erlang cookie and the second and third join the first.  The
queues' policies of a namespace are set as an operator's set-up would
(services/admin/broker_policies.py).  A node can be SIGKILLed and started again on the data
it kept, and then rejoins by itself.
"""

from __future__ import annotations

import json
import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from devkit.rabbitmq_node import PrivateRabbitMQ
from services.admin.broker_policies import PRIORITY, policies


class RabbitCluster:
    def __init__(self, directory: Path, size: int = 3) -> None:
        cookie = secrets.token_hex(16)
        self.nodes = [
            PrivateRabbitMQ(directory / f"node-{i}", name=f"ptc{i}{secrets.token_hex(3)}", cookie=cookie)
            for i in range(1, size + 1)
        ]

    def start(self) -> None:
        """Start every node (at once) and join the others to the first."""
        with ThreadPoolExecutor(len(self.nodes)) as pool:
            list(pool.map(lambda node: node.start(), self.nodes))
        first, *others = self.nodes
        for node in others:
            node.join(first)
        self.wait_running(len(self.nodes))

    def stop(self) -> None:
        with ThreadPoolExecutor(len(self.nodes)) as pool:
            list(pool.map(lambda node: node.stop(), self.nodes))

    def url(self, *order: int) -> str:
        """AMQP_URL naming the nodes at ``order`` (indexes), the first one preferred."""
        return ",".join(self.nodes[i].url for i in order)

    def any_running(self) -> PrivateRabbitMQ:
        return next(node for node in self.nodes if node.running())

    def set_policies(self, namespace: str) -> None:
        """The namespace's queue policies, as ``pokertracker-admin broker users`` sets them."""
        node = self.any_running()
        for policy in policies(namespace):
            node.ctl(
                "set_policy", "--priority", str(PRIORITY), "--apply-to", "queues",
                policy.name, policy.pattern, json.dumps(policy.definition),
            )  # fmt: skip

    def running_nodes(self) -> set[str]:
        status = json.loads(self.any_running().ctl("cluster_status", "--formatter", "json"))
        return set(status.get("running_nodes", []))

    def wait_running(self, count: int, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while len(self.running_nodes()) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"fewer than {count} nodes running: {self.running_nodes()}")
            time.sleep(0.5)

    def queues(self, prefix: str) -> list[dict]:
        """Name, type, leader and members of the queues whose name starts with ``prefix``."""
        listed = json.loads(self.any_running().ctl(
            "list_queues", "name", "type", "leader", "members", "messages", "policy",
            "--formatter", "json", "-q",
        ))  # fmt: skip
        return [q for q in listed if q["name"].startswith(prefix)]

    def leaders(self, prefix: str) -> dict[str, int]:
        """How many of those queues each node leads."""
        counts = {node.name: 0 for node in self.nodes}
        for queue in self.queues(prefix):
            counts[queue["leader"]] = counts.get(queue["leader"], 0) + 1
        return counts
