"""GL002 unawaited-async-call."""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from greenlint.core.finding import Report, Severity
from greenlint.rules.awaiting import await_fix, never_awaited
from greenlint.rules.base import Rule, RuleContext, Verified, invalid, valid
from greenlint.rules.common import call_label
from greenlint.semantics.facts import CallSite, Use
from greenlint.semantics.values import Kind

_SESSION = frozenset(
    {
        "commit",
        "rollback",
        "flush",
        "refresh",
        "execute",
        "scalar",
        "scalars",
        "get",
        "get_one",
        "delete",
        "merge",
        "close",
        "invalidate",
        "reset",
        "stream",
        "stream_scalars",
        "run_sync",
        "connection",
        "exec",
    }
)
COROUTINE_METHODS: dict[Kind, frozenset[str]] = {
    Kind.ASYNC_SESSION: _SESSION,
    Kind.ASYNC_SCOPED: _SESSION | {"remove"},
    Kind.ASYNC_CONNECTION: frozenset(
        {
            "execute",
            "exec_driver_sql",
            "scalar",
            "scalars",
            "stream",
            "stream_scalars",
            "run_sync",
            "commit",
            "rollback",
            "close",
            "invalidate",
            "start",
            "get_raw_connection",
        }
    ),
    Kind.ASYNC_ENGINE: frozenset({"dispose"}),
}
_ANY_COROUTINE_METHOD = frozenset().union(*COROUTINE_METHODS.values())
_ASYNC_RESULTS = frozenset({"stream", "stream_scalars"})  # their results have coroutine methods of their own
_CONSEQUENCES = {
    "commit": "the transaction is never committed and its changes are silently lost (only a RuntimeWarning is logged)",
    "rollback": "the transaction is not rolled back",
    "flush": "nothing is flushed, so primary keys and server defaults stay unset (e.g. `obj.id` is None)",
    "refresh": "the object is not refreshed, and reading its expired attributes then raises MissingGreenlet",
    "delete": "the row is not deleted",
    "close": "the session is not closed and its connection is not returned to the pool",
    "run_sync": "the function never runs (e.g. the tables are not created)",
    "dispose": "the engine's pooled connections are not disposed",
}


