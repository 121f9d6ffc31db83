"""Small real programs for GL001-GL008 (engines, drivers, awaits), run by test_engines_and_awaits.py.

They are written against SQLite (`sqlite+aiosqlite:///app.db`, `sqlite:///app.db`); `Database.program` points
them at PostgreSQL. Each one recreates its tables with SQLAlchemy (`reset`), so the buggy run and the fixed run
can share one database, and prints one JSON line with what it observed. `MODELS` and `program` are shared with
the other runtime programs.
"""

from __future__ import annotations

import textwrap

MODELS = """
from sqlalchemy import String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
"""

# `await reset(engine, "ada")`: the users table, recreated with these users (after MODELS).
RESET = """
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine


async def reset(engine: AsyncEngine, *names: str) -> None:
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.drop_all)
        await conn.run_sync(Base.metadata.create_all)
        if names:
            await conn.execute(insert(User), [{"name": name} for name in names])
"""

# `stored()`: the users' names as a new engine and connection read them, after the program's engine is disposed.
STORED = """
from sqlalchemy import create_engine, text


def stored() -> list[str]:
    fresh = create_engine("sqlite:///app.db")
    with fresh.connect() as conn:
        names = list(conn.scalars(text("SELECT name FROM users ORDER BY name")))
    fresh.dispose()
    return names
"""

# `client(app)`: an HTTP client for the app; an exception in a route is an HTTP 500 whose body names it.
CLIENT = """
import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse


async def _error(request: Request, error: Exception) -> JSONResponse:
    return JSONResponse({"error": type(error).__name__, "message": str(error)}, status_code=500)


def client(app: FastAPI) -> httpx.AsyncClient:
    app.add_exception_handler(Exception, _error)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://test")


def answer(response: httpx.Response) -> dict:
    return {"status": response.status_code, "body": response.json()}
"""


def program(body: str, *parts: str) -> str:
    """The parts, then the body, as one module."""
    return "\n".join(textwrap.dedent(part).strip("\n") + "\n" for part in (*parts, body))


# GL002, the rule's first INVALID example as routes: a commit and a `scalars()` that are never awaited.
GL002_UNAWAITED = program(
    """
    import asyncio
    import json

    from fastapi import Depends, FastAPI
    from sqlalchemy import select
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

    engine = create_async_engine("sqlite+aiosqlite:///app.db")
    Sessions = async_sessionmaker(engine, expire_on_commit=False)
    app = FastAPI()


    async def get_db():
        async with Sessions() as db:
            yield db


    @app.post("/users")
    async def create_user(name: str, db: AsyncSession = Depends(get_db)) -> dict[str, str]:
        db.add(User(name=name))
        db.commit()
        return {"created": name}


    @app.get("/users")
    async def names(db: AsyncSession = Depends(get_db)) -> list[str]:
        return db.scalars(select(User.name).order_by(User.name)).all()


    async def main() -> dict:
        await reset(engine)
        async with client(app) as http:
            created = await http.post("/users", params={"name": "ada"})
            listed = await http.get("/users")
        await engine.dispose()
        return {"post": answer(created), "get": answer(listed)}


    print(json.dumps({**asyncio.run(main()), "stored": stored()}))
    """,
    MODELS,
    RESET,
    STORED,
    CLIENT,
)

# GL003: a route annotated `Session` whose dependency yields an AsyncSession.
GL003_ANNOTATION = program(
    """
    import asyncio
    import json

    from fastapi import Depends, FastAPI
    from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
    from sqlalchemy.orm import Session

    engine = create_async_engine("sqlite+aiosqlite:///app.db")
    Sessions = async_sessionmaker(engine, expire_on_commit=False)
    app = FastAPI()


    async def get_db():
        async with Sessions() as db:
            yield db


    @app.get("/kind")
    async def kind(db: Session = Depends(get_db)) -> str:
        return type(db).__name__


    async def main() -> dict:
        async with client(app) as http:
            response = await http.get("/kind")
        await engine.dispose()
        return answer(response)


    print(json.dumps(asyncio.run(main())))
    """,
    CLIENT,
)

