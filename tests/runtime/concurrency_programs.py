"""Small real FastAPI programs for GL201 (one AsyncSession used by concurrent tasks) and GL205 (one AsyncSession
shared by every request), each as written and as the rule's message asks it to be changed (neither rule has an
automatic fix).

They are written against SQLite (`sqlite+aiosqlite:///app.db`; `Database.program` points them at PostgreSQL
through asyncpg), recreate their tables with SQLAlchemy (so a broken and a fixed run can share one database), send
their requests through httpx.ASGITransport and print one JSON line with what they observed: each response's status
and body (an exception in a route is an HTTP 500 whose body is `observed(error)`: its type, its message and the
exception it was raised while handling), and the rows a new engine reads afterwards.
test_concurrent_sessions.py runs them.
"""

from __future__ import annotations

from context_programs import STORED

from programs import MODELS, RESET, program

APP = """
import asyncio
import json

import httpx
from fastapi import Depends, FastAPI, HTTPException
from fastapi.responses import JSONResponse
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

engine = create_async_engine("sqlite+aiosqlite:///app.db")
Sessions = async_sessionmaker(engine, expire_on_commit=False)
app = FastAPI()


def observed(error: BaseException) -> dict:
    handling = error.__context__
    return {
        "error": type(error).__name__,
        "message": str(error),
        "while": None if handling is None else {"error": type(handling).__name__, "message": str(handling)},
    }


@app.exception_handler(Exception)
async def report(request, error: Exception) -> JSONResponse:
    return JSONResponse(observed(error), status_code=500)


def client() -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://test")


async def send(request) -> dict:
    response = await request
    return {"status": response.status_code, "body": response.json()}
"""

ORDERS = """
class Order(Base):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
"""

# A session per request, from a dependency: the change GL205 asks for (and the usual FastAPI setup).
GET_DB = """
async def get_db():
    async with Sessions() as db:
        yield db
"""

# GL201, the rule's INVALID example: one request's session gathers two counts. The pool holds the one idle
# connection `reset` used: the first of three concurrent requests takes it, the others open a new one.
COUNTS_MAIN = """
@app.get("/counts")
async def read_counts(db: AsyncSession = Depends(get_db)) -> list[int]:
    return list(await counts(db, User, Order))


async def main() -> None:
    await reset(engine, "ada", "grace")
    async with client() as http:
        concurrent = await asyncio.gather(*(send(http.get("/counts")) for _ in range(3)))
        checked_out = engine.pool.checkedout()
        later = await send(http.get("/counts"))
    await engine.dispose()
    print(json.dumps({"concurrent": concurrent, "checked_out": checked_out, "later": later}))


asyncio.run(main())
"""

GL201_GATHERED_COUNTS = program(
    COUNTS_MAIN,
    APP,
    MODELS,
    ORDERS,
    RESET,
    GET_DB,
    """
    async def counts(session: AsyncSession, a, b) -> tuple[int, int]:
        return await asyncio.gather(
            session.scalar(select(func.count()).select_from(a)),
            session.scalar(select(func.count()).select_from(b)),
        )
    """,
)

# The change GL201 asks for: one session per task (the rule's VALID example).
GL201_A_SESSION_PER_TASK = program(
    COUNTS_MAIN.replace("counts(db, User, Order)", "counts(User, Order)"),
    APP,
    MODELS,
    ORDERS,
    RESET,
    GET_DB,
    """
    async def count(model) -> int:
        async with Sessions() as session:
            return await session.scalar(select(func.count()).select_from(model))


    async def counts(a, b) -> list[int]:
        return await asyncio.gather(count(a), count(b))
    """,
)

# GL201: a route gathers a query with the commit of the row it just flushed, then two requests read the users.
COMMIT_MAIN = """
@app.get("/users")
async def names(db: AsyncSession = Depends(get_db)) -> list[str]:
    return list(await db.scalars(select(User.name).order_by(User.id)))


async def main() -> None:
    await reset(engine)
    async with client() as http:
        created = await send(http.post("/users", params={"name": "ada"}))
        later = [await send(http.get("/users")) for _ in range(2)]
    await engine.dispose()
    print(json.dumps({"created": created, "later": later, "stored": await stored()}))


asyncio.run(main())
"""

GL201_GATHERED_COMMIT = program(
    COMMIT_MAIN,
    APP,
    MODELS,
    RESET,
    STORED,
    GET_DB,
    """
    @app.post("/users")
    async def create_user(name: str, db: AsyncSession = Depends(get_db)) -> dict:
        user = User(name=name)
        db.add(user)
        await db.flush()
        total, _ = await asyncio.gather(db.scalar(select(func.count()).select_from(User)), db.commit())
        return {"id": user.id, "users": total}
    """,
)

