"""A program and its requirements files for GL301: what the manifest installs decides whether the app starts."""

from __future__ import annotations

# The app (app.py, the project's only module): an async engine on aiosqlite and one query through it, which
# needs greenlet (the asyncio extension runs the sync driver API in a greenlet) and the aiosqlite driver.
APP = """
import asyncio
import json

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

engine = create_async_engine("sqlite+aiosqlite:///app.db")


async def main() -> None:
    async with engine.connect() as connection:
        answer = await connection.scalar(text("SELECT 6 * 7"))
    await engine.dispose()
    print(json.dumps({"answer": answer}))


asyncio.run(main())
"""

# SQLAlchemy without the `asyncio` extra, in a range that admits 2.1 (and 2.0, so that each venv can install it).
WITHOUT_ASYNCIO_EXTRA = """\
sqlalchemy>=2.0
aiosqlite>=0.20
"""

# SQLAlchemy with its `asyncio` extra, but not the driver the app's engine URL names.
WITHOUT_DRIVER = """\
sqlalchemy[asyncio]>=2.0
"""
