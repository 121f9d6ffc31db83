"""GL203 sync-with-on-async-object."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import libcst as cst

from greenlint.core.finding import Applicability, Fix, Report, Severity
from greenlint.core.fixer import FixBuilder
from greenlint.rules.base import Rule, RuleContext, Verified, invalid, valid
from greenlint.rules.common import awaited, make_async_with, snippet
from greenlint.semantics.facts import BindingKind, CallSite, Scope, ScopeKind, Use
from greenlint.semantics.infer import Semantics
from greenlint.semantics.tree import child_nodes
from greenlint.semantics.values import Kind, Value

# The type named by the TypeError of `with X:`, for `X = receiver.begin()` / `.begin_nested()` by receiver kind.
_BEGIN_TYPES = {
    Kind.ASYNC_ENGINE: "_AsyncGeneratorContextManager",
    Kind.ASYNC_FACTORY: "_AsyncSessionContextManager",
    Kind.ASYNC_SESSION: "AsyncSessionTransaction",
    Kind.ASYNC_SCOPED: "AsyncSessionTransaction",
    Kind.ASYNC_CONNECTION: "AsyncTransaction",
}
_NESTED_RECEIVERS = (Kind.ASYNC_SESSION, Kind.ASYNC_SCOPED, Kind.ASYNC_CONNECTION)  # have begin_nested()
_OBJECTS = (Kind.ASYNC_SESSION, Kind.ASYNC_CONNECTION)  # async context managers themselves
RUNTIME_TEST = "test_context_and_sync_methods.py::test_gl203_plain_with_raises_before_the_block_runs"
_NOT_STARTED = "AsyncContextNotStarted: AsyncConnection context has not been started and object has not been awaited."


@dataclass(frozen=True)
class _AsyncItem:
    """A `with` item that is an async context manager: what it is, and the type its TypeError names."""

    description: str
    type_name: str


def _session_type(value: Value) -> str:
    return value.class_name.rpartition(".")[2] if value.class_name else value.kind.value


def _async_item(node: cst.BaseExpression, scope: Scope, semantics: Semantics) -> _AsyncItem | None:
    """Whether `node`, used as a plain `with` item, is an SQLAlchemy async context manager."""
    if isinstance(node, cst.Await):
        return None
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
        method = node.func.attr.value
        if method in ("begin", "begin_nested"):
            receiver = semantics.value_of(node.func.value, scope)
            if receiver is None or receiver.is_class or receiver.kind not in _BEGIN_TYPES:
                return None
            if method == "begin_nested" and receiver.kind not in _NESTED_RECEIVERS:
                return None
            return _AsyncItem(f"{receiver.kind.value}.{method}()", _BEGIN_TYPES[receiver.kind])
    value = semantics.value_of(node, scope)
    if value is None or value.is_class or value.kind not in _OBJECTS:
        return None
    if value.kind is Kind.ASYNC_CONNECTION:
        return _AsyncItem("an AsyncConnection", "AsyncConnection")
    return _AsyncItem(f"an {value.kind.value}", _session_type(value))


# Nodes that hold no `with` of the scope: nested definitions (their own scopes), simple statements, expressions.
_NOT_HOLDING_WITH = (cst.FunctionDef, cst.ClassDef, cst.SimpleStatementLine, cst.BaseSmallStatement, cst.BaseExpression)


def _withs(scope: Scope) -> Iterator[cst.With]:
    """The `with` statements that run directly in a module, class or function body (not in nested ones)."""
    node = scope.node
    if isinstance(node, cst.Module):
        stack: list[cst.CSTNode] = list(node.body)
    elif isinstance(node, (cst.FunctionDef, cst.ClassDef)):
        stack = [node.body]
    else:
        return
    while stack:
        current = stack.pop()
        if isinstance(current, _NOT_HOLDING_WITH):
            continue
        if isinstance(current, cst.With):
            yield current
            stack.append(current.body)
            continue
        stack.extend(child_nodes(current))


class SyncWithOnAsyncObject(Rule):
    code = "GL203"
    name = "sync-with-on-async-object"
    severity = Severity.ERROR
    needles = ("with", ".connect(")
    summary = "A plain `with` on an AsyncSession / AsyncConnection / `begin()`, or an AsyncConnection never started."
    explanation = """
`AsyncSession`, `AsyncConnection`, `AsyncEngine.begin()`, `async_sessionmaker.begin()`, `AsyncSession.begin()` /
`begin_nested()` and `AsyncConnection.begin()` / `begin_nested()` are *asynchronous* context managers: they
define `__aenter__` / `__aexit__`, not `__enter__` / `__exit__`. A plain `with` fails before the block runs:

