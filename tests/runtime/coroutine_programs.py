"""A program for GL204: coroutines of the workspace's own `async def` functions that are never awaited."""

from __future__ import annotations

# An authorization check and an audit record, both `async def`, called without `await`: the check is a
# coroutine object (always truthy, so `not` it never denies) and the record is never written.
GL204_UNAWAITED_CHECK = """
import asyncio
import json
import sqlite3

from sqlalchemy import String
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

engine = create_async_engine("sqlite+aiosqlite:///app.db")
Sessions = async_sessionmaker(engine, expire_on_commit=False)


class Base(DeclarativeBase):
    pass


class Grant(Base):
    __tablename__ = "grants"

    id: Mapped[int] = mapped_column(primary_key=True)
    user: Mapped[str] = mapped_column(String(50))


async def is_admin(db: AsyncSession, user: str) -> bool:
    await db.get(Grant, 0)  # the check does IO, so it is an async def
    return user == "root"


async def record(db: AsyncSession, user: str) -> None:
    db.add(Grant(user=user))
    await db.commit()


async def delete_everything(user: str) -> str:
    async with Sessions() as db:
        if not is_admin(db, user):
            return "denied"
        record(db, user)
        return "deleted"


async def main() -> None:
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    outcome = {user: await delete_everything(user) for user in ("mallory", "root")}
    await engine.dispose()
    rows = sqlite3.connect("app.db").execute("SELECT user FROM grants").fetchall()
    print(json.dumps({"outcome": outcome, "rows": rows}))


asyncio.run(main())
"""
