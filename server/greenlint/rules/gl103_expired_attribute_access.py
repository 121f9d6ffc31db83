"""GL103 expired-attribute-access."""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from greenlint.core.finding import Applicability, ExternalEdit, Fix, Report, Severity
from greenlint.core.fixer import FixBuilder
from greenlint.rules.base import Rule, RuleContext, Verified, invalid, valid
from greenlint.rules.common import snippet
from greenlint.rules.loading import (
    MISSING_GREENLET,
    factory_label,
    factory_related,
    missing_greenlet_by_version,
    refresh_statement,
)
from greenlint.semantics.infer import argument
from greenlint.semantics.orm_state import ExpiredRead
from greenlint.semantics.values import Value

# Where tests/runtime establishes `verified` (test_verified.py checks the reference).
RUNTIME_TEST = "test_implicit_io.py::test_gl103_reads_after_commit_and_rollback_raise_missing_greenlet"
ROUTE_TEST = "test_implicit_io.py::test_gl103_expired_response_answers_500_although_committed"


class ExpiredAttributeAccess(Rule):
    code = "GL103"
    name = "expired-attribute-access"
    severity = Severity.ERROR
    summary = "An attribute is read after commit() or rollback() expired the instance."
    needles = ("await", "async ")
    explanation = """
`await session.commit()` (or the end of an `async with session.begin():` block) expires every instance of the
session when the session's factory has
`expire_on_commit=True`, the default of `async_sessionmaker`, `sessionmaker(class_=AsyncSession)` and
`AsyncSession(engine)`. `await session.rollback()` expires every loaded instance whatever `expire_on_commit`
says. The next read of any attribute, even the primary key, reloads the row: implicit IO that raises
`MissingGreenlet` under `AsyncSession` (SQLAlchemy 2.1 with aiosqlite wraps it in `StatementError`, which quotes
the SQL; asyncpg, and SQLAlchemy 2.0, raise it bare). A route that returns such an instance to a response model
fails while FastAPI serializes it: **HTTP 500, although the row was committed**.

greenlint reports the first read of each expired instance after the commit or rollback (instances loaded
from the session or added to it in the same function), and the `return` of one to a response model; a
`refresh` in between clears it.
"""
    fix_description = """
Inserts `await session.refresh(obj)` right after the commit (safe: one SELECT reloads the row). The editor
also offers `expire_on_commit=False` on the session factory, in the module that creates it (the code action
edits that file): unsafe, since it changes what every session of that factory does after a commit.
"""
    verified = (
        Verified(
            "read after `await db.commit()`, `async_sessionmaker(engine)`",
            "Reading `note.id` after `await db.commit()` raises `MissingGreenlet` (wrapped in `StatementError` on 2.1 "
            "with aiosqlite), although the row is committed.",
            '`await db.refresh(note)` after the commit: `{"id": 1, "text": "hello"}`.',
            RUNTIME_TEST,
        ),
        Verified(
            "read after an `async with db.begin():` block",
            "The commit at the end of the block expires the note: `note.id` raises `MissingGreenlet` the same way.",
            "`await db.refresh(note)` after the block: the id, `2`.",
            RUNTIME_TEST,
        ),
        Verified(
            "read after `await db.rollback()`, session with `expire_on_commit=False`",
            "The rollback expires the note all the same: `note.text` raises `MissingGreenlet`.",
            '`await db.refresh(note)` after the rollback: the stored `"hello"`, not the discarded `"changed"`.',
            RUNTIME_TEST,
        ),
        Verified(
            "route returning the committed note to `response_model=NoteOut`",
            "HTTP `500` (`ResponseValidationError`, a `get_attribute_error` on `id` and `text`), although the "
            'note is committed: `[[1, "hello"]]`.',
            '`await db.refresh(note)` after the commit: HTTP `200`, `{"id": 1, "text": "hello"}`.',
            ROUTE_TEST,
        ),
        *missing_greenlet_by_version(RUNTIME_TEST),
    )
    examples = (
        invalid(
            """
            from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

            engine = create_async_engine("sqlite+aiosqlite:///notes.db")
            Sessions = async_sessionmaker(engine)


            class Base(DeclarativeBase):
                pass


            class Note(Base):
                __tablename__ = "notes"
                id: Mapped[int] = mapped_column(primary_key=True)
                text: Mapped[str]


            async def create_note(text: str) -> dict:
                async with Sessions() as db:
                    note = Note(text=text)
                    db.add(note)
                    await db.commit()
                    return {"id": note.id, "text": note.text}  # expect: GL103


            async def rename(note_id: int, text: str) -> int:
                async with Sessions() as db:
                    note = await db.get(Note, note_id)
                    note.text = text
                    try:
                        await db.commit()
                    except Exception:
                        await db.rollback()
                        raise
                    return note.id  # expect: GL103
            """,
            fixed="""
            from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

            engine = create_async_engine("sqlite+aiosqlite:///notes.db")
            Sessions = async_sessionmaker(engine)


            class Base(DeclarativeBase):
                pass


            class Note(Base):
                __tablename__ = "notes"
                id: Mapped[int] = mapped_column(primary_key=True)
                text: Mapped[str]


            async def create_note(text: str) -> dict:
                async with Sessions() as db:
                    note = Note(text=text)
                    db.add(note)
                    await db.commit()
                    await db.refresh(note)
                    return {"id": note.id, "text": note.text}  # expect: GL103


            async def rename(note_id: int, text: str) -> int:
                async with Sessions() as db:
                    note = await db.get(Note, note_id)
                    note.text = text
                    try:
                        await db.commit()
                        await db.refresh(note)
                    except Exception:
                        await db.rollback()
                        raise
                    return note.id  # expect: GL103
            """,
        ),
        invalid(
            """
            from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

            Sessions = async_sessionmaker(create_async_engine("sqlite+aiosqlite:///notes.db"))


            class Base(DeclarativeBase):
                pass


            class Note(Base):
                __tablename__ = "notes"
                id: Mapped[int] = mapped_column(primary_key=True)
                text: Mapped[str]


            async def create(text: str) -> int:
                async with Sessions() as db:
                    note = Note(text=text)
                    async with db.begin():
                        db.add(note)
                    return note.id  # expect: GL103
            """,
            fixed="""
            from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

            Sessions = async_sessionmaker(create_async_engine("sqlite+aiosqlite:///notes.db"))


            class Base(DeclarativeBase):
                pass


            class Note(Base):
                __tablename__ = "notes"
                id: Mapped[int] = mapped_column(primary_key=True)
                text: Mapped[str]


            async def create(text: str) -> int:
                async with Sessions() as db:
                    note = Note(text=text)
                    async with db.begin():
                        db.add(note)
                    await db.refresh(note)
                    return note.id  # expect: GL103
            """,
        ),
        valid(
            """
            from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

            engine = create_async_engine("sqlite+aiosqlite:///notes.db")
            Sessions = async_sessionmaker(engine)
            Keeping = async_sessionmaker(engine, expire_on_commit=False)


            class Base(DeclarativeBase):
                pass


            class Note(Base):
                __tablename__ = "notes"
                id: Mapped[int] = mapped_column(primary_key=True)
                text: Mapped[str]


            async def refreshed(text: str) -> int:
                async with Sessions() as db:
                    note = Note(text=text)
                    db.add(note)
                    await db.commit()
                    await db.refresh(note)
                    return note.id


            async def kept(text: str) -> int:
                async with Keeping() as db:
                    note = Note(text=text)
                    db.add(note)
                    await db.commit()
                    return note.id


            async def read_first(db: AsyncSession, note_id: int) -> str:
                note = await db.get(Note, note_id)
                text = note.text
                await db.commit()
                return text


            async def not_added(text: str) -> str:
                async with Sessions() as db:
                    note = Note(text=text)
                    await db.commit()
                    return note.text
            """
        ),
    )

    def check(self, context: RuleContext) -> Iterator[Report]:
        for read in context.orm.expired_reads:
            yield self._report(read, context)

    def _report(self, read: ExpiredRead, context: RuleContext) -> Report:
        state = read.state
        event = state.expired_by
        assert event is not None
        method = event.func.attr.value if isinstance(event.func, cst.Attribute) else "commit"
        session = state.session
        value = session.value if session is not None else None
        label = f"`await {snippet(event, 30)}`"
        if method == "begin":  # the end of `async with session.begin():` commits
            label, method = f"the commit at the end of `async with {snippet(event, 30)}`", "commit"
        if method == "rollback":
            why = f"{label} expired it (a rollback expires every loaded instance)"
        elif method == "expire":
            why = f"{label} expired it"
        else:
            factory = factory_label(value, context)
            why = f"{label} expired it ({factory} has expire_on_commit=True{_default_note(value)})"
        owner = read.model.name
        if read.attribute is not None:
            message = (
                f"`{snippet(read.node)}` is read after {why}: reading {owner}.{read.attribute} reloads the row "
                f"with IO, which raises {MISSING_GREENLET}; refresh it after the {method}"
            )
        else:
            message = (
                f"the `{owner}` returned here is expired ({why}): serializing it for the response model reloads it "
                f"with IO, which raises {MISSING_GREENLET}, and FastAPI answers HTTP 500 although the {method} "
                f"succeeded; refresh it after the {method}"
            )
        alternatives = [fix] if (fix := self._factory_fix(value, method)) is not None else []
        return self.report(
            read.node,
            message,
            fix=self._refresh_fix(read, method),
            related=factory_related(value),
            alternatives=alternatives,
        )

    @staticmethod
    def _refresh_fix(read: ExpiredRead, event: str) -> Fix | None:
        state = read.state
        statement, variable, session = state.expired_statement, state.expired_variable, state.session
        if not isinstance(statement, (cst.SimpleStatementLine, cst.With)) or variable is None or session is None:
            return None
        if not session.key or session.node is None:
            return None
        new = refresh_statement(session.key, variable)

        def build(builder: FixBuilder) -> None:
            builder.insert(statement, new, before=False, key=("refresh", variable))

        return Fix(
            f"Refresh `{variable}` after the {event}",
            Applicability.SAFE,
            build,
            key=("refresh", id(statement), variable),
        )

    @staticmethod
    def _factory_fix(value: Value | None, method: str) -> Fix | None:
        """`expire_on_commit=False` on the factory (or session): here, or in the module that creates it."""
        if value is None or method != "commit":
            return None
        creator = value.factory or value
        message = "Set expire_on_commit=False on the session factory (changes every session it makes)"
        call = creator.origin
        if isinstance(call, cst.Call):
            if argument(call, 99, "expire_on_commit") is not None:
                return None

            def build(builder: FixBuilder) -> None:
                builder.rewrite(call, _without_expiry, key="expire_on_commit")

            return Fix(message, Applicability.UNSAFE, build, key=("expire_on_commit", id(call)))
        place = creator.place
        if place is None or place.name is None:
            return None
        name = place.name
        external = ExternalEdit(place.path, lambda text: _factory_without_expiry(text, name))
        return Fix(message, Applicability.UNSAFE, lambda _: None, key=("expire_on_commit", place), external=external)