- `with Sessions() as session:` / `with AsyncSession(engine) as session:`:
  `TypeError: 'AsyncSession' object does not support the context manager protocol`
- `with engine.connect() as conn:`: `TypeError: 'AsyncConnection' object does not support the context manager
  protocol`
- `with engine.begin() as conn:`: `TypeError: '_AsyncGeneratorContextManager' object does not support the
  context manager protocol`
- `with Sessions.begin() as session:`: `... '_AsyncSessionContextManager' object ...`;
  `with session.begin():`: `... 'AsyncSessionTransaction' object ...`; `with conn.begin():`:
  `... 'AsyncTransaction' object ...`

Nothing in the block runs (no query, no commit): a route using it answers HTTP 500, a startup hook that creates
the tables fails. This is Python 3.11 and later; Python 3.10 raises `AttributeError: __enter__` instead.

An `AsyncConnection` from `conn = engine.connect()` is not started until it is awaited or entered with
`async with`: the first use, e.g. `await conn.execute(q)`, raises
`AsyncContextNotStarted: AsyncConnection context has not been started and object has not been awaited.`
greenlint reports such an assignment when the name is then used for a method call and is never awaited, entered
with `async with`, started with `conn.start()` or handed on.

Measured with SQLAlchemy 2.1.9 and 2.0.58, aiosqlite and asyncpg, on Python 3.11: all behave the same.
"""
    fix_description = """
