"""The benchmark's second peer: the same conversation as an aiogram 3 author would write it.

``python -m bench.aiogram_peer``: an aiogram ``Dispatcher`` with one ``Router``
(``conversation.py``), FSM states in Redis (``RedisStorage``), served by aiogram's aiohttp
webhook handler (``SimpleRequestHandler``, ``handle_in_background=False``: Telegram is answered
once the handler is done; ``app.py``).  Tournaments live in PostgreSQL through asyncpg with our
own tracker SQL (``PgTracker``; schema and migrations opened as ``bench.baseline`` opens them);
parsing, figures and texts are our domain functions and catalogue, called as an author reusing
them as a library would.

The conversation is the one ``bench.loadgen`` drives: ``/register`` on one line, ``/result``
(buttons ``res:<id>``, a ``CallbackData`` factory), the press (``answerCallbackQuery``, then the
question), ``place | prize [| bounty]`` (FSM state ``ResultFlow.score``, the tournament id in the
FSM data) and ``/stats`` (with a period, a filter or a breakdown); also ``/start``, ``/help``,
``/cancel`` and ``/register`` without the line.  Not here: /register step by step, /edit,
/delete, /tournaments, /graph, /export, /venue, tickets and files.

Where it differs from our stack:

* No idempotency on ``update_id``: aiogram has none, so an update Telegram delivers twice is
  handled twice (the tracker's writes still key on the update id, as ``PgTracker`` does).
* A handler's tracker work runs on our ``UnitOfWork`` as the handler's steps do (no BEGIN and
  COMMIT unless it writes), and its replies are sent after the commit, as ours are.  They are
  aiogram's own Bot API calls (``await message.answer(...)``), one after the other, not
  methods returned in the webhook response: a button press answers the callback query, then
  sends the question (our handler sends the two together).
* Bot API bodies are JSON (``app.JsonBodySession``), as our ``BotApi`` sends them (aiogram
  posts forms).  The URLs are aiogram's ``TelegramAPIServer.from_base``:
  ``{TELEGRAM_API_URL}/bot{token}/{method}``, as our ``BotApi`` builds them.
* A wrong or missing secret header gets 403, as from our gateway (aiogram answers 401).
* No parse mode, as ours: the catalogue's texts are plain text (not HTML-escaped).

Environment: ``DATABASE_URL``, ``BOT_TOKEN``, ``TELEGRAM_API_URL``, ``WEBHOOK_SECRET``,
``REDIS_URL`` (redis://127.0.0.1:6379/0), ``PEER_PORT`` (8091), ``DB_POOL_SIZE`` (10),
``LOG_LEVEL`` (INFO).  ``GET /healthz`` answers 200 once the pool, Redis and the bot's HTTP
session are up.  FSM keys are ``aiogram_peer:<pid>-<random>:<chat>:<user>:state|data`` (the
prefix is logged at start as ``redis_prefix``), expire after a day, and are deleted at exit.
"""