def _without_expiry(node: cst.CSTNode) -> cst.CSTNode:
    """A factory call with `expire_on_commit=False` (added, or replacing the value it had)."""
    assert isinstance(node, cst.Call)
    args = [arg for arg in node.args if not (arg.keyword is not None and arg.keyword.value == "expire_on_commit")]
    if args and args[-1].comma != cst.MaybeSentinel.DEFAULT:
        args[-1] = args[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    equal = cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace(""))
    return node.with_changes(args=[*args, cst.Arg(cst.Name("False"), cst.Name("expire_on_commit"), equal=equal)])


def _factory_without_expiry(text: str, name: str) -> str:
    """The text of the factory's module with `expire_on_commit=False` on `name = factory(...)`."""
    try:
        module = cst.parse_module(text)
    except (cst.ParserSyntaxError, RecursionError, ValueError):
        return text
    body = list(module.body)
    for index, statement in enumerate(body):
        if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
            continue
        small = statement.body[0]
        targets = [t.target for t in small.targets] if isinstance(small, cst.Assign) else []
        if isinstance(small, cst.AnnAssign):
            targets = [small.target]
        value = small.value if isinstance(small, (cst.Assign, cst.AnnAssign)) else None
        if isinstance(value, cst.Call) and any(isinstance(t, cst.Name) and t.value == name for t in targets):
            changed = small.with_changes(value=_without_expiry(value))
            body[index] = statement.with_changes(body=[changed])
            return module.with_changes(body=body).code
    return text


def _default_note(value: Value | None) -> str:
    creator = (value.factory or value) if value is not None else None
    if creator is not None and isinstance(creator.origin, cst.Call):
        return "" if argument(creator.origin, 99, "expire_on_commit") is not None else ", the default"
    return ""
