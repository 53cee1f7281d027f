"""``python -m devkit.fake_telegram``: see :mod:`devkit.fake_telegram.cli`."""

from devkit.fake_telegram.cli import main

main()
