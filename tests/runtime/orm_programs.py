"""Small real programs for the implicit-IO rules GL101-GL104, run by test_implicit_io.py as written and after
greenlint's own fixes.

They are written against SQLite (`sqlite+aiosqlite:///app.db`; `Database.program` points them at PostgreSQL
through asyncpg). Each program recreates its tables (`drop_all` + `create_all`, so a broken and a fixed run can
share one database), seeds rows with Core inserts (no ORM instance, so nothing for greenlint to report there),
runs the buggy code and prints one JSON line with what it observed. An error is printed by `observed(error)`:
its type, the type of the error it wraps (`.orig`), whether either is `MissingGreenlet`, and its message.
"""

from __future__ import annotations

import textwrap


def program(body: str, *parts: str) -> str:
    """The text of a program: the shared `parts`, then `body`, each dedented."""
    return "\n".join(textwrap.dedent(part).strip("\n") + "\n" for part in (*parts, body))


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
        await conn.run_sync(Base.metadata.drop_all)
        await conn.run_sync(Base.metadata.create_all)
        await conn.execute(insert(Author), [{"id": 1, "name": "Austen"}, {"id": 2, "name": "Herbert"}])
        books = [("Emma", 1), ("Persuasion", 1), ("Dune", 2)]
        await conn.execute(insert(Book), [{"title": title, "author_id": author} for title, author in books])
"""

# GL101 (its INVALID example): a lazy one-to-many read on `await db.get(...)`, and a lazy many-to-one read over
# `result.scalars()` (each in a fresh session, so the authors are not in the identity map).
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

# GL101 and `refresh`: a plain `refresh(obj)` loads again what the instance's loader options loaded (the author
# renamed, committed and refreshed still has its books), but expires a relationship that only a named
# `refresh(obj, ["books"])` loaded: the read after the plain refresh is a lazy load.
GL101_REFRESH = program(
    """
    import asyncio
    import json

    from sqlalchemy.orm import selectinload


    async def rename(db: AsyncSession, author_id: int) -> list[str]:
        author = await db.get(Author, author_id, options=[selectinload(Author.books)])
        author.name = "Jane Austen"
        await db.commit()
        await db.refresh(author)
        return sorted(book.title for book in author.books)


    async def count_twice(db: AsyncSession, author_id: int) -> int:
        author = await db.get(Author, author_id)
        await db.refresh(author, ["books"])
        count = len(author.books)
        await db.refresh(author)
        return count + len(author.books)


    async def attempt(read) -> object:
        async with Sessions() as db:
            try:
                return await read(db)
            except Exception as error:
                return observed(error)


    async def main() -> None:
        await seed()
        outcome = {
            "options": await attempt(lambda db: rename(db, 1)),
            "named": await attempt(lambda db: count_twice(db, 1)),
        }
        await engine.dispose()
        print(json.dumps(outcome))


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

# GL102 (its INVALID example): response models that read `Author.books`, given authors whose query did not load
# them: a list through `response_model=`, one author through the return annotation.
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


    @app.get("/authors/{author_id}")
    async def author(author_id: int, db: AsyncSession = Depends(get_db)) -> AuthorOut:
        return await db.get(Author, author_id)


    async def main() -> None:
        await seed()
        outcome = {"list": await call("GET", "/authors"), "one": await call("GET", "/authors/2")}
        await engine.dispose()
        print(json.dumps(outcome))


    asyncio.run(main())
    """,
    LIBRARY,
    CLIENT,
)

NOTES = """
from sqlalchemy import String, select
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
        await conn.run_sync(Base.metadata.drop_all)
        await conn.run_sync(Base.metadata.create_all)


async def stored() -> list[list]:
    \"\"\"The notes as a new connection reads them.\"\"\"
    await engine.dispose()
    async with engine.connect() as conn:
        rows = await conn.execute(select(Note.id, Note.text).order_by(Note.id))
        return [list(row) for row in rows]
"""

# GL103 (its INVALID examples): the default `async_sessionmaker(engine)` expires on commit, and so does the end of
# an `async with db.begin():` block; reading the new note's id then reloads it. A rollback expires the note loaded
# before it, even in a session with `expire_on_commit=False`.
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


    async def create(text: str) -> int:
        async with Sessions() as db:
            note = Note(text=text)
            async with db.begin():
                db.add(note)
            return note.id


    async def discard(note_id: int, text: str) -> str:
        async with Sessions(expire_on_commit=False) as db:
            note = await db.get(Note, note_id)
            note.text = text
            await db.rollback()
            return note.text


    async def attempt(work) -> object:
        try:
            return await work
        except Exception as error:
            return observed(error)


    async def main() -> None:
        await create_tables()
        outcome = {
            "commit": await attempt(create_note("hello")),
            "begin": await attempt(create("world")),
            "rollback": await attempt(discard(1, "changed")),
            "rows": await stored(),
        }
        await engine.dispose()
        print(json.dumps(outcome))


    asyncio.run(main())
    """,
    NOTES,
    OBSERVED,
)

# GL103 in a route: the committed, expired note is returned to a response model. The program then reads the
# table back through a new connection.
GL103_EXPIRED_RESPONSE = program(
    """
    import asyncio
    import json

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
        outcome["rows"] = await stored()
        await engine.dispose()
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
        await conn.run_sync(Base.metadata.drop_all)
        await conn.run_sync(Base.metadata.create_all)
        await conn.execute(insert(Page), [{"id": 1, "title": "Home", "body": "Welcome", "updated_at": SEEDED}])
"""

# GL104 (its INVALID example): the `onupdate=func.now()` column after a flush that UPDATEd the row, and a deferred
# column after `get`.
GL104_SERVER_GENERATED = program(
    """
    import asyncio
    import json


    async def retitle(db: AsyncSession, page_id: int, title: str) -> datetime:
        page = await db.get(Page, page_id)
        page.title = title
        await db.flush()
        return page.updated_at


    async def body(db: AsyncSession, page_id: int) -> str:
        page = await db.get(Page, page_id)
        if page.body:
            return page.body
        return ""


    async def attempt(read) -> object:
        async with Sessions() as db:
            try:
                value = await read(db)
            except Exception as error:
                return observed(error)
            return value.isoformat() if isinstance(value, datetime) else value


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