# The change GL201 asks for here: the operations awaited one after another.
GL201_SEQUENTIAL_COMMIT = program(
    COMMIT_MAIN,
    APP,
    MODELS,
    RESET,
    STORED,
    GET_DB,
    """
    @app.post("/users")
    async def create_user(name: str, db: AsyncSession = Depends(get_db)) -> dict:
        user = User(name=name)
        db.add(user)
        await db.flush()
        await db.commit()
        total = await db.scalar(select(func.count()).select_from(User))
        return {"id": user.id, "users": total}
    """,
)

# GL205, the rule's INVALID example: a module-level session, two concurrent requests to `/count`.
COUNT_MAIN = """
async def main() -> None:
    await reset(engine, "ada", "grace")
    async with client() as http:
        concurrent = await asyncio.gather(send(http.get("/count")), send(http.get("/count")))
    await engine.dispose()
    print(json.dumps({"concurrent": concurrent}))


asyncio.run(main())
"""

GL205_SHARED_COUNT = program(
    COUNT_MAIN,
    APP,
    MODELS,
    RESET,
    """
    session = Sessions()


    @app.get("/count")
    async def count() -> int:
        total = await session.scalar(select(func.count()).select_from(User))
        await session.commit()
        return total
    """,
)

# The change GL205 asks for: a session per request, from a dependency.
GL205_COUNT_PER_REQUEST = program(
    COUNT_MAIN,
    APP,
    MODELS,
    RESET,
    GET_DB,
    """
    @app.get("/count")
    async def count(db: AsyncSession = Depends(get_db)) -> int:
        total = await db.scalar(select(func.count()).select_from(User))
        await db.commit()
        return total
    """,
)

# GL205: `/users` flushes a new user and awaits the mail service before it commits; `/import` is handled (and
# rolls back) meanwhile: the mail service answers once it has been. Then `/names` reads the users, and the program
# counts the connections still checked out of the pool.
ROLLBACK_MAIN = """
sending = asyncio.Event()
answered = asyncio.Event()


async def welcome(user: User) -> None:
    sending.set()
    await answered.wait()


async def main() -> None:
    await reset(engine)
    async with client() as http:
        creating = asyncio.create_task(send(http.post("/users", params={"name": "ada"})))
        await sending.wait()
        imported = await send(http.post("/import", json=["bob", "bob"]))
        answered.set()
        created = await creating
        names = await send(http.get("/names"))
        checked_out = engine.pool.checkedout()
    await engine.dispose()
    outcome = {"created": created, "imported": imported, "names": names, "checked_out": checked_out}
    print(json.dumps({**outcome, "stored": await stored()}))


asyncio.run(main())
"""

GL205_SHARED_ROLLBACK = program(
    ROLLBACK_MAIN,
    APP,
    MODELS,
    RESET,
    STORED,
    """
    session = Sessions()


    @app.post("/users")
    async def create_user(name: str) -> dict:
        user = User(name=name)
        session.add(user)
        await session.flush()
        await welcome(user)
        await session.commit()
        return {"id": user.id}


    @app.post("/import")
    async def import_users(names: list[str]) -> dict:
        session.add_all([User(name=name) for name in names])
        if len(set(names)) < len(names):
            await session.rollback()
            raise HTTPException(status_code=422, detail="duplicate names")
        await session.commit()
        return {"imported": len(names)}


    @app.get("/names")
    async def read_names() -> list[str]:
        return list(await session.scalars(select(User.name).order_by(User.id)))
    """,
)

# The change GL205 asks for: a session per request, from a dependency.
GL205_ROLLBACK_PER_REQUEST = program(
    ROLLBACK_MAIN,
    APP,
    MODELS,
    RESET,
    STORED,
    GET_DB,
    """
    @app.post("/users")
    async def create_user(name: str, db: AsyncSession = Depends(get_db)) -> dict:
        user = User(name=name)
        db.add(user)
        await db.flush()
        await welcome(user)
        await db.commit()
        return {"id": user.id}


    @app.post("/import")
    async def import_users(names: list[str], db: AsyncSession = Depends(get_db)) -> dict:
        db.add_all([User(name=name) for name in names])
        if len(set(names)) < len(names):
            await db.rollback()
            raise HTTPException(status_code=422, detail="duplicate names")
        await db.commit()
        return {"imported": len(names)}


    @app.get("/names")
    async def read_names(db: AsyncSession = Depends(get_db)) -> list[str]:
        return list(await db.scalars(select(User.name).order_by(User.id)))
    """,
)
