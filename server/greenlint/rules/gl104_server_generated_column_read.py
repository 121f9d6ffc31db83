"""GL104 server-generated-column-read."""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from greenlint.core.finding import Applicability, Fix, Report, Severity
from greenlint.core.fixer import FixBuilder
from greenlint.rules.base import Rule, RuleContext, Verified, invalid, valid
from greenlint.rules.common import snippet
from greenlint.rules.loading import (
    MISSING_GREENLET,
    defined_in,
    member_related,
    missing_greenlet_by_version,
    refresh_statement,
)
from greenlint.semantics.orm_state import StaleRead

# Where tests/runtime establishes `verified` (test_verified.py checks the reference).
RUNTIME_TEST = "test_implicit_io.py::test_gl104_onupdate_and_deferred_columns_raise_missing_greenlet"


class ServerGeneratedColumnRead(Rule):
    code = "GL104"
    name = "server-generated-column-read"
    severity = Severity.ERROR
    summary = "A column the database computes on UPDATE, or a deferred column, is read without being loaded."
    needles = ("await", "async ")
    explanation = """
When a flush UPDATEs a row, a column whose new value the database computes (`server_onupdate=...`, or
`onupdate=` with a SQL expression such as `func.now()`) is left expired on the instance: SQLAlchemy does not
fetch it back unless the mapper has `eager_defaults=True`. A column mapped with `deferred=True` (or
`deferred(...)`) is not loaded by queries at all unless they `undefer()` it. Reading either one loads it with
IO, which raises `MissingGreenlet` under `AsyncSession` (SQLAlchemy 2.1 with aiosqlite wraps it in
`StatementError`, which quotes the SQL; asyncpg, and SQLAlchemy 2.0, raise it bare). (`onupdate=` with a Python
callable is computed before the UPDATE and stays loaded; `server_default` values are fetched after an INSERT in
SQLAlchemy 2.x.)

greenlint reports a read of such a column on an instance that was changed and then flushed or committed
(`await session.flush()` / `commit()`), and a read of a deferred column on an instance loaded without
`undefer`, until a `refresh` of it.
"""
    fix_description = """
Inserts `await session.refresh(obj, ["column"])` before the statement that reads it. Safe: one SELECT.
"""
    verified = (
        Verified(
            "`onupdate=func.now()` column after `await db.flush()`",
            "Reading `page.updated_at` after a flush that UPDATEd the row raises `MissingGreenlet` (wrapped in "
            "`StatementError` on 2.1 with aiosqlite).",
            '`await db.refresh(page, ["updated_at"])` first: the timestamp the database wrote.',
            RUNTIME_TEST,
        ),
        Verified(
            "`deferred=True` column after `await db.get(Page, page_id)`",
            "Reading `page.body` raises `MissingGreenlet` the same way.",
            '`await db.refresh(page, ["body"])` first: `"Welcome"`.',
            RUNTIME_TEST,
        ),
        *missing_greenlet_by_version(RUNTIME_TEST),
    )
    examples = (
        invalid(
            """
            from datetime import datetime

            from sqlalchemy import DateTime, Text, func
            from sqlalchemy.ext.asyncio import AsyncSession
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class Page(Base):
                __tablename__ = "pages"
                id: Mapped[int] = mapped_column(primary_key=True)
                title: Mapped[str]
                body: Mapped[str] = mapped_column(Text, deferred=True)
                updated_at: Mapped[datetime] = mapped_column(DateTime, onupdate=func.now())


            async def retitle(db: AsyncSession, page_id: int, title: str) -> datetime:
                page = await db.get(Page, page_id)
                page.title = title
                await db.flush()
                return page.updated_at  # expect: GL104


            async def body(db: AsyncSession, page_id: int) -> str:
                page = await db.get(Page, page_id)
                if page.body:  # expect: GL104
                    return page.body
                return ""
            """,
            fixed="""
            from datetime import datetime

            from sqlalchemy import DateTime, Text, func
            from sqlalchemy.ext.asyncio import AsyncSession
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class Page(Base):
                __tablename__ = "pages"
                id: Mapped[int] = mapped_column(primary_key=True)
                title: Mapped[str]
                body: Mapped[str] = mapped_column(Text, deferred=True)
                updated_at: Mapped[datetime] = mapped_column(DateTime, onupdate=func.now())


            async def retitle(db: AsyncSession, page_id: int, title: str) -> datetime:
                page = await db.get(Page, page_id)
                page.title = title
                await db.flush()
                await db.refresh(page, ["updated_at"])
                return page.updated_at  # expect: GL104


            async def body(db: AsyncSession, page_id: int) -> str:
                page = await db.get(Page, page_id)
                await db.refresh(page, ["body"])
                if page.body:  # expect: GL104
                    return page.body
                return ""
            """,
        ),
        valid(
            """
            from datetime import datetime

            from sqlalchemy import DateTime, Text, func, select
            from sqlalchemy.ext.asyncio import AsyncSession
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, undefer


            class Base(DeclarativeBase):
                pass


            class Page(Base):
                __tablename__ = "pages"
                id: Mapped[int] = mapped_column(primary_key=True)
                title: Mapped[str]
                body: Mapped[str] = mapped_column(Text, deferred=True)
                updated_at: Mapped[datetime] = mapped_column(DateTime, onupdate=func.now())
                touched_at: Mapped[datetime] = mapped_column(DateTime, onupdate=datetime.now)


            class Fetching(Base):
                __tablename__ = "fetching"
                __mapper_args__ = {"eager_defaults": True}
                id: Mapped[int] = mapped_column(primary_key=True)
                updated_at: Mapped[datetime] = mapped_column(DateTime, onupdate=func.now())


            async def retitle(db: AsyncSession, page_id: int, title: str) -> datetime:
                page = await db.get(Page, page_id)
                page.title = title
                await db.flush()
                await db.refresh(page, ["updated_at"])
                return max(page.updated_at, page.touched_at)


            async def before_flush(db: AsyncSession, page_id: int) -> datetime:
                page = await db.get(Page, page_id)
                stamp = page.updated_at
                page.title = "x"
                await db.flush()
                return stamp


            async def body(db: AsyncSession, page_id: int) -> str:
                page = (await db.scalars(select(Page).options(undefer(Page.body)).where(Page.id == page_id))).one()
                return page.body


            async def eager(db: AsyncSession, row_id: int) -> datetime:
                row = await db.get(Fetching, row_id)
                row.id = row_id
                await db.flush()
                return row.updated_at
            """
        ),
    )

    def check(self, context: RuleContext) -> Iterator[Report]:
        for read in context.orm.stale_reads:
            yield self._report(read, context)

    def _report(self, read: StaleRead, context: RuleContext) -> Report:
        column = read.column.fact.name
        label = f"`{read.model.name}.{column}`{defined_in(read.column.owner)}"
        if read.deferred:
            why = f"{label} is a deferred column and the query that loaded `{snippet(read.node.value)}` did not undefer it"
        else:
            event = read.state.stale_by
            flush = f"`await {snippet(event, 30)}`" if event is not None else "the flush"
            why = (
                f"{label} is computed by the database on UPDATE and {flush} left it unloaded after writing the changes"
            )
        message = f"`{snippet(read.node)}`: {why}; reading it loads it with IO, which raises {MISSING_GREENLET}; refresh it first"
        related = member_related(context, f"{label} is defined here", read.column.owner, column)
        return self.report(read.node, message, fix=self._fix(read), related=related)

    @staticmethod
    def _fix(read: StaleRead) -> Fix | None:
        statement, session = read.statement, read.state.session
        receiver = read.node.value
        if statement is None or session is None or not session.key or not isinstance(receiver, cst.Name):
            return None
        if not isinstance(statement, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
            return None
        variable, column = receiver.value, read.column.fact.name
        new = refresh_statement(session.key, variable, [column])

        def build(builder: FixBuilder) -> None:
            builder.insert(statement, new, before=True, key=("refresh", variable, column))

        return Fix(
            f"Refresh `{variable}.{column}` before reading it",
            Applicability.SAFE,
            build,
            key=("refresh-column", id(statement), variable, column),
        )
