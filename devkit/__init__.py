"""Development tooling for PokerTracker; none of it runs in production.

- ``devkit.fake_telegram``: an in-memory stand-in for the Telegram Bot API that also
  simulates users by posting updates to the gateway's webhook (``python -m devkit.fake_telegram``).
- ``devkit.chat``: a terminal chat with the bot through the fake (``python -m devkit.chat``).
- ``devkit.stack``: starts the whole stack on this machine, fake Telegram and chat included
  (``python -m devkit.stack``).
- ``devkit.processes``: starting a service process with its environment and log, waiting
  until it is ready, stopping or killing it; used by the stack, the benchmark and the tests.
"""
