"""GL202 await-on-sync-method."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import libcst as cst

from greenlint.core.finding import Applicability, Fix, Report, Severity
from greenlint.core.fixer import FixBuilder
from greenlint.rules.base import Rule, RuleContext, Verified, invalid, valid
from greenlint.rules.common import call_label, without_await
from greenlint.semantics.facts import CallSite, Use
from greenlint.semantics.values import Kind


@dataclass(frozen=True)
class _Outcome:
    """What `await receiver.method(...)` does at runtime (measured on SQLAlchemy 2.1.9 and 2.0.58)."""

    outcome: str
    fixable: bool = True  # dropping the `await` gives what the code meant


def _type_error(returned: str) -> str:
    return f"raises TypeError: object {returned} can't be used in 'await' expression"


_NONE = _Outcome(_type_error("NoneType"))
_BOOL = _Outcome(_type_error("bool"))
_ADD = _Outcome(
    _type_error("NoneType") + " (the object is added, but the exception skips the commit after it: the row is lost)"
)
_SESSION_TRANSACTION = _Outcome(
    _type_error("NoneType")
    + " outside a transaction; inside one it awaits the AsyncSessionTransaction, which tries to begin another "
    "(InvalidRequestError: A transaction is already begun on this Session.)"
)
_SESSION_NESTED = _Outcome(
    _type_error("NoneType")
    + " outside a SAVEPOINT; inside one it awaits the AsyncSessionTransaction, which silently begins another "
    "SAVEPOINT"
)
_CONNECTION_TRANSACTION = _Outcome(
    _type_error("NoneType")
    + " outside a transaction; inside one it awaits the AsyncTransaction, which tries to begin another "
    "(InvalidRequestError: This connection has already initialized a SQLAlchemy Transaction() object ...)"
)
_CONNECTION_NESTED = _Outcome(
    _type_error("NoneType")
    + " outside a SAVEPOINT; inside one it awaits the AsyncTransaction, which begins another SAVEPOINT"
)

_SESSION_COMMON: dict[str, _Outcome] = {
    "add": _ADD,
    "add_all": _ADD,
    "expunge": _NONE,
    "expunge_all": _NONE,
    "expire": _NONE,
    "expire_all": _NONE,
    "is_modified": _BOOL,
    "get_bind": _Outcome(_type_error("Engine") + " (it returns the synchronous Engine)"),
    "get_async_bind": _Outcome(_type_error("AsyncEngine")),
    "identity_key": _Outcome(_type_error("tuple")),
    "object_session": _Outcome(_type_error("Session") + " (it returns the synchronous Session, or None)"),
}
# The methods of each async object that are plain functions, not coroutine functions (so not awaitable), and
# whose result is not awaitable either. `begin()` / `begin_nested()` of a session or connection, `connect()` of
# an engine and `stream()` / `stream_scalars()` of a connection return awaitables: awaiting them is legal.
SYNC_METHODS: dict[Kind, dict[str, _Outcome]] = {
    Kind.ASYNC_SESSION: {
        **_SESSION_COMMON,
        "in_transaction": _BOOL,
        "in_nested_transaction": _BOOL,
        "get_transaction": _SESSION_TRANSACTION,
        "get_nested_transaction": _SESSION_NESTED,
        "bind_mapper": _NONE,
        "bind_table": _NONE,
    },
    Kind.ASYNC_SCOPED: {**_SESSION_COMMON, "configure": _NONE},
    Kind.ASYNC_CONNECTION: {
        "in_transaction": _BOOL,
        "in_nested_transaction": _BOOL,
        "get_transaction": _CONNECTION_TRANSACTION,
        "get_nested_transaction": _CONNECTION_NESTED,
    },
    Kind.ASYNC_ENGINE: {
        "begin": _Outcome(
            _type_error("_AsyncGeneratorContextManager")
            + " (it is an async context manager: use `async with engine.begin() as conn:`)",
            fixable=False,
        ),
        "execution_options": _Outcome(_type_error("AsyncEngine")),
        "get_execution_options": _Outcome(
            "raises TypeError: object ...immutabledict can't be used in 'await' expression"
        ),
        "update_execution_options": _NONE,
        "clear_compiled_cache": _NONE,
    },
}
_CLASS_METHODS = frozenset({"identity_key", "object_session"})  # also called on the class itself
_ANY_SYNC_METHOD = frozenset(name for methods in SYNC_METHODS.values() for name in methods)


class AwaitOnSyncMethod(Rule):
    code = "GL202"
    name = "await-on-sync-method"
    severity = Severity.ERROR
    needles = ("await",)  # the session may come from another module
    summary = "`await` on a method of AsyncSession / AsyncConnection / AsyncEngine that is not a coroutine."
    explanation = """
