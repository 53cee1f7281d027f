"""``pokertracker-admin`` / ``python -m services.admin``"""

from __future__ import annotations

from services.admin.cli import main

__all__ = ["main"]

if __name__ == "__main__":
    raise SystemExit(main())
