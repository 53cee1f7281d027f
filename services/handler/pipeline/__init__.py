"""One update, start to finish: deduplicated, retried, dead-lettered, settled exactly once.

For each delivery from a partition (``partitions.py``, one at a time per user):
1. parse it; something that is not an update goes to the dead letters (``delivery.py``);
2. if the partition (a quorum queue) says it returned the update more than
   ``UPDATE_MAX_REDELIVERIES`` times before (its ``x-delivery-count``), the update keeps
   coming back unfinished (it kills its replica): it is dead-lettered.  The updates that
   were in hand with it at each death were returned as often; they come after it on the
   partition and are run (``settlement.py``);
3. read the session together with "was this update_id already applied?" (one call, batched
   with other updates' calls); if it was, nothing is done again: a Telegram retry or a
   redelivery after a crash is a no-op;
4. run the conversation in a unit of work that opens a tracker transaction only if the step
   writes; every tracker write is idempotent on the update id, so the re-run after a crash
   between 4 and 6 stores nothing twice;
5. send the replies, a button's answer together with the first message (sent again only if a
   replica dies between 5 and 6; ``effects.py``);
6. write the session, compare-and-set on the version read in 3, recording the update_id in
   the same transaction: this write is the commit point of the update; an outage here is
   waited out by the write alone, so the replies of 5 are not sent again (a write that went
   through unanswered comes back as a duplicate, and the update counts as applied);
7. acknowledge (``settlement.py``).
Steps 3 to 6 are ``applying.py``.  A session written by someone else between 3 and 6 re-runs
them on the fresh session.

A step whose new session would be larger than ``SESSION_MAX_BYTES`` (compact JSON) is
refused in 4: the tracker transaction is rolled back, the user is told (the catalogue's
``session_too_large``), and the session is written back unchanged with the update_id, so the
update counts as done.  If the session service's own limit turns out smaller, the handler
keeps to it from then on.

A dependency that is unavailable (session service, PostgreSQL, RabbitMQ; which failures say
so, a PostgreSQL failover's among them: ``services/common/outage.py``) is waited out with
backoff for as long as it takes (``waiting.py``): the update is not acknowledged until it is
done, and the user's later updates wait behind it.  If the partition is given up meanwhile
(hand-over, SIGTERM) the update is left unsettled and its next owner starts it again; the
first try of an update in hand still runs, so one whose replies are out finishes its write.
An update that raises anything else is tried ``UPDATE_MAX_ATTEMPTS`` times, then
dead-lettered, so one poison update holds the user's later updates back for those tries only.

How each update ended is an ``Outcome`` (``outcome.py``), the label of the handler's metrics.
The parts are built in ``services/handler/app.py``::

    effects = Effects(bot, ocr)
    applier = UpdateApplier(sessions, PgStore(pool), files, effects, limits=limits, metrics=metrics)
    settlement = Settlement(applier, dead_letters, instance=..., limits=limits, metrics=metrics)
    # settlement.handle(delivery, stopping) for each delivery
"""

from services.handler.pipeline.applying import SessionPort, UpdateApplier
from services.handler.pipeline.delivery import Delivery, parse_delivery
from services.handler.pipeline.effects import Effects, OcrPort
from services.handler.pipeline.limits import PipelineLimits
from services.handler.pipeline.outcome import DeadLetterReason, Outcome
from services.handler.pipeline.settlement import DeadLetterPort, Settlement

__all__ = [
    "DeadLetterPort",
    "DeadLetterReason",
    "Delivery",
    "Effects",
    "OcrPort",
    "Outcome",
    "PipelineLimits",
    "SessionPort",
    "Settlement",
    "UpdateApplier",
    "parse_delivery",
]
