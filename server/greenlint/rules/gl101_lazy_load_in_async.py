"""GL101 lazy-load-in-async."""

from __future__ import annotations

from collections.abc import Iterator

from greenlint.core.finding import Applicability, Fix, Report, Severity
from greenlint.core.fixer import FixBuilder
from greenlint.rules.base import Rule, RuleContext, Verified, invalid, valid
from greenlint.rules.common import snippet
from greenlint.rules.loading import (
    MISSING_GREENLET,
    add_loader_options,
    awaitable_attribute,
    defined_in,
    member_related,
    missing_greenlet_by_version,
    origin_label,
    path_relationships,
    relationship_label,
)
from greenlint.semantics.orm_state import LazyRead

# Where tests/runtime establishes `verified` (test_verified.py checks the reference).
RUNTIME_TEST = "test_implicit_io.py::test_gl101_lazy_relationship_reads_raise_missing_greenlet"


class LazyLoadInAsync(Rule):
    code = "GL101"
    name = "lazy-load-in-async"
    severity = Severity.ERROR
    summary = "A lazy relationship is read in async code on an instance whose query did not load it."
    needles = ("await", "async ")
    explanation = """
A relationship with the default loader strategy (`lazy="select"`) is loaded the first time it is read: the
attribute access runs a SELECT. Under `AsyncSession` that implicit IO cannot happen, because attribute access
cannot be awaited: the read raises `sqlalchemy.exc.MissingGreenlet: greenlet_spawn has not been called`.
SQLAlchemy 2.1 with aiosqlite raises it wrapped in `StatementError`, which quotes the SQL it could not run;
asyncpg, and SQLAlchemy 2.0 with either driver, raise `MissingGreenlet` itself. One-to-many collections always
raise; many-to-one raises unless the related object happens to be in the session's identity map.

greenlint reports the read when it knows where the instance came from in the same function:
`await session.get(Model, ...)`, `await session.execute(select(Model)...)` then `.scalars()` /
`.scalar_one()` ..., `await session.scalars(...)`, iteration over those, the relationships of such
instances, a workspace helper that returns one of these, or `await session.refresh(obj)` (which loads no
lazy relationship). It stays silent when the statement carries a loader option for that path
(`selectinload`, `joinedload`, `subqueryload`, `immediateload`, `contains_eager`, chained or nested), when
the relationship is eager by default (`lazy="selectin"`, `"joined"` ...), when it is read through
`awaitable_attrs`, and whenever it cannot see the origin (options passed as a variable, a parameter of
unknown provenance).
"""
    fix_description = """
Adds `.options(selectinload(Model.rel))` to the `select()` that loads the instance (or
`options=[selectinload(Model.rel)]` to `session.get`), chaining `.selectinload(...)` for nested paths and
importing what it needs. Safe: the relationship is loaded by one more SELECT with the query. When the model
has the `AsyncAttrs` mixin, the editor also offers `await obj.awaitable_attrs.rel`.
"""
    verified = (
        Verified(
            "one-to-many: `author.books` of an author from `await db.get(Author, author_id)`",
            "Reading `author.books` raises `MissingGreenlet` (`greenlet_spawn has not been called`; wrapped in "
            "`StatementError` on 2.1 with aiosqlite).",
            '`options=[selectinload(Author.books)]` on the `get` loads them: `["Emma", "Persuasion"]`.',
            RUNTIME_TEST,
        ),
        Verified(
            "many-to-one: `book.author` over `result.scalars()`",
            "The first `book.author` raises `MissingGreenlet` the same way: the author is not in the identity map.",
            '`select(Book).options(selectinload(Book.author))` loads the authors: `["Herbert", "Austen", "Austen"]`.',
            RUNTIME_TEST,
        ),
        *missing_greenlet_by_version(RUNTIME_TEST),
    )
    examples = (
        invalid(
            """
            from sqlalchemy import ForeignKey, select
            from sqlalchemy.ext.asyncio import AsyncSession
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


            class Base(DeclarativeBase):
                pass


            class Author(Base):
                __tablename__ = "authors"
                id: Mapped[int] = mapped_column(primary_key=True)
                books: Mapped[list["Book"]] = relationship(back_populates="author")


            class Book(Base):
                __tablename__ = "books"
                id: Mapped[int] = mapped_column(primary_key=True)
                title: Mapped[str]
                author_id: Mapped[int] = mapped_column(ForeignKey("authors.id"))
                author: Mapped[Author] = relationship(back_populates="books")


            async def titles(db: AsyncSession, author_id: int) -> list[str]:
                author = await db.get(Author, author_id)
                return [book.title for book in author.books]  # expect: GL101


            async def authors_of(db: AsyncSession) -> list[str]:
                result = await db.execute(select(Book).order_by(Book.title))
                return [book.author.name for book in result.scalars()]  # expect: GL101
            """,
            fixed="""
            from sqlalchemy import ForeignKey, select
            from sqlalchemy.ext.asyncio import AsyncSession
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, selectinload


            class Base(DeclarativeBase):
                pass


            class Author(Base):
                __tablename__ = "authors"
                id: Mapped[int] = mapped_column(primary_key=True)
                books: Mapped[list["Book"]] = relationship(back_populates="author")


            class Book(Base):
                __tablename__ = "books"
                id: Mapped[int] = mapped_column(primary_key=True)
                title: Mapped[str]
                author_id: Mapped[int] = mapped_column(ForeignKey("authors.id"))
                author: Mapped[Author] = relationship(back_populates="books")


            async def titles(db: AsyncSession, author_id: int) -> list[str]:
                author = await db.get(Author, author_id, options=[selectinload(Author.books)])
                return [book.title for book in author.books]  # expect: GL101


            async def authors_of(db: AsyncSession) -> list[str]:
                result = await db.execute(select(Book).options(selectinload(Book.author)).order_by(Book.title))
                return [book.author.name for book in result.scalars()]  # expect: GL101
            """,
        ),
        invalid(
            """
            from sqlalchemy import ForeignKey, select
            from sqlalchemy.ext.asyncio import AsyncAttrs, AsyncSession
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, selectinload


            class Base(AsyncAttrs, DeclarativeBase):
                pass


            class Customer(Base):
                __tablename__ = "customers"
                id: Mapped[int] = mapped_column(primary_key=True)
                orders: Mapped[list["Order"]] = relationship()


            class Order(Base):
                __tablename__ = "orders"
                id: Mapped[int] = mapped_column(primary_key=True)
                customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
                lines: Mapped[list["Line"]] = relationship()


            class Line(Base):
                __tablename__ = "lines"
                id: Mapped[int] = mapped_column(primary_key=True)
                order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))


            async def line_count(db: AsyncSession, customer_id: int) -> int:
                stmt = select(Customer).where(Customer.id == customer_id).options(selectinload(Customer.orders))
                customer = (await db.execute(stmt)).scalar_one()
                return sum(len(order.lines) for order in customer.orders)  # expect: GL101
            """,
            fixed="""
            from sqlalchemy import ForeignKey, select
            from sqlalchemy.ext.asyncio import AsyncAttrs, AsyncSession
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, selectinload


            class Base(AsyncAttrs, DeclarativeBase):
                pass


            class Customer(Base):
                __tablename__ = "customers"
                id: Mapped[int] = mapped_column(primary_key=True)
                orders: Mapped[list["Order"]] = relationship()


            class Order(Base):
                __tablename__ = "orders"
                id: Mapped[int] = mapped_column(primary_key=True)
                customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
                lines: Mapped[list["Line"]] = relationship()


            class Line(Base):
                __tablename__ = "lines"
                id: Mapped[int] = mapped_column(primary_key=True)
                order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))


            async def line_count(db: AsyncSession, customer_id: int) -> int:
                stmt = select(Customer).options(selectinload(Customer.orders).selectinload(Order.lines)).where(Customer.id == customer_id).options(selectinload(Customer.orders))
                customer = (await db.execute(stmt)).scalar_one()
                return sum(len(order.lines) for order in customer.orders)  # expect: GL101
            """,
        ),
        valid(
            """
            from sqlalchemy import ForeignKey, select
            from sqlalchemy.ext.asyncio import AsyncAttrs, AsyncSession
            from sqlalchemy.orm import DeclarativeBase, Mapped, joinedload, mapped_column, relationship


            class Base(AsyncAttrs, DeclarativeBase):
                pass


            class Team(Base):
                __tablename__ = "teams"
                id: Mapped[int] = mapped_column(primary_key=True)
                members: Mapped[list["Member"]] = relationship(lazy="selectin")
                owner_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
                owner: Mapped["Member"] = relationship(foreign_keys=[owner_id])


            class Member(Base):
                __tablename__ = "members"
                id: Mapped[int] = mapped_column(primary_key=True)
                team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
                team: Mapped[Team] = relationship(foreign_keys=[team_id])


            async def names(db: AsyncSession, team_id: int) -> list[str]:
                team = await db.get(Team, team_id)
                return [member.name for member in team.members]


            async def owner(db: AsyncSession, team_id: int, options) -> str:
                team = (await db.scalars(select(Team).options(*options))).one()
                return team.owner.name


            async def teams(db: AsyncSession) -> list[str]:
                members = await db.scalars(select(Member).options(joinedload(Member.team)))
                return [member.team.name for member in members.unique()]


            async def team_of(db: AsyncSession, member_id: int) -> str:
                member = await db.get(Member, member_id)
                team = await member.awaitable_attrs.team
                return team.name


            def sync_names(team) -> list[str]:
                return [member.name for member in team.members]


            async def unknown(member) -> str:
                return member.team.name
            """
        ),
    )

    def check(self, context: RuleContext) -> Iterator[Report]:
        for read in context.orm.lazy_reads:
            yield self._report(read, context)

    def _report(self, read: LazyRead, context: RuleContext) -> Report:
        relationship = read.relationship
        path = (*read.objects.path, relationship.name)
        message = (
            f"`{snippet(read.node)}` lazy-loads {relationship_label(relationship)}{defined_in(relationship.owner)} "
            f'(lazy="{relationship.lazy}") on '
            f"an instance loaded by {origin_label(read.objects.origin)} without a loader option for it: the "
            f"implicit IO raises {MISSING_GREENLET} in async code; add `selectinload(...)` to the query"
        )
        related = member_related(
            context, f"{relationship_label(relationship)} is defined here", relationship.owner, relationship.name
        )
        steps = path_relationships(context, read.objects.origin.model, path)
        fix: Fix | None = None
        if read.objects.origin.producer is not None and steps is not None:
            origin = read.objects.origin

            def build(builder: FixBuilder) -> None:
                add_loader_options(builder, origin, [steps])

            fix = Fix(
                f"Load {relationship_label(relationship)} with selectinload",
                Applicability.SAFE,
                build,
                key=("loader", id(origin.producer.call if origin.producer else None), path),
            )
        alternatives: list[Fix] = []
        if read.owner.async_attrs and not read.in_generator:
            node = read.node

            def build_awaitable(builder: FixBuilder) -> None:
                builder.rewrite(node, awaitable_attribute, key="awaitable_attrs")

            alternatives.append(
                Fix(
                    f"Load it with `await {snippet(node.value, 20)}.awaitable_attrs.{relationship.name}`",
                    Applicability.SAFE,
                    build_awaitable,
                    key=("awaitable_attrs", id(node)),
                )
            )
        return self.report(read.node, message, fix=fix, related=related, alternatives=alternatives)
