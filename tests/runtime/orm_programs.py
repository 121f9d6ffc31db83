"""Small real programs for the implicit-IO rules GL101-GL104 (SQLite through aiosqlite).

Each program creates its tables with `Base.metadata.create_all`, seeds rows with Core inserts (no ORM instance,
so nothing for greenlint to report there), runs the buggy code and prints one JSON line with what it observed.
An error is printed by `observed(error)`: its type, whether it is (or wraps) `MissingGreenlet` (SQLAlchemy 2.1
with aiosqlite raises `StatementError` whose `.orig` is `MissingGreenlet`; 2.0 raises `MissingGreenlet`) and
its message. test_implicit_io.py runs them as written and after greenlint's own fixes.
"""

from __future__ import annotations

from programs import program

# How an error is reported in a program's JSON line.
OBSERVED = """
from sqlalchemy.exc import MissingGreenlet


def observed(error: BaseException) -> dict:
    cause = getattr(error, "orig", None)
    return {
        "error": type(error).__name__,
        "orig": type(cause).__name__ if cause is not None else None,
        "missing_greenlet": isinstance(error, MissingGreenlet) or isinstance(cause, MissingGreenlet),
        "message": str(error),
    }
"""

LIBRARY = """
from sqlalchemy import ForeignKey, String, insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

engine = create_async_engine("sqlite+aiosqlite:///app.db")
Sessions = async_sessionmaker(engine, expire_on_commit=False)


class Base(DeclarativeBase):
    pass


class Author(Base):
    __tablename__ = "authors"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    books: Mapped[list["Book"]] = relationship(back_populates="author")


class Book(Base):
    __tablename__ = "books"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(50))
    author_id: Mapped[int] = mapped_column(ForeignKey("authors.id"))
    author: Mapped[Author] = relationship(back_populates="books")


async def seed() -> None:
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
        await conn.execute(insert(Author), [{"id": 1, "name": "Austen"}, {"id": 2, "name": "Herbert"}])
        books = [("Emma", 1), ("Persuasion", 1), ("Dune", 2)]
        await conn.execute(insert(Book), [{"title": title, "author_id": author} for title, author in books])
"""

# GL101: a lazy one-to-many read on `await db.get(...)`, and a lazy many-to-one read over `result.scalars()`
# (each in a fresh session, so the authors are not in the identity map).
GL101_LAZY_LOAD = program(
    """
    import asyncio
    import json


    async def titles(db: AsyncSession, author_id: int) -> list[str]:
        author = await db.get(Author, author_id)
        return sorted(book.title for book in author.books)


    async def authors_of(db: AsyncSession) -> list[str]:
        result = await db.execute(select(Book).order_by(Book.title))
        return [book.author.name for book in result.scalars()]


    async def attempt(read) -> object:
        async with Sessions() as db:
            try:
                return await read(db)
            except Exception as error:
                return observed(error)


    async def main() -> None:
        await seed()
        one_to_many = await attempt(lambda db: titles(db, 1))
        many_to_one = await attempt(authors_of)
        await engine.dispose()
        print(json.dumps({"one_to_many": one_to_many, "many_to_one": many_to_one}))


    asyncio.run(main())
    """,
    LIBRARY,
    OBSERVED,
)

# Calls the program's `app` through httpx.ASGITransport(raise_app_exceptions=False): the status the client gets,
# and what the app raised (recorded by a wrapper around it), with a ResponseValidationError's errors.
CLIENT = """
import httpx
from fastapi.exceptions import ResponseValidationError


async def call(method: str, url: str, **params) -> dict:
    raised = []

    async def recording(scope, receive, send):
        try:
            await app(scope, receive, send)
        except Exception as error:
            raised.append(error)
            raise

    transport = httpx.ASGITransport(app=recording, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.request(method, url, params=params)
    outcome = {"status": response.status_code}
    if response.status_code == 200:
        outcome["body"] = response.json()
    for error in raised:
        outcome["raised"] = type(error).__name__
        if isinstance(error, ResponseValidationError):
            outcome["errors"] = [{"type": e["type"], "loc": list(e["loc"]), "msg": e["msg"]} for e in error.errors()]
        else:
            outcome["message"] = str(error)
    return outcome
"""

# GL102: a route whose response model reads `Author.books`, returning authors whose query did not load them.
GL102_RESPONSE_MODEL = program(
    """
    import asyncio
    import json

    from fastapi import Depends, FastAPI
    from pydantic import BaseModel

    app = FastAPI()


    class BookOut(BaseModel):
        title: str


    class AuthorOut(BaseModel):
        name: str
        books: list[BookOut]


    async def get_db():
        async with Sessions() as db:
            yield db


    @app.get("/authors", response_model=list[AuthorOut])
    async def authors(db: AsyncSession = Depends(get_db)):
        found = await db.scalars(select(Author).order_by(Author.name))
        return found.all()


    async def main() -> None:
        await seed()
        outcome = await call("GET", "/authors")
        await engine.dispose()
        print(json.dumps(outcome))


    asyncio.run(main())
    """,
    LIBRARY,
    CLIENT,
)