# GL004: `db.query(...)` on the AsyncSession of a route.
GL004_QUERY = program(
    """
    import asyncio
    import json

    from fastapi import Depends, FastAPI
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

    engine = create_async_engine("sqlite+aiosqlite:///app.db")
    Sessions = async_sessionmaker(engine, expire_on_commit=False)
    app = FastAPI()


    async def get_db():
        async with Sessions() as db:
            yield db


    @app.get("/names")
    async def names(db: AsyncSession = Depends(get_db)) -> list[str]:
        return [user.name for user in db.query(User).order_by(User.name).all()]


    async def main() -> dict:
        await reset(engine, "grace", "ada")
        async with client(app) as http:
            response = await http.get("/names")
        await engine.dispose()
        return answer(response)


    print(json.dumps(asyncio.run(main())))
    """,
    MODELS,
    RESET,
    CLIENT,
)

# GL005: `await` inside a plain `def`.
GL005_AWAIT_IN_DEF = program(
    """
    import asyncio
    import json

    from sqlalchemy import select
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

    engine = create_async_engine("sqlite+aiosqlite:///app.db")
    Sessions = async_sessionmaker(engine, expire_on_commit=False)


    def first_name(db: AsyncSession) -> str:
        return (await db.scalars(select(User.name))).first()


    async def main() -> None:
        await reset(engine, "ada")
        async with Sessions() as db:
            print(json.dumps({"name": await first_name(db)}))
        await engine.dispose()


    asyncio.run(main())
    """,
    MODELS,
    RESET,
)

# GL006: create_async_engine given a sync driver (the test puts the URL under examination in place of the literal).
GL006_SYNC_DRIVER = program(
    """
    import asyncio
    import json

    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    try:
        engine = create_async_engine("sqlite:///app.db")
    except Exception as error:
        print(json.dumps({"error": type(error).__name__, "message": str(error)}))
        raise SystemExit(0)


    async def main() -> dict:
        async with engine.connect() as conn:
            value = (await conn.execute(text("SELECT 1"))).scalar()
        await engine.dispose()
        return {"driver": engine.dialect.driver, "value": value}


    print(json.dumps(asyncio.run(main())))
    """
)

# GL007, the rule's INVALID example: Alembic's sync `run_migrations_online` given the app's async URL.
GL007_ASYNC_DRIVER = program(
    """
    import json

    from sqlalchemy import create_engine, pool

    DATABASE_URL = "sqlite+aiosqlite:///app.db"


    def run_migrations_online() -> dict:
        connectable = create_engine(DATABASE_URL, poolclass=pool.NullPool)
        try:
            with connectable.connect() as connection:
                value = connection.exec_driver_sql("SELECT 1").scalar()
        except Exception as error:
            return {"error": type(error).__name__, "message": str(error)}
        return {"driver": connectable.dialect.driver, "value": value}


    print(json.dumps(run_migrations_online()))
    """
)

SLOW = 0.4

# GL001 / GL008, GL001's INVALID example with a query that sleeps SLOW seconds (a Python function registered on
# SQLite, pg_sleep on PostgreSQL); it prints how long two concurrent requests take.
BLOCKING_APP = program(
    f"""
    import asyncio
    import json
    import time

    from fastapi import Depends, FastAPI
    from sqlalchemy import create_engine, event, text
    from sqlalchemy.orm import sessionmaker

    DATABASE_URL = "sqlite:///app.db"
    engine = create_engine(DATABASE_URL)
    SessionLocal = sessionmaker(autocommit=False, autoflush=False, bind=engine)
    app = FastAPI()


    def _sleep(seconds: float) -> float:
        time.sleep(seconds)
        return seconds


    if engine.dialect.name == "sqlite":
        sync_engine = getattr(engine, "sync_engine", engine)
        event.listen(sync_engine, "connect", lambda conn, _: conn.create_function("sleep", 1, _sleep))
        SLOW_QUERY = text("SELECT sleep({SLOW})")
    else:
        SLOW_QUERY = text("SELECT pg_sleep({SLOW})")


    async def get_db():
        db = SessionLocal()
        try:
            yield db
        finally:
            db.close()


    @app.get("/slow")
    async def slow(db=Depends(get_db)) -> str:
        db.execute(SLOW_QUERY)
        return "done"


    async def main() -> dict:
        async with client(app) as http:
            await http.get("/slow")  # a first request connects, and builds what FastAPI builds once
            started = time.perf_counter()
            responses = await asyncio.gather(http.get("/slow"), http.get("/slow"))
            elapsed = time.perf_counter() - started
        return {{"status": [response.status_code for response in responses], "seconds": elapsed}}


    print(json.dumps(asyncio.run(main())))
    """,
    CLIENT,
)
