"""Small real programs, one per rule, that show each rule's bug at runtime (SQLite through aiosqlite).

Each program prints one JSON line with what it observed. They are run in a subprocess, as written and after
greenlint's own fixes, by test_sqlite_outcomes.py.
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

SEED = """
import sqlite3

seed = sqlite3.connect("app.db")
seed.execute("CREATE TABLE IF NOT EXISTS users (id INTEGER PRIMARY KEY, name VARCHAR(50))")
seed.execute("INSERT INTO users (name) VALUES ('ada')")
seed.commit()
seed.close()
"""

# Two concurrent requests to a route whose query sleeps SLOW seconds in SQLite (a Python function).
CONCURRENT_REQUESTS = """
import asyncio
import json
import time

import httpx
from sqlalchemy import event


def _slow(seconds):
    time.sleep(seconds)
    return seconds


event.listen(getattr(engine, "sync_engine", engine), "connect", lambda conn, _: conn.create_function("slow", 1, _slow))


async def _measure():
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        started = time.perf_counter()
        responses = await asyncio.gather(client.get("/slow"), client.get("/slow"))
        elapsed = time.perf_counter() - started
    print(json.dumps({"status": [r.status_code for r in responses], "seconds": elapsed}))


asyncio.run(_measure())
"""

SLOW = 0.4


def program(body: str, *parts: str) -> str:
    return "\n".join(textwrap.dedent(part).strip("\n") + "\n" for part in (*parts, body))


GL002_LOST_COMMIT = program(
    """
    import asyncio
    import json
    import sqlite3

    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

    engine = create_async_engine("sqlite+aiosqlite:///./app.db")
    Sessions = async_sessionmaker(engine, expire_on_commit=False)


    async def create_user(db: AsyncSession, name: str) -> None:
        db.add(User(name=name))
        db.commit()


    async def main() -> None:
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        async with Sessions() as db:
            await create_user(db, "ada")
        await engine.dispose()


    asyncio.run(main())
    rows = sqlite3.connect("app.db").execute("SELECT count(*) FROM users").fetchone()[0]
    print(json.dumps({"rows": rows}))
    """,
    MODELS,
)

GL004_QUERY = program(
    """
    import asyncio
    import json

    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

    engine = create_async_engine("sqlite+aiosqlite:///./app.db")
    Sessions = async_sessionmaker(engine, expire_on_commit=False)


    async def names(db: AsyncSession) -> list[str]:
        return [user.name for user in db.query(User).order_by(User.name).all()]


    async def main() -> None:
        async with Sessions() as db:
            try:
                print(json.dumps({"names": await names(db)}))
            except Exception as error:
                print(json.dumps({"error": type(error).__name__, "message": str(error)}))
        await engine.dispose()


    asyncio.run(main())
    """,
    SEED,
    MODELS,
)

GL005_AWAIT_IN_DEF = program(
    """
    import asyncio
    import json

    from sqlalchemy import select
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

    engine = create_async_engine("sqlite+aiosqlite:///./app.db")
    Sessions = async_sessionmaker(engine, expire_on_commit=False)


    def first_name(db: AsyncSession) -> str:
        return (await db.scalars(select(User.name))).first()


    async def main() -> None:
        async with Sessions() as db:
            print(json.dumps({"name": await first_name(db)}))
        await engine.dispose()


    asyncio.run(main())
    """,
    SEED,
    MODELS,
)

GL006_SYNC_DRIVER = program(
    """
    import asyncio
    import json

    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    try:
        engine = create_async_engine("sqlite:///./app.db")
    except Exception as error:
        print(json.dumps({"error": type(error).__name__, "message": str(error)}))
        raise SystemExit(0)


    async def main() -> None:
        async with engine.connect() as conn:
            print(json.dumps({"value": (await conn.execute(text("SELECT 1"))).scalar()}))
        await engine.dispose()


    asyncio.run(main())
    """
)

GL007_ASYNC_DRIVER = program(
    """
    import json

    from sqlalchemy import create_engine, text


    def check_database() -> None:
        engine = create_engine("sqlite+aiosqlite:///./app.db")
        try:
            with engine.connect() as conn:
                print(json.dumps({"value": conn.execute(text("SELECT 1")).scalar()}))
        except Exception as error:
            print(json.dumps({"error": type(error).__name__, "message": str(error)}))


    check_database()
    """
)

GL003_ANNOTATION = program(
    """
    import asyncio
    import json

    import httpx
    from fastapi import Depends, FastAPI
    from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
    from sqlalchemy.orm import Session

    engine = create_async_engine("sqlite+aiosqlite:///./app.db")
    Sessions = async_sessionmaker(engine, expire_on_commit=False)
    app = FastAPI()


    async def get_db():
        async with Sessions() as db:
            yield db


    @app.get("/kind")
    async def kind(db: Session = Depends(get_db)) -> str:
        return type(db).__name__


    async def main() -> None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            response = await client.get("/kind")
        print(json.dumps({"status": response.status_code, "kind": response.json()}))


    asyncio.run(main())
    """
)

BLOCKING_APP = f"""
from fastapi import Depends, FastAPI
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session, sessionmaker

engine = create_engine("sqlite:///./app.db")
SessionLocal = sessionmaker(bind=engine)
app = FastAPI()


def get_db():
    with SessionLocal() as db:
        yield db


@app.get("/slow")
async def slow_route(db: Session = Depends(get_db)) -> float:
    return db.execute(text("SELECT slow({SLOW})")).scalar()
"""

GL008_BLOCKING = program(CONCURRENT_REQUESTS, BLOCKING_APP)
GL001_SYNC_ENGINE = GL008_BLOCKING