Only the I/O methods of `AsyncSession` are coroutines (`commit`, `execute`, `get`, `refresh`, `delete`,
`flush` ...). The methods that only change or inspect the session's state in memory are plain methods that
return at once: `add`, `add_all`, `expunge`, `expunge_all`, `expire`, `expire_all`, `is_modified`,
`in_transaction`, `in_nested_transaction`, `get_transaction`, `get_nested_transaction`, `get_bind`,
`identity_key`, `object_session`, and in 2.1 `get_async_bind`, `bind_mapper`, `bind_table` (and the ones
`async_scoped_session` proxies, plus its `configure`). Awaiting their result fails:

- `await db.add(obj)`: `TypeError: object NoneType can't be used in 'await' expression`. The object *was*
  added, but the exception propagates, so the `await db.commit()` after it never runs and the session is rolled
  back when it closes: **the row is lost**, and a FastAPI route answers **HTTP 500**.
- `await db.in_transaction()`, `await db.is_modified(obj)`: `TypeError: object bool can't be used in 'await'
  expression`; `await db.get_bind()`: `object Engine can't ...` (the synchronous Engine).
- `await db.get_transaction()`: `TypeError` (NoneType) outside a transaction; inside one, the returned
  `AsyncSessionTransaction` is awaitable, and awaiting it tries to begin a new transaction:
  `InvalidRequestError: A transaction is already begun on this Session.`
  `await db.get_nested_transaction()` inside a SAVEPOINT **silently begins a second SAVEPOINT**.

The same holds for `AsyncConnection.in_transaction()`, `in_nested_transaction()`, `get_transaction()`,
`get_nested_transaction()`, and for `AsyncEngine.execution_options()`, `get_execution_options()`,
`update_execution_options()`, `clear_compiled_cache()`. `await engine.begin()` raises `TypeError: object
_AsyncGeneratorContextManager can't be used in 'await' expression`: `engine.begin()` is an async context manager.

Not reported, because their results are awaitable: `await db.begin()` / `await db.begin_nested()`
(an `AsyncSessionTransaction`), `await engine.connect()` (starts an `AsyncConnection`), `await conn.begin()`,
`await conn.stream(q)`.

Measured with SQLAlchemy 2.1.9 and 2.0.58, aiosqlite and asyncpg: all behave the same (`get_async_bind`,
`bind_mapper` and `bind_table` are new in 2.1; on 2.0, `AttributeError` with or without the `await`).
"""
    fix_description = """