NOTES = """
from sqlalchemy import String
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

engine = create_async_engine("sqlite+aiosqlite:///app.db")
Sessions = async_sessionmaker(engine)


class Base(DeclarativeBase):
    pass


class Note(Base):
    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(String(50))


async def create_tables() -> None:
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
"""

# GL103: the default `async_sessionmaker(engine)` expires on commit; reading the new note's id reloads it.
GL103_EXPIRED_READ = program(
    """
    import asyncio
    import json


    async def create_note(text: str) -> dict:
        async with Sessions() as db:
            note = Note(text=text)
            db.add(note)
            await db.commit()
            return {"id": note.id, "text": note.text}


    async def main() -> None:
        await create_tables()
        try:
            outcome = {"note": await create_note("hello")}
        except Exception as error:
            outcome = observed(error)
        await engine.dispose()
        print(json.dumps(outcome))


    asyncio.run(main())
    """,
    NOTES,
    OBSERVED,
)

# GL103 through a transaction block: leaving `async with db.begin():` commits, and expires the note.
GL103_EXPIRED_AFTER_BEGIN = program(
    """
    import asyncio
    import json


    async def create_note(text: str) -> dict:
        async with Sessions() as db:
            note = Note(text=text)
            async with db.begin():
                db.add(note)
            return {"id": note.id, "text": note.text}


    async def main() -> None:
        await create_tables()
        try:
            outcome = {"note": await create_note("hello")}
        except Exception as error:
            outcome = observed(error)
        await engine.dispose()
        print(json.dumps(outcome))


    asyncio.run(main())
    """,
    NOTES,
    OBSERVED,
)

# GL103 in a route: the committed, expired note is returned to a response model. The program then reads the
# table through a fresh sqlite3 connection.
GL103_EXPIRED_RESPONSE = program(
    """
    import asyncio
    import json
    import sqlite3

    from fastapi import Depends, FastAPI
    from pydantic import BaseModel

    app = FastAPI()


    class NoteOut(BaseModel):
        id: int
        text: str


    async def get_db():
        async with Sessions() as db:
            yield db


    @app.post("/notes", response_model=NoteOut)
    async def create_note(text: str, db: AsyncSession = Depends(get_db)):
        note = Note(text=text)
        db.add(note)
        await db.commit()
        return note


    async def main() -> None:
        await create_tables()
        outcome = await call("POST", "/notes", text="hello")
        await engine.dispose()
        outcome["rows"] = [list(row) for row in sqlite3.connect("app.db").execute("SELECT id, text FROM notes")]
        print(json.dumps(outcome))


    asyncio.run(main())
    """,
    NOTES,
    CLIENT,
)

PAGES = """
from datetime import datetime

from sqlalchemy import DateTime, String, Text, func, insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

engine = create_async_engine("sqlite+aiosqlite:///app.db")
Sessions = async_sessionmaker(engine, expire_on_commit=False)
SEEDED = datetime(2000, 1, 1)


class Base(DeclarativeBase):
    pass


class Page(Base):
    __tablename__ = "pages"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(50))
    body: Mapped[str] = mapped_column(Text, deferred=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime, onupdate=func.now())


async def seed() -> None:
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
        await conn.execute(insert(Page), [{"id": 1, "title": "Home", "body": "Welcome", "updated_at": SEEDED}])
"""

# GL104: the `onupdate=func.now()` column after a flush that UPDATEd the row, and a deferred column after get.
GL104_SERVER_GENERATED = program(
    """
    import asyncio
    import json


    async def retitle(db: AsyncSession, page_id: int, title: str) -> str:
        page = await db.get(Page, page_id)
        page.title = title
        await db.flush()
        stamp = page.updated_at
        return stamp.isoformat()


    async def body(db: AsyncSession, page_id: int) -> str:
        page = await db.get(Page, page_id)
        text = page.body
        return text


    async def attempt(read) -> object:
        async with Sessions() as db:
            try:
                return await read(db)
            except Exception as error:
                return observed(error)


    async def main() -> None:
        await seed()
        updated = await attempt(lambda db: retitle(db, 1, "Start"))
        deferred = await attempt(lambda db: body(db, 1))
        await engine.dispose()
        print(json.dumps({"onupdate": updated, "deferred": deferred}))


    asyncio.run(main())
    """,
    PAGES,
    OBSERVED,
)