Turns the `with` into `async with` (when every item of the statement is an async context manager), and
`conn = engine.connect()` into `conn = await engine.connect()` (the connection must then be closed with
`await conn.close()`; `async with engine.connect() as conn:` does it for you). Safe. Offered only inside
`async def`: in a plain `def`, make the function async first (GL005), or use a synchronous engine.
"""
    verified = (
        Verified(
            "a plain `with` on `engine.begin()`, `Sessions.begin()`, `Sessions()`, `engine.connect()`, `db.begin()`",
            "Each raises `TypeError` (`object does not support the context manager protocol`) before its block "
            "runs: no table is created, no row added, no query sent.",
            "`async with`: the tables are created, and the user is added, counted and renamed.",
            RUNTIME_TEST,
        ),
        Verified(
            "`conn = engine.connect()`, never awaited, then a query on `conn`",
            "The query raises `AsyncContextNotStarted` "
            "(`AsyncConnection context has not been started and object has not been awaited.`).",
            "With the `await` greenlint adds, the query runs and returns 2.",
            RUNTIME_TEST,
        ),
    )
    examples = (
        invalid(
            """
            from sqlalchemy import text
            from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

            engine = create_async_engine("sqlite+aiosqlite:///app.db")
            Sessions = async_sessionmaker(engine, expire_on_commit=False)


            async def create_tables() -> None:
                with engine.begin() as conn:  # expect: GL203
                    await conn.run_sync(Base.metadata.create_all)


            async def count(query) -> int:
                with Sessions() as session:  # expect: GL203
                    return await session.scalar(query)


            async def rename(db: AsyncSession, user, name: str) -> None:
                with db.begin():  # expect: GL203
                    user.name = name


            async def ping() -> int:
                conn = engine.connect()  # expect: GL203
                try:
                    return await conn.scalar(text("SELECT 1"))
                finally:
                    await conn.close()
            """,
            fixed="""
            from sqlalchemy import text
            from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

            engine = create_async_engine("sqlite+aiosqlite:///app.db")
            Sessions = async_sessionmaker(engine, expire_on_commit=False)


            async def create_tables() -> None:
                async with engine.begin() as conn:  # expect: GL203
                    await conn.run_sync(Base.metadata.create_all)


            async def count(query) -> int:
                async with Sessions() as session:  # expect: GL203
                    return await session.scalar(query)


            async def rename(db: AsyncSession, user, name: str) -> None:
                async with db.begin():  # expect: GL203
                    user.name = name


            async def ping() -> int:
                conn = await engine.connect()  # expect: GL203
                try:
                    return await conn.scalar(text("SELECT 1"))
                finally:
                    await conn.close()
            """,
        ),
        invalid(
            """
            from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

            engine = create_async_engine("sqlite+aiosqlite:///app.db")


            def export(path: str) -> None:
                with open(path, "w") as out, AsyncSession(engine) as session:  # expect: GL203
                    out.write(str(session))
            """,
        ),
        valid(
            """
            from sqlalchemy import create_engine, text
            from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
            from sqlalchemy.orm import Session, sessionmaker

            engine = create_async_engine("sqlite+aiosqlite:///app.db")
            Sessions = async_sessionmaker(engine)
            sync_engine = create_engine("sqlite:///app.db")
            SyncSessions = sessionmaker(sync_engine)


            async def count(query) -> int:
                async with Sessions() as session, session.begin():
                    return await session.scalar(query)


            async def ping() -> None:
                async with engine.connect() as conn:
                    await conn.execute(text("SELECT 1"))
                conn = engine.connect()
                async with conn:
                    await conn.execute(text("SELECT 1"))
                started = engine.connect()
                await started.start()
                await started.close()


            def report(path: str) -> None:
                with open(path) as source, SyncSessions() as session, session.begin():
                    session.execute(text(source.read()))
                with Session(sync_engine) as other, sync_engine.connect() as conn:
                    conn.execute(text("SELECT 1"))
            """
        ),
    )

    def check(self, context: RuleContext) -> Iterator[Report]:
        semantics = context.semantics
        for scope in context.facts.scopes():
            if scope.kind is ScopeKind.COMPREHENSION or scope.kind is ScopeKind.LAMBDA:
                continue
            for statement in _withs(scope):
                if statement.asynchronous is not None:
                    continue
                found = [(item, _async_item(item.item, scope, semantics)) for item in statement.items]
                every = all(kind for _, kind in found)
                fix = self._async_with(statement, scope) if every else None
                if fix is not None:
                    advice = "use `async with`"
                elif scope.is_async_function():
                    advice = "enter it with `async with` (in its own statement: the other items are not async)"
                else:
                    advice = "enter it with `async with`, in an `async def`"
                for item, kind in found:
                    if kind is not None:
                        yield self.report(item.item, self._with_message(item.item, kind, advice), fix=fix)
        for site in context.facts.all_calls():
            if self._never_started(site, context):
                yield self.report(site.call, self._connect_message(site), fix=self._await_connect(site))

    # -- `with` on an async context manager ------------------------------------------------------------------
    def _with_message(self, node: cst.BaseExpression, item: _AsyncItem, advice: str) -> str:
        return (
            f"plain `with {snippet(node)}`: {item.description} is an async context manager, so this raises "
            f"TypeError: '{item.type_name}' object does not support the context manager protocol, "
            f"before the block runs; {advice}"
        )

    def _async_with(self, statement: cst.With, scope: Scope) -> Fix | None:
        if not scope.is_async_function():
            return None

        def build(builder: FixBuilder) -> None:
            builder.rewrite(statement, make_async_with, key="async-with")

        return Fix("Use `async with`", Applicability.SAFE, build, key=("async-with", id(statement)))

    # -- `conn = engine.connect()` never started -------------------------------------------------------------
    def _never_started(self, site: CallSite, context: RuleContext) -> bool:
        if site.name != "connect" or site.receiver is None or site.use is not Use.ASSIGNED or len(site.targets) != 1:
            return False
        engine = context.semantics.value_of(site.receiver, site.scope)
        if engine is None or engine.is_class or engine.kind is not Kind.ASYNC_ENGINE:
            return False
        name = site.targets[0]
        owner = site.scope.owner
        bindings = owner.bindings.get(name, [])
        if len(bindings) != 1 or bindings[0].kind is not BindingKind.ASSIGN or bindings[0].value is not site.call:
            return False
        if name in owner.escaping_names():
            return False  # awaited (`await conn`), returned, passed on ...: maybe started elsewhere
        if any(self._enters(statement, name) for statement in _withs(owner)):
            return False
        methods = {
            other.name
            for other in context.facts.all_calls()
            if isinstance(other.receiver, cst.Name) and other.receiver.value == name and other.scope.owner is owner
        }
        return bool(methods) and "start" not in methods

    @staticmethod
    def _enters(statement: cst.With, name: str) -> bool:
        """`with conn:` / `async with conn:` (`async with conn.begin():` does not start it)."""
        return any(isinstance(item.item, cst.Name) and item.item.value == name for item in statement.items)

    def _connect_message(self, site: CallSite) -> str:
        target = site.targets[0]
        receiver = snippet(site.receiver, 30) if site.receiver is not None else "engine"
        return (
            f"`{target} = {receiver}.connect()` is never started: AsyncEngine.connect() returns an AsyncConnection "
            f"that must be awaited or entered with `async with`, so using `{target}` raises {_NOT_STARTED[:-1]}; "
            f"use `await {receiver}.connect()` (and close it) or `async with {receiver}.connect() as {target}:`"
        )

    def _await_connect(self, site: CallSite) -> Fix | None:
        if not site.scope.owner.is_async_function():
            return None
        call = site.call

        def build(builder: FixBuilder) -> None:
            builder.rewrite(call, lambda node: awaited(node, False), key="await")

        return Fix(f"Use `await {snippet(call)}`", Applicability.SAFE, build, key=("await-connect", id(call)))
