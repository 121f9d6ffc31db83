"""Small real programs for GL202 (await on a sync method) and GL203 (plain `with` on an async object).

They are written against SQLite (`sqlite+aiosqlite:///app.db`; `Database.program` points them at PostgreSQL
through asyncpg), recreate their tables with SQLAlchemy (so a broken and a fixed run can share one database) and
print one JSON line with what they observed; every bug is caught and printed by `observed(error)` (its type and
message), so one program can show several outcomes. test_context_and_sync_methods.py runs them as written and
after greenlint's own fixes.
"""

from __future__ import annotations

from programs import MODELS, RESET, program

OBSERVED = """
def observed(error: BaseException) -> dict:
    return {"error": type(error).__name__, "message": str(error)}
"""

# `await stored()`: the users' names as a new engine reads them, after the program's engine is disposed.
STORED = """
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine


async def stored() -> list[str]:
    fresh = create_async_engine("sqlite+aiosqlite:///app.db")
    async with fresh.connect() as conn:
        names = list(await conn.scalars(select(User.name).order_by(User.id)))
    await fresh.dispose()
    return names
"""

# GL202: `await db.add(user)` in a FastAPI route. The route answers 500 and the row is lost.
GL202_AWAIT_ADD = program(
    """
    import asyncio
    import json

    import httpx
    from fastapi import Depends, FastAPI
    from fastapi.responses import JSONResponse
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

    engine = create_async_engine("sqlite+aiosqlite:///app.db")
    Sessions = async_sessionmaker(engine, expire_on_commit=False)
    app = FastAPI()


    @app.exception_handler(Exception)
    async def report(request, error: Exception) -> JSONResponse:
        return JSONResponse(observed(error), status_code=500)


    async def get_db():
        async with Sessions() as db:
            yield db


    @app.post("/users")
    async def create_user(name: str, db: AsyncSession = Depends(get_db)) -> dict:
        user = User(name=name)
        await db.add(user)
        await db.commit()
        return {"id": user.id}


    async def main() -> None:
        await reset(engine)
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            response = await client.post("/users", params={"name": "ada"})
        await engine.dispose()
        print(json.dumps({"status": response.status_code, "body": response.json(), "stored": await stored()}))


    asyncio.run(main())
    """,
    OBSERVED,
    MODELS,
    RESET,
    STORED,
)

# GL202: awaiting the results of `in_transaction()` (a bool) and `get_nested_transaction()` (an awaitable
# AsyncSessionTransaction: awaiting it inside a SAVEPOINT silently begins a second SAVEPOINT).
GL202_INSPECTORS = program(
    """
    import asyncio
    import json

    from sqlalchemy import event, text
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

    engine = create_async_engine("sqlite+aiosqlite:///app.db")
    Sessions = async_sessionmaker(engine, expire_on_commit=False)
    savepoints = []


    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def count_savepoints(conn, cursor, statement, *rest) -> None:
        if statement.startswith("SAVEPOINT"):
            savepoints.append(statement)


    async def busy(db: AsyncSession) -> bool:
        return await db.in_transaction()


    async def checkpoint(db: AsyncSession) -> int:
        await db.begin_nested()
        nested = await db.get_nested_transaction()
        await db.execute(text("SELECT 1"))
        await nested.rollback()
        return len(savepoints)


    async def main() -> None:
        outcome = {}
        async with Sessions() as db:
            try:
                outcome["busy"] = await busy(db)
            except Exception as error:
                outcome["busy"] = observed(error)
            outcome["savepoints"] = await checkpoint(db)
        await engine.dispose()
        print(json.dumps(outcome))


    asyncio.run(main())
    """,
    OBSERVED,
)

# GL203: each form of a plain `with` on an async object, and a connection that is never started.
GL203_SYNC_WITH = program(
    """
    import asyncio
    import json

    from sqlalchemy import func, select, text
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

    engine = create_async_engine("sqlite+aiosqlite:///app.db")
    Sessions = async_sessionmaker(engine, expire_on_commit=False)


    async def create_tables() -> str:
        with engine.begin() as conn:
            await conn.run_sync(Base.metadata.drop_all)
            await conn.run_sync(Base.metadata.create_all)
        return "created"


    async def add_user(name: str) -> str:
        with Sessions.begin() as session:
            session.add(User(name=name))
        return "added"


    async def count_users() -> int:
        with Sessions() as session:
            return await session.scalar(select(func.count()).select_from(User))


    async def rename(db: AsyncSession, name: str) -> str:
        with db.begin():
            user = await db.scalar(select(User))
            user.name = name
        return user.name


    async def ping() -> int:
        with engine.connect() as conn:
            return await conn.scalar(text("SELECT 1"))


    async def ping_unstarted() -> int:
        conn = engine.connect()
        try:
            return await conn.scalar(text("SELECT 2"))
        finally:
            await conn.close()


    async def main() -> None:
        outcome = {}
        for name, step in [
            ("create_tables", create_tables),
            ("add_user", lambda: add_user("ada")),
            ("count_users", count_users),
            ("ping", ping),
            ("ping_unstarted", ping_unstarted),
        ]:
            try:
                outcome[name] = await step()
            except Exception as error:
                outcome[name] = observed(error)
        async with Sessions() as db:
            try:
                outcome["rename"] = await rename(db, "grace")
            except Exception as error:
                outcome["rename"] = observed(error)
        await engine.dispose()
        print(json.dumps(outcome))


    asyncio.run(main())
    """,
    OBSERVED,
    MODELS,
)
