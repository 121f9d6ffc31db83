"""GL205 shared-async-session."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import libcst as cst

from greenlint.core.finding import Related, Report, Severity
from greenlint.rules.base import Rule, RuleContext, Verified, invalid, valid
from greenlint.rules.common import function_name, is_route_handler, snippet
from greenlint.semantics.facts import BindingKind, Scope, ScopeKind
from greenlint.semantics.values import Kind

_RUNTIME_TESTS = "test_concurrent_sessions.py::test_gl205_"


@dataclass(frozen=True)
class _Shared:
    """A session every request shares: created at module level, or stored on a class."""

    name: str
    where: str
    related: tuple[Related, ...]


class SharedAsyncSession(Rule):
    code = "GL205"
    name = "shared-async-session"
    severity = Severity.ERROR
    summary = "An AsyncSession created at module level or stored on a class is used by request handlers."
    needles = ("async def",)
    explanation = """
An `AsyncSession` is a unit of work for one task: it holds one connection and an identity map of the objects
it loaded. A session created at import time (`session = AsyncSession(engine)`, `db = Sessions()`), assigned to
a global by a startup hook, or stored as a class attribute is **shared by every request**:

- Concurrent requests interleave on its one connection. With asyncpg, a query sent while another request's
  `commit()` runs fails with `InterfaceError: cannot perform operation: another operation is in progress`
  (HTTP 500). On SQLite, SQLAlchemy 2.0 raises `IllegalStateChangeError: Method 'commit()' can't be called
  here; method 'commit()' is already in progress`, while 2.1 happens to run the two one after the other (a
  latent bug). While the session opens its connection, a concurrent request gets `InvalidRequestError: This
  session is provisioning a new connection; concurrent operations are not permitted`.
- One request's `rollback()` discards what another request has flushed and not yet committed: that request
  still commits (nothing) and answers HTTP 200, and its row is lost.
- What one request added or changed and did not commit (it raised `HTTPException` first, say) is committed by
  the next request that commits.
- From a request's first query to its commit or rollback the session holds a connection of the pool: a request
  that only reads leaves it checked out (in an open transaction) until a later request ends it.

Measured with SQLAlchemy 2.1.9 and 2.0.58, aiosqlite and asyncpg.

greenlint reports the first use of such a session in each route handler, and a dependency that provides it.
`async_scoped_session` is not reported (it gives each scope its own session).
"""
    fix_description = """
