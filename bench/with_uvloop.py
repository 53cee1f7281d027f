"""``python -m bench.with_uvloop <module>``: run a service module on uvloop, unchanged.

An experiment of the benchmark (``python -m bench.run --uvloop``): the services run on
asyncio's default event loop; this shows what uvloop alone would change.
"""

from __future__ import annotations

import runpy
import sys

import uvloop


def main() -> None:
    module = sys.argv[1]
    sys.argv = [module, *sys.argv[2:]]
    uvloop.install()  # asyncio.run() in the service now makes a uvloop loop
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
