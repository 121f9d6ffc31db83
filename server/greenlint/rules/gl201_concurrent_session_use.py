"""GL201 concurrent-session-use."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import libcst as cst

from greenlint.core.finding import Report, Severity
from greenlint.rules.base import Rule, RuleContext, Verified, invalid, valid
from greenlint.rules.common import snippet
from greenlint.rules.gl002_unawaited_async_call import COROUTINE_METHODS
from greenlint.semantics.facts import CallSite, Scope
from greenlint.semantics.tree import code_of
from greenlint.semantics.values import Kind

_GATHERING = frozenset({"asyncio.gather", "asyncio.wait", "asyncio.as_completed"})
_SCHEDULING = frozenset({"asyncio.create_task", "asyncio.ensure_future"})
_SHARED = (Kind.ASYNC_SESSION, Kind.ASYNC_CONNECTION)
_LOOPS = (cst.For, cst.While, cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp)
_RUNTIME_TESTS = "test_concurrent_sessions.py::test_gl201_"


@dataclass(frozen=True)
class _Use:
    """A coroutine that will use a session: one of its methods, or a workspace `async def` it is passed to."""

    call: cst.Call
    session: str  # the session's expression in this function, e.g. `db`
    kind: Kind


class ConcurrentSessionUse(Rule):
    code = "GL201"
    name = "concurrent-session-use"
    severity = Severity.ERROR
    summary = "One AsyncSession (or AsyncConnection) is used by operations that run concurrently."
    needles = ("gather", "create_task", "ensure_future", "as_completed", "wait(")
    explanation = """
An `AsyncSession` (and an `AsyncConnection`) runs one operation at a time on one database connection; it is
not safe to use from concurrent tasks. Handing several of its coroutines to `asyncio.gather`, `asyncio.wait`
or `asyncio.as_completed`, or scheduling them with `create_task` / `TaskGroup.create_task` / `ensure_future` in
a loop or beside another use of the session, makes them interleave on that connection. What happens depends on
timing and driver:

- While the session opens its connection (its first operation, when the pool has no idle connection: the first
  requests, or any request under load), the other task raises `InvalidRequestError: This session is
  provisioning a new connection; concurrent operations are not permitted`. Closing the session (the `async
  with` of a FastAPI dependency) then raises `IllegalStateChangeError: Method 'close()' can't be called here;
  method '_connection_for_bind()' is already in progress`: the request answers HTTP 500, and the connection is
  never returned to the pool. The same on SQLite and PostgreSQL.
- Once the session holds its connection, SQLAlchemy's adapters of aiosqlite and asyncpg run plain queries one
  after the other: gathered queries happen to work.