class UnawaitedAsyncCall(Rule):
    code = "GL002"
    name = "unawaited-async-call"
    severity = Severity.ERROR
    needles = tuple(f".{method}(" for method in sorted(_ANY_COROUTINE_METHOD))  # the session may come from elsewhere
    summary = "A coroutine method of AsyncSession / AsyncConnection / AsyncEngine is called without `await`."
    explanation = """
Every I/O method of `AsyncSession`, `AsyncConnection`, `AsyncEngine` and `async_scoped_session` is a
coroutine function: calling it only creates a coroutine object. Nothing runs until it is awaited.

- `db.commit()` without `await`: Python logs `RuntimeWarning: coroutine 'AsyncSession.commit' was never
  awaited`, **the transaction is never committed and the row is lost**, and FastAPI still answers 200.
- `db.delete(obj)`: the row is not deleted. `db.flush()`: `obj.id` stays `None`.
- `db.execute(q).scalars()` / `db.get(...)` then an attribute: `AttributeError: 'coroutine' object has no
  attribute ...`.
- `if db.scalar(q):` a coroutine is always truthy, so the wrong branch runs.
- `conn.run_sync(Base.metadata.create_all)`: the tables are not created.

greenlint reports a call when the receiver is known to be one of these objects (an annotation, a
`Depends(...)` dependency that yields one, a factory call, `async with engine.begin() as conn` ...) and the
coroutine is certainly not awaited later: a statement, a condition, an attribute chain, an operand, an argument
of a builtin, a `return` from an `async def`, or a variable that is never awaited or handed on. Coroutines
passed to `asyncio.gather`, `create_task` or stored in a list are left alone.
"""
    fix_description = """
Inserts `await`, parenthesised where the result is dereferenced: `db.scalars(q).all()` becomes
`(await db.scalars(q)).all()`, and a misplaced `await db.scalars(q).all()` becomes `(await db.scalars(q)).all()`.
Safe. Offered only inside `async def` (in a plain `def`, make the function async first: GL005).
"""
    verified = (
        Verified(
            case="`db.commit()` without `await` in a POST route",
            outcome="FastAPI answers `200` and only logs `RuntimeWarning: coroutine 'AsyncSession.commit' was never "
            "awaited`: the row is lost (a new connection finds no row).",
            fixed="The awaited commit stores the row: the new connection reads it back.",
            test="test_engines_and_awaits.py::test_gl002_unawaited_commit_loses_the_row_behind_a_200",
        ),
        Verified(
            case="`db.scalars(query).all()` in a GET route",
            outcome="`AttributeError`: `'coroutine' object has no attribute 'all'`, an HTTP `500` (and "
            "`RuntimeWarning: coroutine 'AsyncSession.scalars' was never awaited`).",
            fixed="Awaited, `scalars` gives the names: HTTP `200`.",
            test="test_engines_and_awaits.py::test_gl002_unawaited_commit_loses_the_row_behind_a_200",
        ),
    )
    examples = (
        invalid(
            """
            from sqlalchemy.ext.asyncio import AsyncSession


            async def rename(db: AsyncSession, user, name: str) -> None:
                user.name = name
                db.commit()  # expect: GL002


            async def names(db: AsyncSession, query) -> list[str]:
                return db.scalars(query).all()  # expect: GL002
            """,
            fixed="""
            from sqlalchemy.ext.asyncio import AsyncSession


            async def rename(db: AsyncSession, user, name: str) -> None:
                user.name = name
                await db.commit()  # expect: GL002


            async def names(db: AsyncSession, query) -> list[str]:
                return (await db.scalars(query)).all()  # expect: GL002
            """,
        ),
        invalid(
            """
            from fastapi import Depends
            from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

            engine = create_async_engine("sqlite+aiosqlite:///app.db")
            Sessions = async_sessionmaker(engine, expire_on_commit=False)


            async def get_db():
                async with Sessions() as session:
                    yield session


            async def exists(item_id: int, db=Depends(get_db)) -> bool:
                if db.get(Item, item_id):  # expect: GL002
                    return True
                found = db.scalar(query)  # expect: GL002
                return found is not None


            async def first_name(db=Depends(get_db)):
                return await db.scalars(query).first()  # expect: GL002


            async def init_models() -> None:
                async with engine.begin() as conn:
                    conn.run_sync(Base.metadata.create_all)  # expect: GL002
            """,
            fixed="""
            from fastapi import Depends
            from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

            engine = create_async_engine("sqlite+aiosqlite:///app.db")
            Sessions = async_sessionmaker(engine, expire_on_commit=False)


            async def get_db():
                async with Sessions() as session:
                    yield session


            async def exists(item_id: int, db=Depends(get_db)) -> bool:
                if await db.get(Item, item_id):  # expect: GL002
                    return True
                found = await db.scalar(query)  # expect: GL002
                return found is not None


            async def first_name(db=Depends(get_db)):
                return (await db.scalars(query)).first()  # expect: GL002


            async def init_models() -> None:
                async with engine.begin() as conn:
                    await conn.run_sync(Base.metadata.create_all)  # expect: GL002
            """,
        ),
        invalid(
            """
            from sqlalchemy.ext.asyncio import AsyncSession


            def save(db: AsyncSession) -> None:
                db.commit()  # expect: GL002
            """,
        ),
        valid(
            """
            import asyncio

            from sqlalchemy.ext.asyncio import AsyncSession


            async def save(db: AsyncSession, user) -> int:
                db.add(user)
                await db.commit()
                pending = db.refresh(user)
                await pending
                return user.id


            async def counts(first: AsyncSession, second: AsyncSession, q1, q2):
                return await asyncio.gather(first.scalar(q1), second.scalar(q2))


            def later(db: AsyncSession):
                return db.commit()
            """
        ),
        valid(
            """
            import sqlite3


            async def legacy(path: str) -> None:
                db = sqlite3.connect(path)
                db.commit()


            async def unknown(session, query):
                session.execute(query)
            """
        ),
    )

    def check(self, context: RuleContext) -> Iterator[Report]:
        semantics = context.semantics
        for site in context.facts.all_calls():
            if site.receiver is None or site.use is Use.AWAITED:
                continue
            if site.name not in _ANY_COROUTINE_METHOD:
                continue
            value = semantics.value_of(site.receiver, site.scope)
            if value is None or value.is_class or site.name not in COROUTINE_METHODS.get(value.kind, ()):
                continue
            if not never_awaited(site, context):
                continue
            yield self.report(
                site.call, self._message(site, value.kind), fix=await_fix(site, site.name not in _ASYNC_RESULTS)
            )

    def _message(self, site: CallSite, kind: Kind) -> str:
        label = call_label(site)
        if site.use is Use.CONDITION:
            outcome = "a coroutine object is always truthy, so the condition never sees the result"
        elif site.use is Use.RECEIVER and isinstance(site.parent, cst.Attribute):
            attribute = site.parent.attr.value
            outcome = f"`.{attribute}` is looked up on a coroutine: AttributeError: 'coroutine' object has no attribute '{attribute}'"
        elif site.use is Use.ITERATED:
            outcome = "iterating it raises TypeError: 'coroutine' object is not iterable"
        elif site.use is Use.ASSIGNED and site.name not in _CONSEQUENCES:
            names = ", ".join(f"`{target}`" for target in site.targets)
            outcome = f"{names} holds a coroutine, not the result, and using it fails (e.g. AttributeError)"
        elif site.name in _CONSEQUENCES:
            outcome = _CONSEQUENCES[site.name]
        else:
            outcome = f"it returns a coroutine, not the result of {kind.value}.{site.name}()"
        return f"{label} is never awaited: {outcome}; add `await`"