None automatic. Create a session per request in a dependency (`async with Sessions() as session: yield
session`) and take it as a parameter (`db: AsyncSession = Depends(get_db)`).
"""
    verified = (
        Verified(
            "`/users` flushes a row and awaits a mail service while `/import` rolls back, on a module-level `session`",
            "One request's `rollback()` discards the row another request flushed, and that request still answers "
            '200 with `{"id": 1}`: the row is lost.',
            "With a session per request (`Depends(get_db)`), the row is stored.",
            f"{_RUNTIME_TESTS}one_requests_rollback_discards_anothers_row",
        ),
        Verified(
            "then a read-only request, `/names`, on the module-level `session`",
            "It leaves the session in a transaction that holds a connection of the pool after the response "
            "(`checked_out` is 1).",
            "With a session per request, no connection stays checked out.",
            f"{_RUNTIME_TESTS}one_requests_rollback_discards_anothers_row",
        ),
        Verified(
            "the rule's example: two concurrent requests to `/count` on a module-level `session`",
            "One answers 500: its SELECT is sent while the other's COMMIT runs on the shared connection, `InterfaceError` "
            "(`cannot perform operation: another operation is in progress`).",
            "With a session per request (`Depends(get_db)`), both answer 200.",
            f"{_RUNTIME_TESTS}concurrent_requests_on_a_shared_session_fail",
            databases=("PostgreSQL",),
        ),
        Verified(
            "the rule's example: two concurrent requests to `/count` on a module-level `session`",
            "The second answers 500: `IllegalStateChangeError` "
            "(`Method 'commit()' can't be called here; method 'commit()' is already in progress`).",
            "With a session per request (`Depends(get_db)`), both answer 200.",
            f"{_RUNTIME_TESTS}concurrent_requests_on_a_shared_session_on_sqlite",
            databases=("SQLite",),
            sqlalchemy=("2.0",),
        ),
        Verified(
            "the rule's example: two concurrent requests to `/count` on a module-level `session`",
            "Both answer 200: aiosqlite happens to run the two requests' statements one after the other (a latent "
            "bug, see PostgreSQL and SQLAlchemy 2.0).",
            "With a session per request (`Depends(get_db)`), both answer 200.",
            f"{_RUNTIME_TESTS}concurrent_requests_on_a_shared_session_on_sqlite",
            databases=("SQLite",),
            sqlalchemy=("2.1",),
        ),
    )
    examples = (
        invalid(
            """
            from fastapi import FastAPI
            from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

            engine = create_async_engine("sqlite+aiosqlite:///app.db")
            Sessions = async_sessionmaker(engine, expire_on_commit=False)
            session = Sessions()
            app = FastAPI()


            class Store:
                db = AsyncSession(engine)


            async def get_db():
                yield session  # expect: GL205


            @app.get("/count")
            async def count() -> int:
                total = await session.scalar(...)  # expect: GL205
                await session.commit()
                return total


            @app.post("/items")
            async def create(name: str) -> None:
                Store.db.add(name)  # expect: GL205
                await Store.db.commit()
            """
        ),
        valid(
            """
            from fastapi import Depends, FastAPI
            from sqlalchemy.ext.asyncio import (
                AsyncSession,
                async_scoped_session,
                async_sessionmaker,
                create_async_engine,
            )

            engine = create_async_engine("sqlite+aiosqlite:///app.db")
            Sessions = async_sessionmaker(engine, expire_on_commit=False)
            app = FastAPI()


            async def get_db():
                async with Sessions() as session:
                    yield session


            @app.get("/count")
            async def count(db: AsyncSession = Depends(get_db)) -> int:
                return await db.scalar(...)


            async def main() -> None:
                session = Sessions()
                await session.execute(...)
                await session.close()
            """
        ),
    )

    def check(self, context: RuleContext) -> Iterator[Report]:
        reported: set[tuple[int, str]] = set()
        for site in context.facts.all_calls():
            owner = site.scope.owner
            if site.receiver is None or not is_route_handler(owner.node):
                continue
            shared = self._shared(site.receiver, site.scope, context)
            if shared is None or (id(owner), shared.name) in reported:
                continue
            reported.add((id(owner), shared.name))
            handler = function_name(owner)
            message = (
                f"`{shared.name}` is an AsyncSession {shared.where}, so every request to `{handler}` shares it: "
                "concurrent requests interleave on one connection (asyncpg: InterfaceError: another operation is in "
                "progress; InvalidRequestError / IllegalStateChangeError; or it silently works until it does not), "
                "one request's rollback discards another's flushed rows, and the next commit commits what a failed "
                "request left; "
                "create a session per request in a dependency"
            )
            yield self.report(site.receiver, message, related=shared.related)
        for scope in context.facts.functions:
            for produced in scope.yields or scope.returns:
                shared = self._shared(produced, scope, context)
                if shared is not None and scope.node is not None:
                    message = (
                        f"`{function_name(scope)}` provides `{shared.name}`, an AsyncSession {shared.where}: every "
                        "request that depends on it shares one session (and its connection); create a session per "
                        "request here (`async with Sessions() as session: yield session`)"
                    )
                    yield self.report(produced, message, related=shared.related)

    def _shared(self, node: cst.BaseExpression, scope: Scope, context: RuleContext) -> _Shared | None:
        semantics = context.semantics
        value = semantics.value_of(node, scope)
        if value is None or value.is_class or value.kind is not Kind.ASYNC_SESSION:
            return None
        if isinstance(node, cst.Name):
            found = semantics.lookup(node.value, scope)
            if found is None or len(found[0]) != 1:
                return None
            binding, owner = found[0][0], found[1]
            created = f"`{node.value}` is created here"
            if owner.kind is ScopeKind.MODULE and binding.kind is BindingKind.ASSIGN:
                return _Shared(node.value, "created at module level", (Related(created, binding.node),))
            if owner.kind is ScopeKind.MODULE and binding.kind is BindingKind.IMPORT:
                elsewhere = (Related(created, place=value.place),) if value.place else ()
                return _Shared(node.value, "created at module level in another module", elsewhere)
            return None
        if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name):
            found = semantics.lookup(node.value.value, scope)
            if found is not None and found[0][0].kind is BindingKind.CLASS and found[0][0].scope is not None:
                attributes = found[0][0].scope.bindings.get(node.attr.value, [])
                if attributes and attributes[0].kind is BindingKind.ASSIGN:
                    related = (Related(f"`{snippet(node)}` is created here", attributes[0].node),)
                    return _Shared(snippet(node), "stored on the class", related)
        return None
