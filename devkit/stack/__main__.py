"""``python -m devkit.stack``."""

from devkit.stack.cli import main

main()