- A `commit()` or `rollback()` while another task's query is in flight: asyncpg raises `InterfaceError:
  cannot perform operation: another operation is in progress`, the row is lost, and the connection goes back
  to the pool inside asyncpg's unfinished transaction: every later request that gets it fails with
  `InterfaceError: cannot use Connection.transaction() in a manually started transaction`. aiosqlite queues the
  two, and it works.
- Two flushes: `InvalidRequestError: Session is already flushing`; two commits: `IllegalStateChangeError`.

So a gather that passes its tests on SQLite, or with a warm pool, is a latent bug that appears under load or on
PostgreSQL. Measured with SQLAlchemy 2.1.9 and 2.0.58 (aiosqlite, asyncpg): both behave the same.

greenlint reports each concurrent use: a method coroutine of a session known in the function, or a call of a
workspace `async def` that receives that session as an argument.
"""
    fix_description = """
None automatic. Give each concurrent task its own session (`async with Sessions() as session:` inside the
coroutine you gather), or await the operations one after another on the one session.
"""
    verified = (
        Verified(
            "the rule's example: `asyncio.gather` of two `session.scalar` counts in a route; three concurrent requests",
            "Requests that must open a connection answer 500 "
            "(`This session is provisioning a new connection; concurrent operations are not permitted`) and leak it.",
            "With a session per task (`async with Sessions() as session:`), all three answer 200 and no connection "
            "stays checked out.",
            f"{_RUNTIME_TESTS}gathered_counts_fail_in_requests_that_open_a_connection",
        ),
        Verified(
            "the error of those requests",
            "Closing the session in the dependency raises `IllegalStateChangeError` "
            "(`Method 'close()' can't be called here; method '_connection_for_bind()' is already in progress`) "
            "while handling the gathered query's `InvalidRequestError`; the request that found an idle pooled "
            "connection answers 200.",
            "The program with a session per task runs without an exception, with nothing on stderr.",
            f"{_RUNTIME_TESTS}gathered_counts_fail_in_requests_that_open_a_connection",
        ),
        Verified(
            "a route gathers a count with `db.commit()`",
            "The COMMIT raises `InterfaceError` (`cannot perform operation: another operation is in progress`): HTTP "
            "500, the row is lost, and each later request on that pooled connection fails with `InterfaceError` "
            "(`cannot use Connection.transaction() in a manually started transaction`).",
            "Awaited one after another: HTTP 200, the row is stored, later requests answer 200.",
            f"{_RUNTIME_TESTS}a_query_gathered_with_the_commit_breaks_the_connection",
            databases=("PostgreSQL",),
        ),
        Verified(
            "a route gathers a count with `db.commit()`",
            "aiosqlite runs the query and the COMMIT one after the other: HTTP 200 and the row is stored (a latent "
            "bug, see PostgreSQL).",
            "Awaited one after another: the same.",
            f"{_RUNTIME_TESTS}a_query_gathered_with_the_commit_works_on_sqlite",
            databases=("SQLite",),
        ),
    )
    examples = (
        invalid(
            """
            import asyncio

            from sqlalchemy import func, select
            from sqlalchemy.ext.asyncio import AsyncSession


            async def counts(session: AsyncSession, a, b) -> tuple[int, int]:
                return await asyncio.gather(
                    session.scalar(select(func.count()).select_from(a)),  # expect: GL201
                    session.scalar(select(func.count()).select_from(b)),  # expect: GL201
                )


            async def load(session: AsyncSession, model, key):
                return await session.get(model, key)


            async def load_all(session: AsyncSession, model, keys: list[int]) -> list:
                return await asyncio.gather(*[load(session, model, key) for key in keys])  # expect: GL201


            async def refresh_all(session: AsyncSession, items: list) -> None:
                async with asyncio.TaskGroup() as group:
                    for item in items:
                        group.create_task(session.refresh(item))  # expect: GL201
            """
        ),
        valid(
            """
            import asyncio

            from sqlalchemy import func, select
            from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

            Sessions = async_sessionmaker(create_async_engine("sqlite+aiosqlite://"))


            async def count(model) -> int:
                async with Sessions() as session:
                    return await session.scalar(select(func.count()).select_from(model))


            async def counts(a, b) -> list[int]:
                return await asyncio.gather(count(a), count(b))


            async def one_each(first: AsyncSession, second: AsyncSession, q) -> list:
                return await asyncio.gather(first.scalar(q), second.scalar(q))


            async def sequential(session: AsyncSession, items: list) -> None:
                for item in items:
                    await session.refresh(item)


            async def alone(session: AsyncSession, q):
                task = asyncio.create_task(session.execute(q))
                return await task
            """
        ),
    )

    def check(self, context: RuleContext) -> Iterator[Report]:
        for site in context.facts.all_calls():
            qualified = context.semantics.qualified_name(site.call.func, site.scope) or ""
            if qualified in _GATHERING:
                uses = list(self._gathered(site, context))
                counted: dict[str, int] = {}
                for use, repeated in uses:
                    counted[use.session] = counted.get(use.session, 0) + (2 if repeated else 1)
                for use, _ in uses:
                    if counted[use.session] > 1:
                        yield self._report(use, f"`{snippet(site.call.func)}`")
            elif qualified in _SCHEDULING or (site.name == "create_task" and site.receiver is not None):
                yield from self._scheduled(site, context)

    def _gathered(self, site: CallSite, context: RuleContext) -> Iterator[tuple[_Use, bool]]:
        """The session uses handed to gather/wait/as_completed; True when one expression runs many times."""
        for arg in site.call.args:
            value = arg.value
            elements = value.elements if isinstance(value, (cst.List, cst.Tuple, cst.Set)) else [arg]
            for element in elements:
                node = element.value
                repeated = (
                    bool(element.star) if isinstance(element, cst.Arg) else isinstance(element, cst.StarredElement)
                )
                if isinstance(node, (cst.ListComp, cst.SetComp, cst.GeneratorExp)):
                    node, repeated = node.elt, True
                use = self._use(node, site.scope, context) if isinstance(node, cst.Call) else None
                if use is not None:
                    yield use, repeated

    def _scheduled(self, site: CallSite, context: RuleContext) -> Iterator[Report]:
        """`create_task(session.x(...))` in a loop, or beside another use of the session in the function."""
        if not site.call.args or not isinstance(site.call.args[0].value, cst.Call):
            return
        use = self._use(site.call.args[0].value, site.scope, context)
        if use is None:
            return
        label = f"`{snippet(site.call.func)}`"
        if self._in_loop(site.call, site.scope, context):
            yield self._report(use, f"{label} in a loop")
            return
        others = [
            other
            for other_site in site.scope.owner.calls
            if other_site.call is not use.call
            and (other := self._use(other_site.call, other_site.scope, context)) is not None
            and other.session == use.session
        ]
        if others:
            yield self._report(use, f"{label}, beside another use of `{use.session}`")
            for other in others:
                yield self._report(other, f"a task created by {label}")

    def _use(self, call: cst.Call, scope: Scope, context: RuleContext) -> _Use | None:
        semantics = context.semantics
        func = call.func
        if isinstance(func, cst.Attribute):
            value = semantics.value_of(func.value, scope)
            if value is not None and not value.is_class and value.kind in _SHARED:
                if func.attr.value in COROUTINE_METHODS.get(value.kind, ()):
                    return _Use(call, code_of(func.value), value.kind)
                return None
        if not self._is_async_function(func, scope, context):
            return None
        for arg in call.args:
            value = semantics.value_of(arg.value, scope)
            if value is not None and not value.is_class and value.kind in _SHARED:
                return _Use(call, code_of(arg.value), value.kind)
        return None

    @staticmethod
    def _is_async_function(func: cst.BaseExpression, scope: Scope, context: RuleContext) -> bool:
        local = context.semantics.function_named(func, scope)
        if local is not None:
            return local.is_async
        qualified = context.semantics.qualified_name(func, scope)
        fact = context.workspace.function(qualified) if qualified else None
        return fact is not None and fact.is_async

    @staticmethod
    def _in_loop(call: cst.Call, scope: Scope, context: RuleContext) -> bool:
        parents = context.facts.parents()
        node: cst.CSTNode | None = call
        while node is not None and node is not scope.owner.node:
            node = parents.get(id(node))
            if isinstance(node, _LOOPS):
                return True
        return False

    def _report(self, use: _Use, how: str) -> Report:
        what = "AsyncSession" if use.kind is Kind.ASYNC_SESSION else "AsyncConnection"
        message = (
            f"`{snippet(use.call)}` uses the {what} `{use.session}` concurrently with other operations on it "
            f"({how}): one {what} runs one operation at a time, so this raises InvalidRequestError / "
            "IllegalStateChangeError (asyncpg: InterfaceError: another operation is in progress) or silently "
            "works until it does not; use one session per task, or await the operations one after another"
        )
        return self.report(use.call, message)
