#!/bin/sh
# Entry point of every RabbitMQ node of docker-compose.yml (`rabbitmq`, and `rabbitmq-2` and
# `rabbitmq-3` of the `cluster` profile): gives the node the Erlang cookie all the nodes share,
# then runs the image's own entry point with the command (rabbitmq-server).
#
# Nodes join one cluster, and rabbitmqctl / rabbitmq-diagnostics talk to a node, only with the
# same cookie; whoever holds it controls the node, so it is random, made here, never committed.
# The first node to start writes it into the `rabbitmq-cookie` volume, mounted at
# /run/rabbitmq-cookie in every node; each node copies it to where RabbitMQ and its tools read
# it ($HOME of the image), owned by rabbitmq and readable by it alone: Erlang refuses a cookie
# file that others may read. (The image's RABBITMQ_ERLANG_COOKIE variable is deprecated in
# 3.10, and a file mounted straight onto the data volume would be chowned by the image.)
set -eu

shared=/run/rabbitmq-cookie/erlang.cookie
cookie=/var/lib/rabbitmq/.erlang.cookie

if [ ! -s "$shared" ]; then
    umask 077
    draft="$shared.$(hostname).$$"
    # 32 random bytes as 64 hex digits.
    od -An -N32 -tx1 /dev/urandom | tr -d ' \n' > "$draft"
    # A hard link is made only if the name is free: when two nodes race, the first one's
    # cookie stays and the other's draft is dropped.
    ln "$draft" "$shared" 2>/dev/null || true
    rm -f "$draft"
fi
if [ ! -s "$shared" ]; then
    echo "node-entrypoint: no Erlang cookie in $shared" >&2
    exit 1
fi
install -m 400 -o rabbitmq -g rabbitmq "$shared" "$cookie"

exec docker-entrypoint.sh "$@"
