"""Names and arguments of every exchange and queue the services share.

Every service builds one ``Topology`` from its ``AMQP_NAMESPACE`` setting, so several stacks
(or test runs) can share one RabbitMQ without seeing each other's messages.  The declaration
arguments live here, and only here, because RabbitMQ refuses a re-declaration whose arguments
differ: the gateway and the handler both declare the updates queue and must agree.
"""

from __future__ import annotations

from dataclasses import dataclass

from faststream.rabbit import ExchangeType, RabbitExchange, RabbitQueue

# Headers the gateway sets on every published update (see docs/architecture.md).
HEADER_UPDATE_ID = "x-update-id"
HEADER_USER_ID = "x-user-id"  # absent for updates without a sender (channel posts)
HEADER_ACCEPTED_AT = "x-accepted-at"  # unix time (float seconds) the gateway accepted it

UPDATES_ROUTING_KEY = "update"


@dataclass(frozen=True)
class Topology:
    namespace: str = "pokertracker"

    @property
    def updates_exchange(self) -> RabbitExchange:
        return RabbitExchange(
            f"{self.namespace}.updates", type=ExchangeType.DIRECT, durable=True
        )

    @property
    def updates_queue(self) -> RabbitQueue:
        return RabbitQueue(
            f"{self.namespace}.updates",
            durable=True,
            routing_key=UPDATES_ROUTING_KEY,
        )

    @property
    def session_get_queue(self) -> RabbitQueue:
        return RabbitQueue(f"{self.namespace}.session.get", durable=True)

    @property
    def session_update_queue(self) -> RabbitQueue:
        return RabbitQueue(f"{self.namespace}.session.update", durable=True)
