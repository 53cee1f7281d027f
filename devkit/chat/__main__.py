"""``python -m devkit.chat``."""

from devkit.chat.cli import main

main()