Removes the `await`, keeping the call (and the await's parentheses): `await db.add(obj)` becomes `db.add(obj)`,
`ok = await db.in_transaction()` becomes `ok = db.in_transaction()`. Safe: the call already ran; only the
failing `await` goes. Not offered for `await engine.begin()`, which should become `async with engine.begin() as
conn:`.
"""
    verified = (
        Verified(
            "`await db.add(user)` before `await db.commit()` in a FastAPI route",
            "It raises `TypeError` (`object NoneType can't be used in 'await' expression`) before the commit: "
            "HTTP 500, and the row is lost.",
            '`db.add(user)`: HTTP 200 with `{"id": 1}`, and the row is stored.',
            "test_context_and_sync_methods.py::test_gl202_await_add_answers_500_and_loses_the_row",
        ),
        Verified(
            "`await db.in_transaction()`, and `await db.get_nested_transaction()` inside a SAVEPOINT",
            "The first raises `TypeError` (`object bool can't be used in 'await' expression`); the second silently "
            "begins a second SAVEPOINT.",
            "Without the `await`s: `False`, and one SAVEPOINT.",
            "test_context_and_sync_methods.py::test_gl202_awaited_inspectors_raise_or_begin_another_savepoint",
        ),
    )
    examples = (
        invalid(
            """
            from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

            engine = create_async_engine("sqlite+aiosqlite:///app.db")
            Sessions = async_sessionmaker(engine, expire_on_commit=False)


            async def create_user(db: AsyncSession, user) -> int:
                await db.add(user)  # expect: GL202
                await db.commit()
                return user.id


            async def import_users(users) -> None:
                async with Sessions() as session:
                    await session.add_all(users)  # expect: GL202
                    if not await session.in_transaction():  # expect: GL202
                        return
                    await session.commit()
                    await (session.expunge_all())  # expect: GL202
            """,
            fixed="""
            from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

            engine = create_async_engine("sqlite+aiosqlite:///app.db")
            Sessions = async_sessionmaker(engine, expire_on_commit=False)


            async def create_user(db: AsyncSession, user) -> int:
                db.add(user)  # expect: GL202
                await db.commit()
                return user.id


            async def import_users(users) -> None:
                async with Sessions() as session:
                    session.add_all(users)  # expect: GL202
                    if not session.in_transaction():  # expect: GL202
                        return
                    await session.commit()
                    (session.expunge_all())  # expect: GL202
            """,
        ),
        invalid(
            """
            from sqlalchemy import text
            from sqlalchemy.ext.asyncio import create_async_engine

            engine = create_async_engine("sqlite+aiosqlite:///app.db")


            async def ping() -> None:
                conn = await engine.begin()  # expect: GL202
                await conn.execute(text("SELECT 1"))
            """,
        ),
        valid(
            """
            from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

            engine = create_async_engine("sqlite+aiosqlite:///app.db")


            async def save(db: AsyncSession, user) -> None:
                db.add(user)
                await db.begin_nested()
                await db.flush()
                transaction = await db.begin()
                await transaction.commit()


            async def ping(query) -> None:
                conn = await engine.connect()
                await conn.begin()
                result = await conn.stream(query)
                await conn.close()


            class Cart:
                async def add(self, item) -> None: ...


            async def checkout(cart: Cart, basket: set, item) -> None:
                await cart.add(item)
                await basket.add(item)
            """
        ),
    )

    def check(self, context: RuleContext) -> Iterator[Report]:
        semantics = context.semantics
        for site in context.facts.all_calls():
            if site.use is not Use.AWAITED or site.receiver is None or site.name not in _ANY_SYNC_METHOD:
                continue
            value = semantics.value_of(site.receiver, site.scope)
            if value is None or (value.is_class and site.name not in _CLASS_METHODS):
                continue
            outcome = SYNC_METHODS.get(value.kind, {}).get(site.name)
            if outcome is None or not isinstance(site.parent, cst.Await):
                continue
            yield self.report(
                site.parent,
                self._message(site, value.kind, outcome),
                fix=self._fix(site.parent) if outcome.fixable else None,
            )

    def _message(self, site: CallSite, kind: Kind, outcome: _Outcome) -> str:
        advice = "remove the `await`" if outcome.fixable else "do not await it"
        return (
            f"`await {call_label(site)[1:-1]}`: {kind.value}.{site.name}() is a plain method, not a coroutine: "
            f"awaiting its result {outcome.outcome}; {advice}"
        )

    def _fix(self, node: cst.Await) -> Fix:
        def build(builder: FixBuilder) -> None:
            builder.rewrite(node, without_await, key="unwrap")

        return Fix("Remove the `await`", Applicability.SAFE, build, key=("remove-await", id(node)))
