"""A program for GL204: coroutines of the workspace's own `async def` functions that are never awaited.

It is written against SQLite (`sqlite+aiosqlite:///app.db`; `Database.program` points it at PostgreSQL through
asyncpg), recreates its table with SQLAlchemy (so a broken and a fixed run can share one database), and prints one
JSON line with what it observed, the stored rows read by a new engine.
"""

from __future__ import annotations

# An authorization check and an audit record, both `async def`, called without `await`: the check is a
# coroutine object (always truthy, so `not` it never denies) and the record is never written.
GL204_UNAWAITED_CHECK = """
import asyncio
import json

from sqlalchemy import String, select
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


async def stored() -> list[str]:
    fresh = create_async_engine("sqlite+aiosqlite:///app.db")
    async with fresh.connect() as conn:
        users = list(await conn.scalars(select(Grant.user).order_by(Grant.id)))
    await fresh.dispose()
    return users


async def main() -> None:
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.drop_all)
        await conn.run_sync(Base.metadata.create_all)
    outcome = {user: await delete_everything(user) for user in ("mallory", "root")}
    await engine.dispose()
    print(json.dumps({"outcome": outcome, "stored": await stored()}))


asyncio.run(main())
"""
