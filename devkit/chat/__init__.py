"""Chat with the bot from a terminal, through the fake Telegram.

``python -m devkit.chat --telegram http://127.0.0.1:8081 --user-id 1001 --lang en --name Alice``

The chat plays one simulated user: each line typed is sent as that user's message (the fake
posts it to the gateway's webhook), and the bot's messages are printed as they arrive, with
their inline keyboards as numbered buttons.  ``#N`` presses button N of the latest bot message
that has buttons, ``#`` shows those buttons again, ``/quit`` or end of input leaves.

When standard input is not a terminal (a pipe or a file) every input line is echoed, and the
chat waits for the bot to answer (``--settle`` seconds at most) before it reads the next line,
so scripted conversations work: ``printf '/start\\n#1\\n' | python -m devkit.chat``.
"""

from devkit.chat.conversation import run_chat
from devkit.chat.options import ChatOptions

__all__ = ["ChatOptions", "run_chat"]
