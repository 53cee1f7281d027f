"""A fake Telegram: an in-memory Bot API server that also plays the users.

The handler replicas talk to it exactly as to ``https://api.telegram.org`` (point
``TELEGRAM_API_URL`` at it), and tests or ``devkit.chat`` make simulated users write to the bot
through its ``/_users/...`` routes: the fake builds real Telegram ``Update`` objects and posts
them to the webhook with Telegram's secret header and retry behaviour.  Everything it is asked
is recorded and can be read back (``GET /_calls``, ``GET /_users/{id}/messages``).  The
benchmark serves it in its own process (:class:`FakeTelegramServer`) without recording
(``FakeTelegramConfig.recording``) and reads each call through ``FakeTelegram.on_call``.

Run it with ``python -m devkit.fake_telegram --webhook-url http://127.0.0.1:8080/telegram/webhook``
and the token and webhook secret in the environment (``FAKE_TELEGRAM_TOKEN``, ``WEBHOOK_SECRET``),
or build the app in-process with :func:`create_app`.

Where things are: ``params`` (request parameters), ``formatting`` (HTML and MarkdownV2),
``chats``, ``files``, ``messages`` (the Bot API's message methods), ``commands`` (the command
menu), ``webhook`` (setWebhook and delivery), ``users`` (simulated users' Updates), ``faults``
(scripted failures), ``state`` (:class:`FakeTelegram`: dispatch and recording), ``routes``
(HTTP), ``server`` (served in-process), ``cli`` (the command line).

Scripted faults make it fail as Telegram or the network does, for a client's retries, timeouts
and refusals to be tested against this one fake: ``fake.faults.script("sendMessage",
Fault(status=429, retry_after=1), Fault(status=500, times=2))`` answers the next sendMessage
calls so, in order, each fault used up once (or ``times``), then normally again.  A fault is a
status with Telegram's error body (or a JSON ``body`` of its own, or ``raw`` bytes), a
``delay`` before answering, or an answer ``cut_after`` some bytes (the connection closes);
``file`` or ``file/<file_path>`` targets file downloads.  Calls a fault answered are recorded
(``"fault": true``).  Both :func:`create_app` and :class:`FakeTelegramServer` (Bot API only)
honour them.

HTTP API (JSON everywhere; the ``/_...`` routes answer ``{"error": ...}`` with 400/409 on misuse):


- ``POST|GET /bot{token}/{method}``: the Bot API (JSON, urlencoded or multipart parameters):
  getMe, sendMessage, editMessageText, editMessageReplyMarkup, deleteMessage,
  answerCallbackQuery, answerInlineQuery (checked and recorded only), setWebhook, deleteWebhook,
  getWebhookInfo, sendDocument, sendPhoto, getFile.  Telegram-shaped answers and errors (401
  wrong token, 404 unknown method, 400 "Bad Request: ...").  A multipart upload is recorded
  with its bytes (``{"filename", "content_type", "size", "data_base64"}`` in the call's params)
  and kept under new file_ids; photos are re-encoded as JPEG in two sizes, as Telegram does.
- ``GET /file/bot{token}/{file_path}``: the download of a file getFile pointed to (401 wrong
  token, 404 unknown path).
- ``GET /_calls?after=SEQ&method=M&chat_id=C&wait=S``: recorded calls ``{"calls": [{"seq", "ts",
  "method", "params", "ok"}]}``; ``wait`` long-polls until one matches.  ``POST /_reset`` forgets
  the calls (chats, users and the webhook stay; ``seq`` keeps counting).
- ``POST /_faults`` ``{"target": "sendMessage" | "file" | "file/<path>", "faults": [{"status",
  "body"?, "raw"? | "raw_base64"?, "content_type"?, "description"?, "retry_after"?, "delay"?,
  "cut_after"?, "times"?}]}`` queues faults (see :class:`Fault`), ``DELETE /_faults`` forgets
  them; both, and ``GET /_faults``, answer ``{"pending": [{"target", "times_left", "fault"}],
  "answered": [{"target", "status", "at"}]}``.
- ``GET /_webhook/attempts``: every webhook delivery attempt ``{"attempts": [{"update_id",
  "at", "status"}]}`` (``at``: unix time the answer came; ``status`` null when none came).
- ``POST /_users/{id}/messages`` ``{"text", "language_code"?, "first_name"?, "username"?,
  "max_attempts"?}`` and ``POST /_users/{id}/callback`` ``{"message_id", "data", ...}``: the user
  writes or presses a button; the Update is delivered to the webhook (retried like Telegram) and
  the answer is ``{"update_id", "status", "attempts", "message_id" | "callback_query_id",
  "error"?}``.  ``POST /_users/{id}/photo`` ``{"photo": base64, "caption"?, ...}`` and
  ``POST /_users/{id}/document`` ``{"document": base64, "file_name"?, "mime_type"?,
  "caption"?, ...}``: the user sends a file; the answer adds its ``file_id`` (a photo's
  largest size; ``file_ids`` lists every size).  ``POST /_updates?max_attempts=N`` delivers a
  crafted Update unchanged.  ``GET /_files/{file_id}``: a file the fake holds, with its bytes
  (``data_base64``) and how often it was downloaded.
- ``GET /_users/{id}/messages?after=MESSAGE_ID&after_seq=SEQ&wait=S``: the bot's messages and
  edits in that chat ``{"messages": [{"seq", "message_id", "date", "text", "reply_markup",
  "edited", "parse_mode", "sent_text", "document"?, "photo"?}]}``; ``GET /_users/{id}/alerts?
  after=SEQ&wait=S``: answerCallbackQuery calls for that user.  ``GET /healthz``: 200.

Deliberate differences from Telegram: plain ``http://`` webhooks are accepted, any integer
``chat_id`` is a private chat with a simulated user, updates are never queued for ``getUpdates``
(a simulated user's message is delivered synchronously or refused with 409 when no webhook is
set), and sent messages carry their visible text without an ``entities`` array.
"""

from devkit.fake_telegram.cli import RedactingFilter, main
from devkit.fake_telegram.config import FakeTelegramConfig
from devkit.fake_telegram.faults import Fault, FaultScript
from devkit.fake_telegram.routes import create_app
from devkit.fake_telegram.server import FakeTelegramServer
from devkit.fake_telegram.state import Call, FakeTelegram, OnCall

__all__ = [
    "Call",
    "FakeTelegram",
    "FakeTelegramConfig",
    "FakeTelegramServer",
    "Fault",
    "FaultScript",
    "OnCall",
    "RedactingFilter",
    "create_app",
    "main",
]
