"""The RabbitMQ policies of a namespace's queues: limits the broker enforces for us.

A policy is applied by the broker to every queue whose name matches its pattern, and can be
changed on a running cluster without re-declaring anything, which queue arguments cannot.
So what can be a policy is one (the queue type and single-active-consumer can only be
arguments: shared/topology.py).  They are created with the users (``pokertracker-admin
broker users``, both formats, and deploy/rabbitmq/definitions.json).  A queue takes exactly
one policy (the highest priority that matches), so each kind of queue has one of its own:

- partitions: a delivery limit above the handler's own redelivery limit
  (``UPDATE_MAX_REDELIVERIES``) plus hand-overs, after which the broker moves the update to
  the dead letters at least once (it never drops it); a maximum length with overflow
  ``reject-publish``, so a full partition refuses the gateway's publish and Telegram gets a
  503 and retries, instead of an update dropped silently;
- OCR jobs: the same, with their own length;
- session requests: a maximum length (a request refused is a timeout the handler retries);
- dead letters: nothing is ever dropped or limited.
Every quorum queue's leader is placed on the least loaded node (``balanced``), so a
cluster's partitions do not all lead from the node the gateway happened to connect to.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from shared.topology import Topology

_SPECIAL = re.compile(r"([\\.^$|?*+()\[\]{}])")


def escape(name: str) -> str:
    """``name`` as a regex matching just itself: regex metacharacters get a backslash."""
    return _SPECIAL.sub(r"\\\1", name)

# Deliveries of one update before the broker gives up on it.  The handler dead-letters an
# update itself once it was returned more than UPDATE_MAX_REDELIVERIES (10) times; the
# broker's limit is the backstop for an update returned without ever being started (it sat
# in a replica's prefetch through many hand-overs).
DELIVERY_LIMIT = 30
# Updates waiting in one partition before the gateway's publishes are refused (503): with
# 64 partitions, over a million updates, hours of a busy bot's traffic.
PARTITION_MAX_LENGTH = 20_000
OCR_MAX_LENGTH = 10_000
SESSION_REQUESTS_MAX_LENGTH = 10_000
LEADER_LOCATOR = "balanced"
PRIORITY = 10  # above an operator's catch-all policies (priority 0)


class Policy(NamedTuple):
    name: str
    pattern: str
    definition: dict[str, Any]


def policies(namespace: str) -> list[Policy]:
    """The policies of ``namespace``'s queues, each matching its queues' whole names."""
    topology = Topology(namespace, 1)
    exchange_name = topology.updates_exchange.name
    dead_letters = topology.dead_letters_queue.name
    to_dead_letters = {
        "dead-letter-exchange": "",  # the default exchange: routing key = queue name
        "dead-letter-routing-key": dead_letters,
        "dead-letter-strategy": "at-least-once",  # needs overflow reject-publish
        "delivery-limit": DELIVERY_LIMIT,
        "overflow": "reject-publish",
        "queue-leader-locator": LEADER_LOCATOR,
    }
    return [
        Policy(
            f"{namespace}-partitions",
            f"^{escape(exchange_name + '.p')}[0-9]+$",
            {**to_dead_letters, "max-length": PARTITION_MAX_LENGTH},
        ),
        Policy(
            f"{namespace}-ocr",
            f"^{escape(topology.ocr_queue.name)}$",
            {**to_dead_letters, "max-length": OCR_MAX_LENGTH},
        ),
        Policy(
            f"{namespace}-session-requests",
            f"^{escape(topology.session_requests_queue.name)}$",
            {
                "max-length": SESSION_REQUESTS_MAX_LENGTH,
                "overflow": "reject-publish",
                "queue-leader-locator": LEADER_LOCATOR,
            },
        ),
        Policy(
            f"{namespace}-dead-letters",
            f"^{escape(dead_letters)}$",
            {"queue-leader-locator": LEADER_LOCATOR},
        ),
    ]


def policy_definitions(namespace: str, vhost: str) -> list[dict[str, Any]]:
    """The policies as entries of a RabbitMQ definitions document."""
    return [
        {
            "vhost": vhost,
            "name": p.name,
            "pattern": p.pattern,
            "apply-to": "queues",
            "definition": p.definition,
            "priority": PRIORITY,
        }
        for p in policies(namespace)
    ]
