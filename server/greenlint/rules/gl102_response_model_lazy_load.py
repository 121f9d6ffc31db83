"""GL102 response-model-lazy-load."""

from __future__ import annotations

from collections.abc import Iterator

from greenlint.core.finding import Applicability, Fix, Report, Severity
from greenlint.core.fixer import FixBuilder
from greenlint.rules.base import Rule, RuleContext, Verified, invalid, valid
from greenlint.rules.loading import (
    MISSING_GREENLET,
    add_loader_options,
    defined_in,
    member_related,
    origin_label,
    path_relationships,
    relationship_label,
)
from greenlint.semantics.models import Relationship
from greenlint.semantics.orm_state import UnloadedResponse

# Where tests/runtime establishes `verified` (test_verified.py checks the reference).
RUNTIME_TEST = "test_implicit_io.py::test_gl102_response_model_lazy_load_answers_500"


class ResponseModelLazyLoad(Rule):
    code = "GL102"
    name = "response-model-lazy-load"
    severity = Severity.ERROR
    summary = "A route returns ORM instances to a response model that reads a relationship their query did not load."
    needles = ("await", "async ")
    explanation = """
FastAPI validates a route's return value against its response model (`response_model=` on the decorator,
else the return annotation), reading every field from the ORM instances. A field that is a lazy relationship
(`lazy="select"`, the default) not loaded by the query is loaded by that read: implicit IO, which raises
`MissingGreenlet` under `AsyncSession`. FastAPI reports it as a `ResponseValidationError` and the client gets
**HTTP 500**, after the route's own code ran to the end (its writes may be committed). The validation error is a
`get_attribute_error` per field: `Error extracting attribute: MissingGreenlet: greenlet_spawn has not been
called…` (SQLAlchemy 2.1 with aiosqlite: `StatementError: (sqlalchemy.exc.MissingGreenlet) …` and the SQL).

greenlint follows nested response models too (`books: list[BookOut]`, where `BookOut` reads `Book.author`).
It reports at the `return` when it knows the statement that loaded what is returned, and stays silent when
the relationship is eager by default, loaded by an option, or the origin is unknown.
"""
    fix_description = """
Adds `selectinload(...)` options for every relationship the response model reads to the statement that loads
the instances (chained for nested models). Safe.
"""
    verified = (
        Verified(
            "`response_model=list[AuthorOut]` route",
            "`/authors` answers HTTP `500`: `ResponseValidationError`, a `get_attribute_error` for each "
            "author's `books` (the lazy load raised `MissingGreenlet`).",
            "`select(Author).options(selectinload(Author.books))`: HTTP `200` with each author's books.",
            RUNTIME_TEST,
        ),
        Verified(
            "route annotated `-> AuthorOut` returning `await db.get(Author, author_id)`",
            "`/authors/2` answers HTTP `500` the same way.",
            "`options=[selectinload(Author.books)]` on the `get`: HTTP `200`.",
            RUNTIME_TEST,
        ),
        Verified(
            "the error, SQLAlchemy 2.0",
            "With either driver each `get_attribute_error` quotes `MissingGreenlet`: "
            "`greenlet_spawn has not been called; can't call await_only() here`.",
            "both routes answer `200`, with nothing on stderr.",
            RUNTIME_TEST,
            sqlalchemy=("2.0",),
        ),
        Verified(
            "the error, SQLAlchemy 2.1",
            "With asyncpg each `get_attribute_error` quotes `MissingGreenlet` "
            "(`greenlet_spawn has not been called; can't call await_() here`); with aiosqlite a `StatementError` "
            "quoting `(sqlalchemy.exc.MissingGreenlet)` and the SQL.",
            "both routes answer `200`, with nothing on stderr.",
            RUNTIME_TEST,
            sqlalchemy=("2.1",),
        ),
    )
    examples = (
        invalid(
            """
            from fastapi import Depends, FastAPI
            from pydantic import BaseModel
            from sqlalchemy import ForeignKey, select
            from sqlalchemy.ext.asyncio import AsyncSession
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

            app = FastAPI()


            class Base(DeclarativeBase):
                pass


            class Author(Base):
                __tablename__ = "authors"
                id: Mapped[int] = mapped_column(primary_key=True)
                name: Mapped[str]
                books: Mapped[list["Book"]] = relationship()


            class Book(Base):
                __tablename__ = "books"
                id: Mapped[int] = mapped_column(primary_key=True)
                title: Mapped[str]
                author_id: Mapped[int] = mapped_column(ForeignKey("authors.id"))


            class BookOut(BaseModel):
                title: str


            class AuthorOut(BaseModel):
                name: str
                books: list[BookOut]


            async def get_db() -> AsyncSession: ...


            @app.get("/authors", response_model=list[AuthorOut])
            async def authors(db: AsyncSession = Depends(get_db)):
                found = await db.scalars(select(Author).order_by(Author.name))
                return found.all()  # expect: GL102


            @app.get("/authors/{author_id}")
            async def author(author_id: int, db: AsyncSession = Depends(get_db)) -> AuthorOut:
                return await db.get(Author, author_id)  # expect: GL102
            """,
            fixed="""
            from fastapi import Depends, FastAPI
            from pydantic import BaseModel
            from sqlalchemy import ForeignKey, select
            from sqlalchemy.ext.asyncio import AsyncSession
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, selectinload

            app = FastAPI()


            class Base(DeclarativeBase):
                pass


            class Author(Base):
                __tablename__ = "authors"
                id: Mapped[int] = mapped_column(primary_key=True)
                name: Mapped[str]
                books: Mapped[list["Book"]] = relationship()


            class Book(Base):
                __tablename__ = "books"
                id: Mapped[int] = mapped_column(primary_key=True)
                title: Mapped[str]
                author_id: Mapped[int] = mapped_column(ForeignKey("authors.id"))


            class BookOut(BaseModel):
                title: str


            class AuthorOut(BaseModel):
                name: str
                books: list[BookOut]


            async def get_db() -> AsyncSession: ...


            @app.get("/authors", response_model=list[AuthorOut])
            async def authors(db: AsyncSession = Depends(get_db)):
                found = await db.scalars(select(Author).options(selectinload(Author.books)).order_by(Author.name))
                return found.all()  # expect: GL102


            @app.get("/authors/{author_id}")
            async def author(author_id: int, db: AsyncSession = Depends(get_db)) -> AuthorOut:
                return await db.get(Author, author_id, options=[selectinload(Author.books)])  # expect: GL102
            """,
        ),
        valid(
            """
            from fastapi import FastAPI
            from pydantic import BaseModel
            from sqlalchemy import ForeignKey, select
            from sqlalchemy.ext.asyncio import AsyncSession
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, selectinload

            app = FastAPI()


            class Base(DeclarativeBase):
                pass


            class Author(Base):
                __tablename__ = "authors"
                id: Mapped[int] = mapped_column(primary_key=True)
                name: Mapped[str]
                books: Mapped[list["Book"]] = relationship()


            class Book(Base):
                __tablename__ = "books"
                id: Mapped[int] = mapped_column(primary_key=True)
                title: Mapped[str]
                author_id: Mapped[int] = mapped_column(ForeignKey("authors.id"))


            class AuthorName(BaseModel):
                name: str


            class AuthorOut(AuthorName):
                books: list[str]


            @app.get("/names", response_model=list[AuthorName])
            async def names(db: AsyncSession):
                return (await db.scalars(select(Author))).all()


            @app.get("/authors/{author_id}", response_model=AuthorOut)
            async def author(author_id: int, db: AsyncSession):
                return await db.get(Author, author_id, options=[selectinload(Author.books)])


            @app.get("/raw")
            async def raw(db: AsyncSession) -> dict:
                author = await db.get(Author, 1)
                return {"name": author.name}
            """
        ),
    )

    def check(self, context: RuleContext) -> Iterator[Report]:
        for response in context.orm.responses:
            yield self._report(response, context)

    def _report(self, response: UnloadedResponse, context: RuleContext) -> Report:
        first_path, first = response.missing[0]
        more = f" (and {len(response.missing) - 1} more)" if len(response.missing) > 1 else ""
        schema = response.schema.definition.fact.name
        message = (
            f"the response model `{schema}`{defined_in(response.schema.definition)} reads `{'.'.join(first_path)}`"
            f"{more}, but {relationship_label(first)}{defined_in(first.owner)} "
            f'(lazy="{first.lazy}") is not loaded by {origin_label(response.origin)}: serializing the response '
            f"loads it with IO, which raises {MISSING_GREENLET} and FastAPI answers HTTP 500; load it in the query"
        )
        related = member_related(context, f"{relationship_label(first)} is defined here", first.owner, first.name)
        related += member_related(context, f"the response model `{schema}`", response.schema.definition, None)
        paths = [path_relationships(context, response.origin.model, path) for path, _ in response.missing]
        fix: Fix | None = None
        if response.origin.producer is not None and all(steps is not None for steps in paths):
            origin = response.origin
            chosen: list[list[Relationship]] = [steps for steps in paths if steps is not None]

            def build(builder: FixBuilder) -> None:
                add_loader_options(builder, origin, chosen)

            fix = Fix(
                "Load the relationships the response model reads",
                Applicability.SAFE,
                build,
                key=(
                    "loader",
                    id(origin.producer.call if origin.producer else None),
                    tuple(p for p, _ in response.missing),
                ),
            )
        return self.report(response.node, message, fix=fix, related=related)
