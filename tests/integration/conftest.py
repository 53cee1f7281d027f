from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import asyncpg
import pytest
import uvicorn

from services.common.service import Service
from tests.conftest import eventually

pytestmark = pytest.mark.integration


@contextlib.asynccontextmanager
async def running_app(app: Service) -> AsyncIterator[Service]:
    """Run a service (its lifespan) in this event loop until the block ends, then stop it as
    SIGTERM would."""
    async with app.lifespan():
        yield app


@contextlib.asynccontextmanager
async def serving(asgi_app: object, port: int) -> AsyncIterator[str]:
    """Serve an ASGI app over real HTTP on 127.0.0.1:port."""
    server = uvicorn.Server(
        uvicorn.Config(
            asgi_app, host="127.0.0.1", port=port, log_config=None, lifespan="on",
            timeout_keep_alive=75,  # outlive httpx's 5 s idle expiry: no reuse-while-closing race
        )
    )
    server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
    task = asyncio.create_task(server.serve())

    async def started() -> bool:
        if task.done():
            task.result()
        return server.started

    await eventually(started, timeout=20)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 30)


@pytest.fixture
async def pg(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(database_url)
    try:
        yield conn
    finally:
        await conn.close()


@pytest.fixture
async def tracker_pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    """A pool on the test database with the tracker schema migrated."""
    from services.common import db
    from services.handler.tracker.schema import MIGRATIONS, SCHEMA

    pool = await db.open_pool(database_url, max_size=4, schemas=[(SCHEMA, MIGRATIONS)])
    try:
        yield pool
    finally:
        await pool.close()
